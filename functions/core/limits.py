"""Abuse limits on public endpoints and outgoing mail: sliding windows over an atomic counter.

The counter is the DynamoDB-backed one the contact form started with (``RateCounters`` in
functions/channels/web/store.py: ``WEBRATE#{key}`` / ``{window}``, an atomic ADD with a TTL), reached
through the composition root (``Container.abuse_limit``); services receive a ``Limiter``: "count one
more against this limit for this subject, refuse past it". Subjects (addresses, IPs, session ids) are
kept only as hashes. Pure apart from the counter it is given.

A fixed window would let a caller spend a whole budget just before a window ends and another just
after it (twice the limit within a second, and a test of the limit that passes or fails by where the
minute falls). The count is therefore the sliding-window estimate: this window's hits plus the previous
window's, weighted by how much of the previous window still lies within the last ``window_seconds``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from functions.core.errors import RateLimited

# What a service receives: ``limit(name, subject)`` raises RateLimited past the named limit.
Limiter = Callable[[str, str], None]


class Counter(Protocol):
    def hit(self, key: str, window: str, ttl_seconds: int) -> int:
        """Add one to the counter ``key`` of ``window`` and return its count (kept ``ttl_seconds``)."""
        ...

    def peek(self, key: str, window: str) -> int:
        """The count of ``key`` in ``window`` (0 when there is none), without adding to it."""
        ...


@dataclass(frozen=True)
class Limit:
    name: str  # named in the 429's error, e.g. "feedback_per_client"
    allowed: int  # hits per window; 0 turns the limit off
    window_seconds: int


def subject_key(name: str, subject: str) -> str:
    """The counter's key: the limit's name and a hash of the subject, never the subject itself."""
    return f"{name}:{hashlib.sha256(subject.strip().lower().encode()).hexdigest()[:32]}"


def retry_after(limit: Limit, now: float) -> int:
    """Seconds until the limit's current window ends (at least 1)."""
    return max(1, limit.window_seconds - int(now % limit.window_seconds))


def sliding_estimate(previous: int, current: int, window_seconds: int, now: float) -> float:
    """Hits within the last ``window_seconds``: the current window's, plus the previous window's
    share that still overlaps (assuming its hits were spread evenly)."""
    elapsed = (now % window_seconds) / window_seconds
    return current + previous * (1.0 - elapsed)


def recent_hits(counter: Counter, key: str, window_seconds: int, now: float) -> float:
    """Count one more hit on ``key``; the hits within the last ``window_seconds`` (sliding estimate)."""
    window = int(now // window_seconds)
    hits = counter.hit(key, str(window), 2 * window_seconds)
    return sliding_estimate(counter.peek(key, str(window - 1)), hits, window_seconds, now)


def count(counter: Counter, limit: Limit, subject: str, now: float) -> bool:
    """Count one more hit; whether it is still within the limit (sliding window)."""
    if limit.allowed <= 0:
        return True
    return recent_hits(counter, subject_key(limit.name, subject), limit.window_seconds, now) <= limit.allowed


def check(counter: Counter, limit: Limit, subject: str, now: float) -> None:
    """Count one more hit; RateLimited (429, Retry-After, the limit named) past the limit."""
    if count(counter, limit, subject, now):
        return
    per = _per(limit.window_seconds)
    raise RateLimited(
        f"too many requests: the limit {limit.name} allows {limit.allowed} {per}; try again later",
        retry_after=retry_after(limit, now),
        fields=[{"field": limit.name, "message": f"at most {limit.allowed} {per}", "type": "rate_limited"}],
    )


def _per(seconds: int) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            n = seconds // size
            return f"per {unit}" if n == 1 else f"per {n} {unit}s"
    return f"per {seconds} seconds"


def client_ip(source_ip: str | None, forwarded_for: str | None, hops: int) -> str:
    """The client: API Gateway's source IP, or behind ``hops`` proxies (CloudFront) the
    X-Forwarded-For entry that many from the right (the entries left of it are the client's say)."""
    if hops > 0 and forwarded_for:
        entries = [e.strip() for e in forwarded_for.split(",") if e.strip()]
        if len(entries) >= hops:
            return entries[-hops]
    return source_ip or "unknown"


def request_client(request: object, hops: int) -> str:
    """The client of a Chalice request (see ``client_ip``)."""
    context = getattr(request, "context", None) or {}
    identity = context.get("identity") or {} if isinstance(context, dict) else {}
    headers = getattr(request, "headers", None) or {}
    return client_ip(identity.get("sourceIp"), headers.get("x-forwarded-for"), hops)
