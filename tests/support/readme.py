"""What README.md shows, read back so tests can hold it to its word."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import msgspec

README = Path(__file__).resolve().parents[2] / "README.md"


def mapping_example() -> dict[str, Any]:
    """The field mapping body of the README's one JSON block."""
    (body,) = re.findall(r"```json\n(.*?)```", README.read_text(), re.S)
    example: dict[str, Any] = msgspec.json.decode(body.encode())
    return example
