"""Every mail of the shared corpus (../shared/data/mail) goes through the email channel on moto.

None may crash; each ends as created/threaded/suppressed/quarantined with a reason (the corpus
re-uses some Message-IDs, and the same Message-ID twice is one interaction: those are suppressed
as duplicates);
sender, subject and attachment md5s match the corpus .yml except where the table below says
why the .yml (another helpdesk's rendering) is not what we want.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

import pytest
import yaml

from functions.composition import container
from tests.conftest import SHARED_DATA

MAIL_DIR = SHARED_DATA / "mail"

# (file, field) -> why our result differs from the .yml on purpose.
EXPECTED_DIFFERENCES: dict[tuple[str, str], str] = {
    (
        "mail025.box",
        "attachments",
    ): "the uuencoded CSV in the body is extracted as an attachment; the .yml leaves it in the body",
    ("mail033-undelivered-mail-returned-to-sender.box", "attachments"): (
        "the mail uses CRLF line ends; we store the delivery report and the returned message with the bytes "
        "as sent, the other helpdesk converted them to LF"
    ),
    (
        "mail035.box",
        "from_email",
    ): "From is a quoted address with no angle brackets; we take the address, the .yml keeps the quotes",
    ("mail039.box", "attachments"): (
        "signature.asc is stored with its CRLF line ends as sent (the form the PGP signature is computed over); "
        "the .yml has it converted to LF"
    ),
    ("mail087.box", "attachments"): (
        "the unnamed text part is the mail's only text, so it is the body, not an attachment called 'file'"
    ),
}


class _Loader(yaml.SafeLoader):
    """Reads the corpus .yml: Ruby type tags ignored, !binary decoded."""


def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    value = loader.construct_scalar(node)
    return base64.b64decode(value) if suffix == "binary" else value


_Loader.add_multi_constructor("!", _any_tag)


def expected(path: Path) -> dict[str, Any]:
    data = yaml.load(path.with_suffix(".yml").read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 - SafeLoader subclass
    md5s = []
    for att in data.get("attachments") or []:
        prefs = att.get("preferences") or {}
        if prefs.get("content-alternative") or prefs.get("original-format"):
            continue  # the other helpdesk's own copy of the HTML body, not a sent attachment
        raw = att["data"] if isinstance(att["data"], bytes) else str(att["data"]).encode("utf-8")
        md5s.append(hashlib.md5(raw).hexdigest())
    return {"from_email": data.get("from_email"), "subject": data.get("subject"), "md5s": sorted(md5s)}


def norm(text: str | None) -> str:
    return " ".join((text or "").split())


_RESULTS: dict[str, Any] = {}


@pytest.fixture
def corpus(aws) -> dict[str, Any]:
    """Ingest the whole corpus once (one moto account) and keep the outcomes."""
    if not MAIL_DIR.is_dir():
        pytest.fail(f"the shared mail corpus is missing at {MAIL_DIR}; set CASEBRIDGE_SHARED_DATA")
    if not _RESULTS:
        from functions.channels.email.parse import parse_mail

        intake = container().email_intake
        files = sorted(MAIL_DIR.glob("*.box"))
        for path in files:
            raw = path.read_bytes()
            outcome = intake.ingest_raw(raw, None, source=f"corpus:{path.name}")
            parsed = parse_mail(raw)
            md5s = (
                [a.md5 for a in outcome.attachments]
                if outcome.attachments
                else [hashlib.md5(a.data).hexdigest() for a in parsed.attachments]
            )
            _RESULTS[path.name] = {"outcome": outcome, "md5s": sorted(md5s), "path": path}
    return _RESULTS


def test_every_mail_ends_in_a_known_outcome_with_a_reason(corpus):
    for name, r in corpus.items():
        assert r["outcome"].outcome in ("created", "threaded", "suppressed", "quarantined"), name
        assert r["outcome"].reason, name


def test_received_equals_the_sum_of_the_outcomes(corpus):
    from collections import Counter

    counts = Counter(r["outcome"].outcome.value for r in corpus.values())
    assert len(list(MAIL_DIR.glob("*.box"))) == len(corpus) == sum(counts.values())
    assert counts["quarantined"] == 0


def test_bounces_and_auto_generated_mail_are_suppressed(corpus):
    for name in (
        "mail033-undelivered-mail-returned-to-sender.box",
        "mail053.box",
        "mail055.box",
        "mail063.box",
        "mail089.box",
    ):
        assert corpus[name]["outcome"].outcome == "suppressed", name


def test_sender_matches_the_corpus(corpus):
    wrong = []
    for name, r in corpus.items():
        want = expected(r["path"])["from_email"]
        if (name, "from_email") in EXPECTED_DIFFERENCES or want is None:
            continue
        if (r["outcome"].from_email or "").lower() != want.lower():
            wrong.append((name, want, r["outcome"].from_email))
    assert wrong == []


def test_subject_matches_the_corpus(corpus):
    wrong = []
    for name, r in corpus.items():
        want = expected(r["path"])["subject"]
        if want is None or (name, "subject") in EXPECTED_DIFFERENCES:
            continue
        if norm(r["outcome"].subject) != norm(want):
            wrong.append((name, want, r["outcome"].subject))
    assert wrong == []


def test_attachment_md5s_match_the_corpus(corpus):
    wrong = []
    for name, r in corpus.items():
        if (name, "attachments") in EXPECTED_DIFFERENCES:
            continue
        want = expected(r["path"])["md5s"]
        if r["md5s"] != want:
            wrong.append((name, want, r["md5s"]))
    assert wrong == []


def test_the_expected_differences_are_still_differences(corpus):
    """An entry that starts matching must leave the table (it would hide a regression)."""
    for (name, field), _why in EXPECTED_DIFFERENCES.items():
        r = corpus[name]
        want = expected(r["path"])
        if field == "attachments":
            assert r["md5s"] != want["md5s"], name
        else:
            assert (r["outcome"].from_email or "").lower() != (want[field] or "").lower(), name
