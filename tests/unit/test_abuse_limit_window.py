"""The abuse limiter's sliding window (functions.core.limits): a budget spent at the end of one window
is still counted just after it, and fades as the window slides on."""

from __future__ import annotations

import pytest

from functions.core import limits
from functions.core.errors import RateLimited
from tests.fakes.channels import FakeRateCounters

LIMIT = limits.Limit("chat_messages_per_session", allowed=3, window_seconds=60)
T0 = 1_800_000_000 - 1_800_000_000 % 60  # the start of a minute


def test_three_hits_at_the_end_of_a_minute_still_count_just_after_it():
    counter = FakeRateCounters()
    assert [limits.count(counter, LIMIT, "chs_1", T0 + 59.9) for _ in range(3)] == [True, True, True]
    # a fixed window would reset here and allow three more at once
    assert limits.count(counter, LIMIT, "chs_1", T0 + 60.2) is False


def test_the_previous_minute_fades_as_the_window_slides():
    counter = FakeRateCounters()
    for _ in range(3):
        assert limits.count(counter, LIMIT, "chs_1", T0 + 30)
    # 40 s into the next minute a third of the previous minute overlaps: 3 * 1/3 + 1 = 2 <= 3
    assert limits.count(counter, LIMIT, "chs_1", T0 + 100) is True
    assert limits.count(counter, LIMIT, "chs_1", T0 + 100) is True  # 1 + 2 = 3
    assert limits.count(counter, LIMIT, "chs_1", T0 + 100) is False  # 1 + 3 = 4


def test_subjects_have_their_own_budget_and_the_refusal_names_the_limit():
    counter = FakeRateCounters()
    for _ in range(3):
        limits.check(counter, LIMIT, "chs_1", T0 + 5)
    limits.check(counter, LIMIT, "chs_2", T0 + 5)
    with pytest.raises(RateLimited) as refused:
        limits.check(counter, LIMIT, "chs_1", T0 + 5)
    assert "chat_messages_per_session allows 3 per minute" in str(refused.value)
    assert not any("chs_1" in key for key, _ in counter.hits)  # subjects are kept only as hashes


def test_a_limit_of_zero_is_off():
    counter = FakeRateCounters()
    off = limits.Limit("x", allowed=0, window_seconds=60)
    assert all(limits.count(counter, off, "s", T0 + i) for i in range(50))
    assert counter.hits == {}
