"""Version 7 UUIDs (RFC 9562): the constants the person and job ids share.

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
LOW_62 = (1 << 62) - 1
