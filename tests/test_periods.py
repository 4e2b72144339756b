"""Period ends are inclusive and exact (facts.period_end): the last day of N months from a day."""

from __future__ import annotations

import datetime as dt

import pytest

from generator.facts import period_end

d = dt.date


@pytest.mark.parametrize(
    ("start", "months", "last"),
    [
        (d(2025, 8, 1), 6, d(2026, 1, 31)),  # §10.3: the transition from 2025-08-01 (the example)
        (d(2026, 9, 1), 6, d(2027, 2, 28)),  # §9.3.3: kd-finance's temporary priority
        (d(2026, 6, 15), 6, d(2026, 12, 14)),  # the day before the same day six months on
        (d(2026, 8, 31), 6, d(2027, 2, 28)),  # no 2027-02-31: to the month's last day, not 02-27
        (d(2027, 8, 31), 6, d(2028, 2, 29)),  # a leap February
        (d(2026, 8, 29), 6, d(2027, 2, 28)),  # no 2027-02-29 either
        (d(2026, 1, 31), 1, d(2026, 2, 28)),
        (d(2026, 3, 31), 1, d(2026, 4, 30)),
        (d(2026, 12, 1), 3, d(2027, 2, 28)),  # across the year
        (d(2026, 1, 1), 12, d(2026, 12, 31)),
    ],
)
def test_period_end(start: dt.date, months: int, last: dt.date) -> None:
    assert period_end(start, months) == last
