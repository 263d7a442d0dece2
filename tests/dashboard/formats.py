"""The dashboard's number formats (static/js/format.js), written again in Python.

The browser tests format the API's answers with these and compare with what is on screen.
"""

from __future__ import annotations

DASH = "—"


def duration(seconds: int | None) -> str:
    """Whole seconds as m:ss, or h:mm:ss from one hour on."""
    if seconds is None:
        return DASH
    sign = "-" if seconds < 0 else ""
    a = abs(seconds)
    h, m, s = a // 3600, a % 3600 // 60, a % 60
    return f"{sign}{h}:{m:02d}:{s:02d}" if h else f"{sign}{m}:{s:02d}"


def count(n: int | None) -> str:
    return DASH if n is None else f"{n:,}"


def percent_of(n: int, total: int) -> int | None:
    """SPEC 6.2's integer percent, (200 n + total) div (2 total)."""
    return None if not total else (200 * n + total) // (2 * total)


def percent(p: int | None) -> str:
    return DASH if p is None else f"{p}%"


def avg_or_none(item: dict[str, int] | None) -> int | None:
    """An item object's avg, or None when it has no samples (shown as a dash)."""
    return item["avg"] if item and item["count"] else None
