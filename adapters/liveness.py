"""Adapters of `ProcessLiveness`: an OS file lock per piece of work, and a fake.

The process that queues or runs a job (or may hold a token refresh lease)
holds an exclusive `flock` on a file of its own; the kernel lets it go when
the process exits, however it exits. A file left behind whose lock any
process can take names work whose process died. The file's removal is the
only way to end that message, so it is done by whoever holds the lock of the
very file at the path, and everyone who locks checks afterwards that the
path still names the file they locked:

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

from application.ports import ProcessLiveness

logger = logging.getLogger(__name__)

Slot = tuple[str, str]

CLAIM_ATTEMPTS = 5


class FlockLiveness(ProcessLiveness):
    """One lock file per piece of work in `folder`, left by a holder that died.

    No file means this folder cannot tell: the work runs on another host,
    from another state folder, under a version that took no lock, or it ended.
    """

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._held: dict[Slot, bool] = {}  # Ours now: forgotten on release?

    @contextlib.contextmanager
    def running(self, workspace_id: str, key: str) -> Iterator[bool]:
        slot, path = (workspace_id, key), self._path(workspace_id, key)
        try:
            handle = _claimed(path)
        except OSError as exc:
            # Others then find no lock, or cannot take it: the heartbeat rules.
            logger.warning("process lock not taken %s: %s", path, exc)
            yield True
            return
        if handle is None:
            yield False
            return
        self._held[slot] = False
        try:
            yield True
        finally:
            if self._held.pop(slot, False):
                with contextlib.suppress(OSError):
                    path.unlink()  # Before the lock goes, while it is ours.
            os.close(handle)

    def is_held(self, workspace_id: str, key: str) -> bool | None:
        try:
            handle = _locked(self._path(workspace_id, key))
        except OSError as exc:
            # Limitation: a file on this host, in this state folder: a job run
            # on another host or from another folder leaves none to read here.
            logger.debug("process lock unreadable: %s", exc)
            return None
        if handle is None:
            return True
        os.close(handle)
        return False

    def forget(self, workspace_id: str, key: str) -> None:
        slot, path = (workspace_id, key), self._path(workspace_id, key)
        if slot in self._held:
            self._held[slot] = True
            return
        try:
            handle = _locked(path)
        except OSError as exc:
            logger.debug("process lock not removed: %s", exc)
            return
        if handle is None:
            return  # A live process holds it: it removes it once done.
        try:
            path.unlink()
        except OSError as exc:
            logger.debug("process lock not removed: %s", exc)
        finally:
            os.close(handle)

    def _path(self, workspace_id: str, key: str) -> Path:
        name = f"{workspace_id}\0{key}".encode()
        return self._folder / f"{hashlib.sha256(name).hexdigest()[:32]}.lock"


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


class InMemoryLiveness(ProcessLiveness):
    """Work held by live holders in this process; `die` leaves one as a killed
    process would: its lock free, its trace still there. A holder that lets
    go without `forget` leaves its trace too."""

    def __init__(self) -> None:
        self.held: set[Slot] = set()
        self.dead: set[Slot] = set()
        self._forgotten: set[Slot] = set()

    @contextlib.contextmanager
    def running(self, workspace_id: str, key: str) -> Iterator[bool]:
        slot = (workspace_id, key)
        if slot in self.held:
            yield False
            return
        self.held.add(slot)
        self.dead.discard(slot)
        try:
            yield True
        finally:
            self.held.discard(slot)
            if slot in self._forgotten:
                self._forgotten.discard(slot)
            else:
                self.dead.add(slot)

    def is_held(self, workspace_id: str, key: str) -> bool | None:
        slot = (workspace_id, key)
        if slot in self.held:
            return True
        return False if slot in self.dead else None

    def forget(self, workspace_id: str, key: str) -> None:
        slot = (workspace_id, key)
        if slot in self.held:
            self._forgotten.add(slot)
        else:
            self.dead.discard(slot)

    def die(self, workspace_id: str, key: str) -> None:
        self.held.discard((workspace_id, key))
        self.dead.add((workspace_id, key))
