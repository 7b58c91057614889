"""Remove personal data from text that leaves a case (knowledge drafts, public answers, queries).

Two passes, both pure:

1. what the case itself knows (the contact's name, email and phone, the agents, the customer's
   name and id): replaced wherever they appear, whole names and each part of a name;
2. patterns: email addresses, IBANs, card numbers (Luhn), phone numbers, order / invoice /
   account / serial numbers (by the word in front of them), long digit runs, postal codes,
   street addresses, IP addresses, greetings ("Hi Anna,") and signature blocks after a
   closing ("Kind regards," + the lines below it).

It errs on the side of removing too much: a reviewer can put a harmless word back; a leaked
name cannot be taken back. Placeholders are bracketed (``[name]``, ``[email]``...) so an
agent sees what was removed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

# Name parts that are also everyday words: matched only when capitalised like a name.
_COMMON_WORDS = frozenset(
    """will may june april august mark bill rose grace hope joy faith summer autumn dawn rich
    art dean drew frank gene guy jack jay ken lee max miles nick pat ray rob sandy sue ted
    victor wade young long king white brown green black gray grey hill wood stone page
    price case booth bell field ford hall hunt lane law little mann moore park rice ross
    short sharp small smith strong ward west north south east print printer cable power
    support help service team admin info sales office""".split()
)

_SEP = r"[\s().\-/]*"


@dataclass(frozen=True)
class KnownPII:
    """What a case knows about the people in it. Empty values are ignored."""

    names: tuple[str, ...] = ()  # people: the contact, agents, names from messages
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()  # the customer's name and id
    other: tuple[str, ...] = ()  # any further literal value (account ids...)

    def merged(self, other: KnownPII) -> KnownPII:
        return KnownPII(
            names=self.names + other.names,
            emails=self.emails + other.emails,
            phones=self.phones + other.phones,
            organisations=self.organisations + other.organisations,
            other=self.other + other.other,
        )


@dataclass
class Scrubbed:
    text: str
    removed: Counter[str] = field(default_factory=Counter)


# --------------------------------------------------------------------------- patterns
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+")
_MAILTO_OBFUSCATED = re.compile(r"\b[\w.+-]+\s*(?:\[at\]|\(at\)| at )\s*[\w-]+\s*(?:\[dot\]|\(dot\)| dot )\s*\w+", re.I)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}\b")
_CARDISH = re.compile(r"(?<![\w.])\d(?:[ -]?\d){12,18}(?![\w.])")
_PHONE_INTL = re.compile(r"(?<![\w/])(?:\+|00)\d[\d\s().\-/]{5,}\d(?!\w)")
_PHONE_NATIONAL = re.compile(r"(?<![\w/.\-])\(?0\d{1,5}\)?[\s\-/.]?\d[\d\s\-/.]{4,}\d(?![\w])")
_PHONE_NANP = re.compile(r"(?<![\w/.\-])\(?\d{3}\)?[\s.\-]\d{3}[\s.\-]\d{4}(?!\w)")
_DATE_LIKE = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$")
_REFERENCE_WORDS = {
    "order number": r"order|orders|bestellung|bestellnummer|bestell-nr|commande|auftrag|auftragsnummer|purchase order|po",
    "reference": r"invoice|rechnung|rechnungsnummer|facture|ticket|tracking|shipment|sendung|delivery|lieferschein|reference|ref|rma|booking|reservation|transaction|receipt|quote",
    "account number": r"account|acct|konto|kontonummer|kundennummer|kunden-nr|customer|client|member|membership|contract|vertrag|subscription|policy|user ?id|username|login|licen[cs]e(?: key)?",
    "serial number": r"serial|serial no|seriennummer|s/n|sn|imei",
}
_REFERENCE = re.compile(
    r"\b(?P<word>" + "|".join(f"(?:{v})" for v in _REFERENCE_WORDS.values()) + r")\b"
    r"(?P<glue>\s*(?:no\.?|nr\.?|number|num\.?|nummer|numéro|n°|id|#|code)?\s*[:#=]?\s*)"
    r"(?P<value>(?=[A-Za-z0-9\-/_.]*\d)[A-Za-z0-9][A-Za-z0-9\-/_.]{2,40}[A-Za-z0-9])",
    re.I,
)
_PREFIXED_ID = re.compile(r"\b(?:ORD|ORDER|INV|PO|SO|ACC|ACCT|CUST|CUS|KD|RMA|TRK)[-_ #]?\d{4,}\b", re.I)
_HASH_NUMBER = re.compile(r"(?<![\w&])#\s?\d{4,}\b")
_LONG_DIGITS = re.compile(r"(?<![\w.])\d{9,}(?![\w.])")
_MAC = re.compile(r"\b(?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}\b")
_IPV4 = re.compile(r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\w.])")
_POSTCODES = (
    re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b"),  # UK
    re.compile(r"\b[A-Z]\d[A-Z]\s?\d[A-Z]\d\b"),  # Canada
    re.compile(
        r"\b(?:A[KLRZ]|C[AOT]|D[CE]|FL|GA|HI|I[ADLN]|K[SY]|LA|M[ADEINOST]|N[CDEHJMVY]|O[HKR]|PA|RI|S[CD]|T[NX]|UT|V[AT]|W[AIVY])\s+\d{5}(?:-\d{4})?\b"
    ),  # US state + ZIP
    re.compile(r"\b\d{5}-\d{4}\b"),  # US ZIP+4
    re.compile(r"\b[1-9]\d{3} (?!(?:AM|PM|MB|GB|KB|TB|HD|MS|DB|XP|UK|US|EU)\b)[A-Z]{2}\b"),  # Netherlands
    re.compile(r"(?<![\d.])\b(?:[A-Z]{1,2}-)?\d{5}(?=\s+[A-ZÄÖÜÉ][a-zäöüßéèêàç]+(?:[\s,.]|$))"),  # 10115 Berlin
)
_STREET = (
    re.compile(
        r"\b\d{1,5}[a-zA-Z]?,?\s+(?:[A-Z][\w'.-]*\s+){1,3}"
        r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Way|Court|Ct|Place|Pl|Square|Sq|Close|Terrace|Parkway|Pkwy|Highway|Hwy)\b\.?"
    ),
    re.compile(
        r"\b[A-ZÄÖÜ][a-zäöüß-]*(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm|ufer|chaussee)"
        r"\s+\d{1,4}\s?[a-z]?\b"
    ),
    re.compile(
        r"\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?:rue|avenue|av\.|boulevard|bd|place|chemin|allée|impasse|quai|route)\s+(?:[\w'’-]+\s?){1,5}",
        re.I,
    ),
    re.compile(r"\b(?:P\.?\s?O\.?\s?Box|Postfach|Apt\.?|Apartment|Suite)\s*#?\s*\d+\w*\b", re.I),
)
_GREETING = re.compile(
    r"^(?P<lead>[ \t>]*(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|hallo|moin|servus|liebe|lieber|"
    r"sehr geehrte|sehr geehrter|bonjour|bonsoir|salut|cher|chère|madame|monsieur)\b)"
    r"(?P<name>[ \t]+(?:(?:mr|mrs|ms|miss|dr|herr|frau|prof)\.?[ \t]+)?"
    r"(?-i:[A-ZÄÖÜÉÈ][\w'’-]*(?:[ \t]+[A-ZÄÖÜÉÈ][\w'’-]*){0,3}))(?P<tail>[ \t]*(?:[,!:;]|$))",
    re.I | re.M,
)
_CLOSING = re.compile(
    r"^[ \t>]*(?:regards|best regards|kind regards|warm regards|best wishes|best|thanks|thank you|thanks again|"
    r"many thanks|cheers|sincerely|yours sincerely|yours faithfully|yours truly|yours|"
    r"mit freundlichen grüßen|mit freundlichen gruessen|freundliche grüße|viele grüße|beste grüße|liebe grüße|"
    r"gruß|grüße|lg|mfg|cordialement|bien cordialement|bien à vous|salutations|merci)[ \t]*[,!.]?[ \t]*$",
    re.I,
)
_SELF_INTRO = re.compile(
    r"\b(?P<lead>(?i:my name is|i am|i'm|this is|ich bin|ich heiße|ich heisse|mein name ist|je suis|je m'appelle))"
    r"\s+(?P<name>[A-ZÄÖÜÉ][\w'’-]+(?:\s+[A-ZÄÖÜÉ][\w'’-]+){0,3})"
)
_HONORIFIC = re.compile(
    r"\b(?:(?:Mr|Mrs|Ms|Miss|Dr|Herr|Frau|Mme|Mlle)\.?|M\.)\s+[A-ZÄÖÜÉ][\w'’-]+(?:\s+[A-ZÄÖÜÉ][\w'’-]+){0,2}"
)


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _digits(s: str) -> str:
    return re.sub(r"\D", "", s)


class Scrubber:
    """Built once per case (its known values), then applied to every field."""

    def __init__(self, known: KnownPII | None = None) -> None:
        self.known = known or KnownPII()
        self._literal_rules = self._compile_known(self.known)

    # -- known values -----------------------------------------------------
    @staticmethod
    def _compile_known(known: KnownPII) -> list[tuple[re.Pattern[str], str]]:
        rules: list[tuple[re.Pattern[str], str]] = []

        def literal(values: Iterable[str], label: str, *, min_len: int = 2) -> None:
            uniq = sorted({v.strip() for v in values if v and len(v.strip()) >= min_len}, key=len, reverse=True)
            for v in uniq:
                body = r"\s+".join(re.escape(part) for part in v.split())
                rules.append((re.compile(rf"(?<![\w@]){body}(?![\w])", re.I), label))

        literal(known.emails, "email", min_len=3)
        for phone in known.phones:
            digits = _digits(phone)
            if len(digits) >= 7:
                tail = _SEP.join(digits[-7:])
                rules.append((re.compile(rf"(?:(?:\+|00)?[\d\s().\-/]{{0,12}}){tail}(?!\d)"), "phone"))
        literal(known.other, "reference", min_len=3)
        literal(known.organisations, "customer", min_len=3)
        names: set[str] = set()
        parts: set[str] = set()
        for raw in known.names:
            name = re.sub(r"\s+", " ", raw or "").strip()
            if "@" in name:  # an agent id that is an address: its local part names the person
                name = re.sub(r"[._+-]+", " ", name.split("@", 1)[0]).strip()
            if not name:
                continue
            names.add(name)
            for part in re.split(r"[\s,]+", name):
                part = part.strip(".'’-")
                if len(part) >= 2 and not part.isdigit():
                    parts.add(part)
        literal(names, "name")
        for part in sorted(parts, key=len, reverse=True):
            if part.lower() in _COMMON_WORDS:
                # "Will" the person, not "will" the verb: only the capitalised form.
                rules.append((re.compile(rf"(?<![\w@]){re.escape(part[:1].upper() + part[1:])}(?!\w)"), "name"))
            else:
                rules.append((re.compile(rf"(?<![\w@]){re.escape(part)}(?!\w)", re.I), "name"))
        return rules

    # -- public -------------------------------------------------------------
    def scrub(self, text: str | None) -> Scrubbed:
        out = Scrubbed(text or "")
        if not out.text:
            return out
        self._lines(out)
        self._sub(out, _EMAIL, "email")
        self._sub(out, _MAILTO_OBFUSCATED, "email")
        for pattern, label in self._literal_rules:
            if label in ("email", "phone"):
                self._sub(out, pattern, label)
        self._sub(out, _IBAN, "IBAN", keep=lambda m: len(_digits(m.group(0))) < 10)
        self._sub(out, _CARDISH, "card number", keep=lambda m: not _luhn(_digits(m.group(0))))
        self._references(out)
        self._sub(out, _PREFIXED_ID, "reference")
        self._sub(out, _HASH_NUMBER, "reference")
        self._sub(out, _IPV4, "IP address")
        self._sub(out, _MAC, "MAC address")
        for pattern in (_PHONE_INTL, _PHONE_NANP, _PHONE_NATIONAL):
            self._sub(out, pattern, "phone", keep=self._not_a_phone)
        self._sub(out, _CARDISH, "number")
        self._sub(out, _LONG_DIGITS, "number")
        for pattern in _STREET:
            self._sub(out, pattern, "address")
        for pattern in _POSTCODES:
            self._sub(out, pattern, "postal code")
        for pattern, label in self._literal_rules:
            if label not in ("email", "phone"):
                self._sub(out, pattern, label)
        self._sub(out, _HONORIFIC, "name")
        self._self_intro(out)
        return out

    def text(self, text: str | None) -> str:
        return self.scrub(text).text

    # -- steps ----------------------------------------------------------------
    @staticmethod
    def _sub(
        out: Scrubbed,
        pattern: re.Pattern[str],
        label: str,
        keep: Callable[[re.Match[str]], bool] | None = None,
    ) -> None:
        def repl(m: re.Match[str]) -> str:
            if keep is not None and keep(m):
                return m.group(0)
            out.removed[label] += 1
            return f"[{label}]"

        out.text = pattern.sub(repl, out.text)

    @staticmethod
    def _not_a_phone(m: re.Match[str]) -> bool:
        raw = m.group(0).strip()
        digits = _digits(raw)
        return not 7 <= len(digits) <= 15 or bool(_DATE_LIKE.match(raw))

    @staticmethod
    def _references(out: Scrubbed) -> None:
        labels = {k: re.compile(rf"^(?:{v})$", re.I) for k, v in _REFERENCE_WORDS.items()}

        def repl(m: re.Match[str]) -> str:
            word = m.group("word")
            label = next((k for k, rx in labels.items() if rx.match(word)), "reference")
            out.removed[label] += 1
            return f"{word}{m.group('glue')}[{label}]"

        out.text = _REFERENCE.sub(repl, out.text)

    @staticmethod
    def _self_intro(out: Scrubbed) -> None:
        def repl(m: re.Match[str]) -> str:
            out.removed["name"] += 1
            return f"{m.group('lead')} [name]"

        out.text = _SELF_INTRO.sub(repl, out.text)

    @staticmethod
    def _lines(out: Scrubbed) -> None:
        """Greetings keep their word and lose the name; a closing loses the signature below it."""

        def greet(m: re.Match[str]) -> str:
            out.removed["name"] += 1
            return f"{m.group('lead')} [name]{m.group('tail')}"

        text = _GREETING.sub(greet, out.text)
        lines = text.split("\n")
        kept: list[str] = []
        i = 0
        while i < len(lines):
            line = lines[i]
            kept.append(line)
            i += 1
            if _CLOSING.match(line):
                j = i
                while j < len(lines) and j - i < 8 and lines[j].strip() and len(lines[j]) <= 120:
                    j += 1
                if j > i:
                    out.removed["name"] += 1
                    kept.append("[name]")
                    i = j
        out.text = "\n".join(kept)


def scrub_all(scrubber: Scrubber, values: dict[str, str]) -> tuple[dict[str, str], Counter[str]]:
    """Scrub several fields with one scrubber; returns the texts and what was removed in total."""
    total: Counter[str] = Counter()
    texts: dict[str, str] = {}
    for key, value in values.items():
        result = scrubber.scrub(value)
        texts[key] = result.text
        total.update(result.removed)
    return texts, total
