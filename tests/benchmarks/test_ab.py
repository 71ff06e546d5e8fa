"""benchmarks/ab.py on a small org: each tree runs from its own source, and
what is not a tree is refused before anything starts."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import ab
from benchmarks.contenders import ROOT

N = 300


def _git(*arguments: str) -> str:
    done = subprocess.run(  # noqa: S603 (git with the test's own arguments)
        ["git", *arguments],  # noqa: S607 (plain git)
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def _printed(argv: list[str]) -> str:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        ab.main(argv)
    return printed.getvalue()


def test_a_revision_and_this_tree_each_run_every_round() -> None:
    worktrees = _git("worktree", "list")

    text = _printed(["--size", str(N), "--rounds", "2", "HEAD", "."])

    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert [row.split(" | ")[0] for row in rows] == [
        "| `baseline`",
        "| `HEAD`",
        "| `.`",
    ]
    assert rows[1].split(" | ")[1] == _git("rev-parse", "HEAD")[:12]
    # The baseline is the unit of the ratios.
    assert rows[0].split(" | ")[4] == "1.00x"
    assert f"Full syncs of {N:,} records, 2 alternating round(s)" in text
    # The revision's worktree is gone again.
    assert _git("worktree", "list") == worktrees


def _break_sync(tree: Path) -> None:
    """A worktree of HEAD at `tree` whose own sync fails."""
    _git("worktree", "add", "--detach", "--quiet", str(tree), "HEAD")
    run_sync = tree / "application" / "sync" / "run_sync.py"
    run_sync.write_text(
        run_sync.read_text("utf-8")
        + "\n\nRunSync.execute = None  # type: ignore[assignment]\n",
        "utf-8",
    )


def test_each_tree_imports_its_own_source(tmp_path: Path) -> None:
    tree = tmp_path / "broken"
    try:
        _break_sync(tree)
        with pytest.raises(SystemExit) as raised:
            _printed(["--size", str(N), "--rounds", "1", ".", str(tree)])
    finally:
        _git("worktree", "remove", "--force", str(tree))
    # This tree ran; the broken copy's own code failed its sync.
    said = str(raised.value)
    assert said.startswith(f"{tree} (")
    assert "-dirty):" in said
    assert "exited with 1" in said


def test_a_patched_revision_runs_with_its_patch(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    try:
        _break_sync(tree)
        patch = tmp_path / "broken.patch"
        patch.write_text(_git("-C", str(tree), "diff") + "\n", "utf-8")
    finally:
        _git("worktree", "remove", "--force", str(tree))
    worktrees = _git("worktree", "list")

    with pytest.raises(SystemExit) as raised:
        _printed(["--size", str(N), "--rounds", "1", f"HEAD+{patch}"])

    # The revision's own code ran the sync, with the patch applied.
    commit = _git("rev-parse", "HEAD")[:12]
    assert str(raised.value).startswith(f"HEAD+{patch} ({commit}+broken.patch):")
    assert "exited with 1" in str(raised.value)
    assert _git("worktree", "list") == worktrees


@pytest.mark.parametrize("patch", sorted((ROOT / "benchmarks" / "trials").glob("*")))
def test_the_kept_trial_patches_still_apply(patch: Path) -> None:
    _git("apply", "--check", str(patch))


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--size", str(N), "no-such-revision-here"], "'no-such-revision-here' is not"),
        (["--size", "99", "."], "--size must be at least 100"),
        (["HEAD+no/such.patch"], "no patch file 'no/such.patch' to apply to 'HEAD'"),
        ([".+pyproject.toml"], "a patch applies to a git revision, not to a folder"),
        (["+pyproject.toml"], "name the revision to patch before the '+'"),
        (["HEAD", ""], "an empty TREE: give `.` for this working copy"),
        (["HEAD+pyproject.toml"], "pyproject.toml failed: error: No valid patches"),
    ],
)
def test_bad_arguments_are_refused_before_anything_runs(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as raised:
        ab.main(argv)

    assert said in str(raised.value) + capsys.readouterr().err


def _processes_under(folder: Path) -> list[int]:
    """Processes whose working directory is inside `folder` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if Path(os.readlink(entry / "cwd")).is_relative_to(folder):
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/cwd").exists(), reason="needs Linux /proc")
def test_a_kill_leaves_no_worktree_process_or_folder(tmp_path: Path) -> None:
    worktrees = _git("worktree", "list")
    command = [sys.executable, "benchmarks/ab.py", "--size", "20000", "HEAD", "."]
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    with subprocess.Popen(  # noqa: S603 (this interpreter, the repo's script)
        command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True
    ) as child:
        assert child.stderr is not None
        for line in child.stderr:
            if "round 1:" in line:  # the syncs have begun
                break
        child.send_signal(signal.SIGTERM)
        code = child.wait(timeout=60)

    assert code == 143
    assert _git("worktree", "list") == worktrees
    assert _processes_under(tmp_path) == []
    assert list(tmp_path.iterdir()) == []


def test_a_worktree_stopped_while_git_adds_it_is_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    worktrees = _git("worktree", "list")
    real = ab._git

    def stopped_after_add(*arguments: str) -> str:
        said = real(*arguments)
        if arguments[:2] == ("worktree", "add"):
            real("worktree", "lock", arguments[-2])  # as git holds it meanwhile
            raise SystemExit(143)
        return said

    monkeypatch.setattr(ab, "_git", stopped_after_add)
    commit = ab.resolve("HEAD")

    with (
        pytest.raises(SystemExit),
        ab.checked_out("HEAD", commit, tmp_path / "tree"),
    ):
        pass

    assert _git("worktree", "list") == worktrees
    assert not (tmp_path / "tree").exists()
