"""Rounds as calendar months: round 0 is the scenario's start month ``YYYY-MM``."""

from __future__ import annotations


def round_date(start: str, t: int) -> str:
    """Calendar month ``YYYY-MM`` of round ``t`` given the start month ``YYYY-MM``."""
    year, month = (int(x) for x in start.split("-")[:2])
    total = year * 12 + (month - 1) + int(t)
    return f"{total // 12:04d}-{total % 12 + 1:02d}"
