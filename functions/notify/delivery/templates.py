"""The notice mail templates (functions/notify/templates/notice.<lang>.json) as SES stores them.

Installed by the local stack (functions/local/provision.py) and by the CDK stack; the Lambda
functions only name them (``casebridge-notice-{lang}``), they never read these files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from functions.notify.delivery.models import TEMPLATE_NAME

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"


def template_files(directory: Path = TEMPLATES_DIR) -> dict[str, dict[str, str]]:
    """SES template name -> {"Subject", "Html", "Text"}."""
    out: dict[str, dict[str, str]] = {}
    for path in sorted(directory.glob("notice.*.json")):
        lang = path.name.split(".")[1]
        out[TEMPLATE_NAME.format(lang=lang)] = json.loads(path.read_text(encoding="utf-8"))
    return out


def install(client: Any, directory: Path = TEMPLATES_DIR) -> list[str]:
    """Create or update every template with an SES v2 client; returns their names."""
    names = []
    for name, content in template_files(directory).items():
        try:
            client.create_email_template(TemplateName=name, TemplateContent=content)
        except client.exceptions.AlreadyExistsException:
            client.update_email_template(TemplateName=name, TemplateContent=content)
        names.append(name)
    return names
