"""Adapters of `JobLiveness`: an OS file lock per running job, and a fake.

A running job's process holds an exclusive `flock` on a file of its own; the
kernel lets it go when the process exits, however it exits. A file left
behind whose lock any process can take names a job whose process died.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from application.sync.ports import JobLiveness

logger = logging.getLogger(__name__)

Key = tuple[str, str]


class FlockJobLiveness(JobLiveness):
    """One lock file per running job in `folder`, removed when the run ends.

    No file means this folder cannot tell: the job runs on another host, from
    another state folder, or under a version that took no lock.
    """

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    @contextlib.contextmanager
    def running(self, workspace_id: str, job_id: str) -> Iterator[bool]:
        path = self._path(workspace_id, job_id)
        try:
            handle = _locked(path, create=True)
        except OSError as exc:
            # Others then find no lock, or cannot take it: the heartbeat rules.
            logger.warning("sync job lock not taken %s: %s", path, exc)
            with contextlib.suppress(OSError):
                path.unlink()  # Made, but not locked: it must not read free.
            yield True
            return
        if handle is None:
            yield False
            return
        try:
            yield True
        finally:
            with contextlib.suppress(OSError):
                path.unlink()  # Before the lock goes: it ended cleanly.
            os.close(handle)

    def is_held(self, workspace_id: str, job_id: str) -> bool | None:
        try:
            handle = _locked(self._path(workspace_id, job_id), create=False)
        except OSError as exc:
            # Limitation: a file on this host, in this state folder: a job run
            # on another host or from another folder leaves none to read here.
            logger.debug("sync job lock unreadable: %s", exc)
            return None
        if handle is None:
            return True
        os.close(handle)
        return False

    def _path(self, workspace_id: str, job_id: str) -> Path:
        key = f"{workspace_id}\0{job_id}".encode()
        return self._folder / f"{hashlib.sha256(key).hexdigest()[:32]}.lock"


def _locked(path: Path, *, create: bool) -> int | None:
    """A handle holding an exclusive lock on `path`; None if another holds it.

    Raises OSError when the file is missing (unless created) or cannot lock.
    """
    try:
        import fcntl
    except ImportError as exc:
        # Limitation: POSIX flock only; elsewhere the heartbeat rule decides.
        raise OSError("no flock on this platform") from exc

    if create:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    flags = os.O_RDWR | (os.O_CREAT if create else 0)
    handle = os.open(path, flags, 0o600)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(handle)
        return None
    except OSError:
        os.close(handle)
        raise
    return handle


class InMemoryJobLiveness(JobLiveness):
    """Jobs held by live runs of this process; `die` leaves one as a killed
    process would: its lock free, its trace still there."""

    def __init__(self) -> None:
        self.held: set[Key] = set()
        self.dead: set[Key] = set()

    @contextlib.contextmanager
    def running(self, workspace_id: str, job_id: str) -> Iterator[bool]:
        key = (workspace_id, job_id)
        if key in self.held:
            yield False
            return
        self.held.add(key)
        try:
            yield True
        finally:
            self.held.discard(key)

    def is_held(self, workspace_id: str, job_id: str) -> bool | None:
        key = (workspace_id, job_id)
        if key in self.held:
            return True
        return False if key in self.dead else None

    def die(self, workspace_id: str, job_id: str) -> None:
        self.held.discard((workspace_id, job_id))
        self.dead.add((workspace_id, job_id))
