"""A cheap text signature: lower-cased words, stop words dropped, a light suffix stripper."""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W_]+", re.UNICODE)

STOP_WORDS = frozenset(
    """a an and are as at be but by for if in into is it no not of on or such that the their then
    there these they this to was will with i me my we our you your he she him her its am been
    do does did have has had can could would should im what when how why which who so just
    any some get got there here from out up about please hi hello thanks thank still now
    one why where us it s t don didn isn""".split()
)


def stem(word: str) -> str:
    """Strip a few English suffixes so that 'cards'/'card', 'charged'/'charge' meet."""
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed"):
        return word[:-2] if not word.endswith("eed") else word
    if len(word) > 4 and word.endswith("es") and word[-3] in "sxz":
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    if len(word) > 4 and word.endswith("e"):
        return word[:-1]
    return word


def terms(text: str) -> list[str]:
    """The terms of a text, in order, stemmed, without stop words or single characters."""
    out = []
    for raw in _WORD.findall(text.lower()):
        if raw in STOP_WORDS or len(raw) < 2:
            continue
        out.append(stem(raw))
    return out
