"""Version 7 UUIDs (RFC 9562): what the person and job ids share.

A value is 48 bits of Unix milliseconds then 74 random bits; its text puts
the version digit (7) after the stamp and the variant (binary 10) before
the last 62 bits.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MILLISECOND = timedelta(milliseconds=1)
MILLIS_MASK = (1 << 48) - 1
RANDOM_BITS = 74
_LOW_62 = (1 << 62) - 1
_HIGH_60 = (1 << 60) - 1
_VARIANT = 1 << 63


def text(value: int) -> str:
    """`value` (48 bits of milliseconds, then 74 random) as a UUID's text."""
    # The stamp and 12 random bits, then the variant (binary 10) and 62 more;
    # the version digit goes between the stamp and the random bits.
    hexes = f"{value >> 62 & _HIGH_60:015x}{_VARIANT | value & _LOW_62:016x}"
    return f"{hexes[:8]}-{hexes[8:12]}-7{hexes[12:15]}-{hexes[15:19]}-{hexes[19:]}"
