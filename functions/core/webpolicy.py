"""The web apps' Content-Security-Policy, one definition for both places that serve them: the CDK
app's CloudFront response headers policy (infra/casebridge_infra/constructs/site.py) and the local
stack's web server (functions/local/web.py), so the browser tests run the apps under the policy
they are deployed with.

Strict: the built apps load their own scripts, styles and fonts only and have no inline code (Vite
emits external files; Vue sets styles through the CSSOM, which ``style-src`` does not govern);
``connect-src`` names the API (and its websocket) and the sign-in endpoints."""

from __future__ import annotations

from collections.abc import Sequence


def content_security_policy(
    connect_src: Sequence[str],
    *,
    form_action: Sequence[str] = (),
    frame_ancestors: str = "'none'",
    upgrade_insecure_requests: bool = True,
) -> str:
    """``form_action``: origins plain HTML forms may post to besides the site (the customers' contact
    form works without JavaScript, posting to the API)."""
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data: blob:",
        "font-src": "'self'",
        "connect-src": " ".join(["'self'", *connect_src]),
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": " ".join(["'self'", *form_action]),
        "frame-ancestors": frame_ancestors,
        "manifest-src": "'self'",
        "worker-src": "'self'",
    }
    policy = "; ".join(f"{k} {v}" for k, v in directives.items())
    # not on the local stack: its API is plain http on loopback
    return policy + "; upgrade-insecure-requests" if upgrade_insecure_requests else policy
