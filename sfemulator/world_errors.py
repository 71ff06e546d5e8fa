"""The error the world's helpers raise for unknown ids and bad values."""

from __future__ import annotations


class EmulatorError(Exception):
    """A control call named something the world does not hold, or a bad value."""
