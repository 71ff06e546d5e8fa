"""How messages for people read: two sentences, a count, untrusted text."""

from __future__ import annotations


def sentences(message: str, hint: str | None) -> str:
    """A message, then its hint, as two sentences."""
    if not hint:
        return message
    end = "" if message.endswith((".", "!", "?", ":")) else "."
    return f"{message}{end} {hint}"


def plural(number: int, noun: str) -> str:
    """`1 page`, `2 pages`: a count as messages say it."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def printable(text: str, limit: int) -> str:
    """`text` without control characters, cut to `limit` characters."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in text)
    return cleaned[:limit] + ("…" if len(cleaned) > limit else "")
