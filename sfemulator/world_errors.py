"""The error the world's helpers raise for unknown ids and bad values."""

from __future__ import annotations


class EmulatorError(Exception):
    """A control call named something the world does not hold, or a bad value."""


def check_count(name: str, value: object, least: int) -> None:
    """Refuse a control value that is not a whole number of at least `least`
    (None: not given, nothing to check)."""
    if value is None:
        return
    # bool is an int to Python, not to a JSON reader.
    if type(value) is not int or value < least:
        raise EmulatorError(f"{name} must be a whole number of at least {least}")
