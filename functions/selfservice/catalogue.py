"""The default catalogue of automated fixes (seeded on the local stack; a deployment edits it via the API)."""

from __future__ import annotations

from typing import Any

DEFAULT_FIXES: tuple[dict[str, Any], ...] = (
    {
        "fix_id": "resend-invoice",
        "title": "Resend my invoice",
        "description": "Sends a copy of an invoice to the billing address on file.",
        "intents": ["resend_invoice", "invoice_copy"],
        "phrases": [
            "resend my invoice",
            "I did not receive my invoice",
            "send me a copy of the bill",
            "where is my invoice",
        ],
        "action": {"type": "api", "target": "/portal/billing/invoices/resend", "method": "POST"},
        "requires_verification": True,
    },
    {
        "fix_id": "reset-password",
        "title": "Reset my password",
        "description": "Sends a password reset link to the email address of your account.",
        "intents": ["reset_password", "forgot_password", "account_locked"],
        "phrases": ["reset my password", "I forgot my password", "I cannot log in", "my account is locked"],
        "action": {"type": "link", "target": "/account/password-reset"},
        "requires_verification": False,
    },
    {
        "fix_id": "track-order",
        "title": "Track my order",
        "description": "Shows where your delivery is and when it arrives.",
        "intents": ["track_order", "delivery_status"],
        "phrases": ["where is my order", "track my delivery", "my parcel has not arrived", "delivery status"],
        "action": {"type": "link", "target": "/orders/track"},
        "requires_verification": True,
    },
    {
        "fix_id": "update-billing-address",
        "title": "Change my billing address",
        "description": "Updates the billing address used on future invoices.",
        "intents": ["change_billing_address", "edit_personal_details"],
        "phrases": ["change my address", "update billing address", "my address has changed"],
        "action": {"type": "link", "target": "/account/billing"},
        "requires_verification": True,
    },
    {
        "fix_id": "download-firmware",
        "title": "Download the latest firmware",
        "description": "Lists the latest firmware for your product and model, with installation steps.",
        "intents": ["firmware_update", "software_download"],
        "phrases": ["update the firmware", "download the latest firmware", "new software version"],
        "action": {"type": "link", "target": "/downloads/firmware"},
        "requires_verification": False,
    },
)
