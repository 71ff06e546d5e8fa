"""Adapters of `JobLiveness`: an OS file lock per job, and a fake.

The process that queues or runs a job holds an exclusive `flock` on a file of
its own; the kernel lets it go when the process exits, however it exits. A
file left behind whose lock any process can take names a job whose process
died. The file's removal is the only way to end that message, so it is done
by whoever holds the lock of the very file at the path, and everyone who
locks checks afterwards that the path still names the file they locked:

- a file appears already locked (made aside, locked, then hard-linked into
  place), so no one ever finds a fresh file free;
- a lock taken on a file since unlinked, or replaced, counts for nothing.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from application.sync.ports import JobLiveness

logger = logging.getLogger(__name__)

Key = tuple[str, str]

CLAIM_ATTEMPTS = 5


class FlockJobLiveness(JobLiveness):
    """One lock file per job in `folder`, left by a holder that died.

    No file means this folder cannot tell: the job runs on another host, from
    another state folder, under a version that took no lock, or it ended.
    """

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._held: dict[Key, bool] = {}  # Ours now: forgotten on release?

    @contextlib.contextmanager
    def running(self, workspace_id: str, job_id: str) -> Iterator[bool]:
        key, path = (workspace_id, job_id), self._path(workspace_id, job_id)
        try:
            handle = _claimed(path)
        except OSError as exc:
            # Others then find no lock, or cannot take it: the heartbeat rules.
            logger.warning("sync job lock not taken %s: %s", path, exc)
            yield True
            return
        if handle is None:
            yield False
            return
        self._held[key] = False
        try:
            yield True
        finally:
            if self._held.pop(key, False):
                with contextlib.suppress(OSError):
                    path.unlink()  # Before the lock goes, while it is ours.
            os.close(handle)

    def is_held(self, workspace_id: str, job_id: str) -> bool | None:
        try:
            handle = _locked(self._path(workspace_id, job_id))
        except OSError as exc:
            # Limitation: a file on this host, in this state folder: a job run
            # on another host or from another folder leaves none to read here.
            logger.debug("sync job lock unreadable: %s", exc)
            return None
        if handle is None:
            return True
        os.close(handle)
        return False

    def forget(self, workspace_id: str, job_id: str) -> None:
        key, path = (workspace_id, job_id), self._path(workspace_id, job_id)
        if key in self._held:
            self._held[key] = True
            return
        try:
            handle = _locked(path)
        except OSError as exc:
            logger.debug("sync job lock not removed: %s", exc)
            return
        if handle is None:
            return  # A live process holds it: it removes it once done.
        try:
            path.unlink()
        except OSError as exc:
            logger.debug("sync job lock not removed: %s", exc)
        finally:
            os.close(handle)

    def _path(self, workspace_id: str, job_id: str) -> Path:
        key = f"{workspace_id}\0{job_id}".encode()
        return self._folder / f"{hashlib.sha256(key).hexdigest()[:32]}.lock"


def _claimed(path: Path) -> int | None:
    """A handle holding the lock of the file at `path`, made if missing (or
    left by a holder that died); None if a live process holds it."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    for _ in range(CLAIM_ATTEMPTS):
        handle = _published(path)
        if handle is not None:
            return handle
        try:
            return _locked(path)
        except FileNotFoundError:
            continue  # Removed meanwhile by its holder: make it again.
    raise OSError(errno.EAGAIN, "the lock file kept changing", str(path))


def _published(path: Path) -> int | None:
    """A new file at `path`, locked before it is there; None if one is."""
    aside = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    handle = os.open(aside, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        _flock(handle)
        os.link(aside, path)
    except FileExistsError:
        os.close(handle)
        return None
    except BaseException:
        os.close(handle)
        raise
    finally:
        with contextlib.suppress(OSError):
            aside.unlink()
    return handle


def _locked(path: Path) -> int | None:
    """A handle holding the lock of the file at `path`; None if another holds it.

    Raises FileNotFoundError when no file is there, or the one locked has
    been removed or replaced meanwhile; OSError when it cannot lock.
    """
    handle = os.open(path, os.O_RDWR)
    try:
        _flock(handle)
    except BlockingIOError:
        os.close(handle)
        return None
    except OSError:
        os.close(handle)
        raise
    if not _still_there(handle, path):
        os.close(handle)
        raise FileNotFoundError(errno.ENOENT, "the lock file went", str(path))
    return handle


def _flock(handle: int) -> None:
    """An exclusive lock, without waiting: BlockingIOError if another holds it."""
    try:
        import fcntl
    except ImportError as exc:
        # Limitation: POSIX flock only; elsewhere the heartbeat rule decides.
        raise OSError("no flock on this platform") from exc
    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _still_there(handle: int, path: Path) -> bool:
    try:
        now = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(handle)
    return (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino)


class InMemoryJobLiveness(JobLiveness):
    """Jobs held by live runs of this process; `die` leaves one as a killed
    process would: its lock free, its trace still there. A holder that lets
    go without `forget` leaves its trace too."""

    def __init__(self) -> None:
        self.held: set[Key] = set()
        self.dead: set[Key] = set()
        self._forgotten: set[Key] = set()

    @contextlib.contextmanager
    def running(self, workspace_id: str, job_id: str) -> Iterator[bool]:
        key = (workspace_id, job_id)
        if key in self.held:
            yield False
            return
        self.held.add(key)
        self.dead.discard(key)
        try:
            yield True
        finally:
            self.held.discard(key)
            if key in self._forgotten:
                self._forgotten.discard(key)
            else:
                self.dead.add(key)

    def is_held(self, workspace_id: str, job_id: str) -> bool | None:
        key = (workspace_id, job_id)
        if key in self.held:
            return True
        return False if key in self.dead else None

    def forget(self, workspace_id: str, job_id: str) -> None:
        key = (workspace_id, job_id)
        if key in self.held:
            self._forgotten.add(key)
        else:
            self.dead.discard(key)

    def die(self, workspace_id: str, job_id: str) -> None:
        self.held.discard((workspace_id, job_id))
        self.dead.add((workspace_id, job_id))
