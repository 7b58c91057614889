"""Small reusable field types for pydantic models."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

_EMAIL = re.compile(
    r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


def _email(value: str) -> str:
    value = value.strip()
    if len(value) > 254 or not _EMAIL.match(value):
        raise ValueError("not a valid email address")
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def _phone(value: str) -> str:
    compact = re.sub(r"[\s().-]", "", value)
    if not _E164.match(compact):
        raise ValueError("phone must be in E.164 form, e.g. +14155550123")
    return compact


Email = Annotated[str, StringConstraints(max_length=254), AfterValidator(_email)]
Phone = Annotated[str, AfterValidator(_phone)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Code = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:/-]+$")
]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")]
Text = Annotated[str, StringConstraints(max_length=100_000)]
Subject = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=998)]
PageSize = Annotated[int, Field(ge=1, le=200)]


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].lower()


# Mailbox providers where a shared domain says nothing about a shared organisation.
PUBLIC_MAIL_DOMAINS = frozenset(
    """gmail.com googlemail.com yahoo.com yahoo.co.uk yahoo.de yahoo.fr hotmail.com hotmail.de
    hotmail.fr outlook.com outlook.de live.com msn.com aol.com icloud.com me.com mac.com
    gmx.de gmx.net gmx.at gmx.ch web.de t-online.de freenet.de arcor.de mail.ru yandex.ru
    yandex.com protonmail.com proton.me qq.com 163.com 126.com sina.com naver.com
    orange.fr free.fr laposte.net libero.it virgilio.it seznam.cz wp.pl o2.pl
    zoho.com mail.com fastmail.com hey.com""".split()
)
