"""Local-only secrets: generated once into `.crmbridge/dev-keys` when none are set."""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
from collections.abc import Collection
from pathlib import Path

from adapters.encryption import FernetTokenCipher

logger = logging.getLogger(__name__)

FILE_NAME = "dev-keys"
KEYS = "CRMBRIDGE_ENCRYPTION_KEYS"
JWT = "CRMBRIDGE_JWT_SECRET"


class DevSecrets:
    """A file of generated secrets, shared by every process run from one folder.

    Only for a developer's machine: production refuses to start without real
    values, so this file is never read there.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._taken: list[str] = []

    def encryption_key(self) -> str:
        return self._read(KEYS)

    def jwt_secret(self) -> str:
        return self._read(JWT)

    def _read(self, name: str) -> str:
        if not self._path.exists():
            self._create()
        values = dict(
            line.split("=", 1)
            for line in self._path.read_text("utf-8").splitlines()
            if "=" in line
        )
        self._taken.append(name)
        return values[name].strip()

    def warn_of(self, used: Collection[str]) -> None:
        """Log a warning for each value taken from the file that is `used`
        (named by its variable): the process will run on it."""
        for name in self._taken:
            if name in used:
                logger.warning(
                    "%s is not set: using a generated value from %s, for local "
                    "use only",
                    name,
                    self._path,
                )

    def _create(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        text = (
            "# Generated for local development only. Never use these in production.\n"
            f"{KEYS}={FernetTokenCipher.generate_key()}\n"
            f"{JWT}={secrets.token_urlsafe(48)}\n"
        )
        handle, temporary = tempfile.mkstemp(dir=self._path.parent, prefix=".keys-")
        try:
            os.write(handle, text.encode("utf-8"))
            os.close(handle)
            # link() fails if another process won the race: keep its file.
            os.link(temporary, self._path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
