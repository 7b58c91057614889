"""Reply channels: how an agent's reply reaches the customer.

Each channel module that can deliver replies exposes ``reply_channel()`` returning an
object with ``send_reply(case, body, agent, thread) -> Message`` (see
functions.cases.logic.ReplyChannel). This registry is wired in functions.composition.
"""

from __future__ import annotations

import importlib
from typing import Any

from functions.cases.models import Channel

# channel -> module exposing reply_channel()
ADAPTERS: dict[Channel, str] = {
    Channel.EMAIL: "functions.channels.email.outbound",
    Channel.WEB: "functions.channels.email.outbound",  # web-form customers get replies by email
    Channel.PHONE: "functions.channels.email.outbound",
    Channel.API: "functions.channels.email.outbound",
    Channel.CHAT: "functions.channels.chat.outbound",
}


def reply_channels() -> dict[Channel, Any]:
    out: dict[Channel, Any] = {}
    for channel, module_name in ADAPTERS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name is None or not module_name.startswith(exc.name):
                raise
            continue
        out[channel] = module.reply_channel()
    return out
