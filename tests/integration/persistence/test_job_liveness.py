"""Job liveness: the flock adapter across real OS processes, and one contract
for it and the in-memory fake."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import adapters.liveness
from adapters.liveness import FlockLiveness, InMemoryLiveness
from application.ports import ProcessLiveness

PROJECT_ROOT = Path(__file__).resolve().parents[3]


@contextmanager
def holder(folder: Path, job_id: str = "job-1") -> Iterator[subprocess.Popen[str]]:
    """A child process running the job; killed on the way out if still alive."""
    child = subprocess.Popen(  # noqa: S603 (our interpreter, our module)
        [
            sys.executable,
            "-m",
            "tests.integration.persistence.job_lock_holder",
            str(folder),
            "ws-1",
            job_id,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=PROJECT_ROOT,
    )
    try:
        yield child
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=30)


def said(child: subprocess.Popen[str]) -> str:
    assert child.stdout is not None
    return child.stdout.readline().strip()


def test_a_lock_reads_held_while_its_process_lives_and_free_once_killed(
    tmp_path: Path,
) -> None:
    liveness = FlockLiveness(tmp_path)

    with holder(tmp_path) as child:
        first = said(child)
        while_alive = liveness.is_held("ws-1", "job-1")
        child.kill()
        child.wait(timeout=30)
        once_killed = liveness.is_held("ws-1", "job-1")

    assert first == "held"
    assert while_alive is True
    assert once_killed is False


def tell(child: subprocess.Popen[str], line: str) -> int:
    assert child.stdin is not None
    child.stdin.write(f"{line}\n")
    child.stdin.flush()
    return child.wait(timeout=30)


def test_a_run_that_ends_cleanly_leaves_nothing_to_read(tmp_path: Path) -> None:
    liveness = FlockLiveness(tmp_path)

    with holder(tmp_path) as child:
        said(child)
        code = tell(child, "done")

    assert code == 0
    assert liveness.is_held("ws-1", "job-1") is None
    assert list(tmp_path.iterdir()) == []


def test_a_run_that_could_not_store_its_end_reads_dead(tmp_path: Path) -> None:
    liveness = FlockLiveness(tmp_path)

    with holder(tmp_path) as child:
        said(child)
        code = tell(child, "unstored")

    assert code == 0
    assert liveness.is_held("ws-1", "job-1") is False


def test_a_killed_run_s_file_goes_once_forgotten(tmp_path: Path) -> None:
    with holder(tmp_path) as child:
        said(child)
        child.kill()
    liveness = FlockLiveness(tmp_path)

    liveness.forget("ws-1", "job-1")

    assert liveness.is_held("ws-1", "job-1") is None
    assert list(tmp_path.iterdir()) == []


def test_a_live_run_s_file_is_not_forgotten_by_another_process(
    tmp_path: Path,
) -> None:
    liveness = FlockLiveness(tmp_path)

    with holder(tmp_path) as child:
        said(child)
        liveness.forget("ws-1", "job-1")
        held = liveness.is_held("ws-1", "job-1")

    assert held is True


def test_a_lock_taken_on_a_file_since_removed_counts_for_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with holder(tmp_path) as child:
        said(child)
        child.kill()
    [left] = list(tmp_path.iterdir())
    lock = adapters.liveness._flock  # The step raced here.

    def removed_first(handle: int) -> None:
        """Its holder forgets the file between our open and our lock."""
        with contextlib.suppress(FileNotFoundError):
            left.unlink()
        lock(handle)

    monkeypatch.setattr(adapters.liveness, "_flock", removed_first)
    liveness = FlockLiveness(tmp_path)

    told = liveness.is_held("ws-1", "job-1")
    with liveness.running("ws-1", "job-1") as ours:
        monkeypatch.undo()
        held = FlockLiveness(tmp_path).is_held("ws-1", "job-1")

    assert told is None
    assert ours is True
    assert held is True


def test_a_job_another_process_runs_is_not_taken_here(tmp_path: Path) -> None:
    liveness = FlockLiveness(tmp_path)

    with holder(tmp_path) as child:
        said(child)
        with liveness.running("ws-1", "job-1") as ours:
            here = ours

    assert here is False


def test_a_killed_run_s_job_can_be_taken_again(tmp_path: Path) -> None:
    with holder(tmp_path) as child:
        said(child)
        child.kill()
    liveness = FlockLiveness(tmp_path)

    with liveness.running("ws-1", "job-1") as ours:
        held = liveness.is_held("ws-1", "job-1")

    assert ours is True
    assert held is True


Factory = Callable[[Path], ProcessLiveness]


def in_memory(_: Path) -> ProcessLiveness:
    return InMemoryLiveness()


@pytest.fixture(params=[FlockLiveness, in_memory], ids=["flock", "memory"])
def liveness(request: pytest.FixtureRequest, tmp_path: Path) -> ProcessLiveness:
    factory: Factory = request.param
    return factory(tmp_path)


def test_contract_a_job_never_run_here_cannot_be_told(
    liveness: ProcessLiveness,
) -> None:
    assert liveness.is_held("ws-1", "job-1") is None


def test_contract_a_running_job_reads_held_and_others_do_not(
    liveness: ProcessLiveness,
) -> None:
    with liveness.running("ws-1", "job-1") as ours:
        held = liveness.is_held("ws-1", "job-1")
        other = liveness.is_held("ws-1", "job-2")
        with liveness.running("ws-1", "job-1") as twice:
            again = twice

    assert ours is True
    assert held is True
    assert other is None
    assert again is False
    assert liveness.is_held("ws-1", "job-1") is False


def test_contract_a_job_forgotten_while_held_leaves_nothing_once_let_go(
    liveness: ProcessLiveness,
) -> None:
    with liveness.running("ws-1", "job-1"):
        liveness.forget("ws-1", "job-1")
        held = liveness.is_held("ws-1", "job-1")

    assert held is True
    assert liveness.is_held("ws-1", "job-1") is None


def test_contract_a_trace_left_is_forgotten_at_once(liveness: ProcessLiveness) -> None:
    with liveness.running("ws-1", "job-1"):
        pass

    left = liveness.is_held("ws-1", "job-1")
    liveness.forget("ws-1", "job-1")
    liveness.forget("ws-1", "job-2")

    assert left is False
    assert liveness.is_held("ws-1", "job-1") is None


def test_contract_a_left_trace_can_be_taken_again(liveness: ProcessLiveness) -> None:
    with liveness.running("ws-1", "job-1"):
        pass

    with liveness.running("ws-1", "job-1") as ours:
        held = liveness.is_held("ws-1", "job-1")

    assert ours is True
    assert held is True
