"""Compare crmbridge's full sync across source trees, in alternating runs.

    .venv/bin/python benchmarks/ab.py --size 100000 --rounds 5 HEAD .

Each TREE is `.` (this working copy, uncommitted changes and all), the path
of another checkout, or a git revision, checked out into a temporary
worktree for the comparison; `REV+PATCH` is that revision with a patch
file applied (`benchmarks/trials/` keeps the patches of measured trials).
One emulator serves one generated org to every run. Each tree connects its
own template once (through its own `serve`); then every round runs the
hand-written baseline once and one full sync per tree, in turn, so
whatever else the machine does spreads over all of them. A tree's ratio
to the baseline is taken within each round.

Prints a table of each tree's wall times and CPU seconds per 1k records
(medians, and the range of wall times) and its largest peak RSS, and
writes nothing under results/.
This is how a change's effect on the sync is told apart from the noise:
single runs on a shared 2-core machine vary by more than most changes.
When even medians of several rounds move too much, `--instructions` runs
every sync and the baseline under callgrind and compares the instructions
each process executed per record instead (see `benchmarks.instructions`).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in {None, ""}:  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
if __name__ == "__main__":
    # Before the imports below, which take a moment: a Ctrl-C or a plain
    # `kill` at any time unwinds like an exit, with no traceback.
    for _stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(_stop, lambda number, _: sys.exit(128 + number))

from benchmarks import contenders
from benchmarks.contenders import ROOT, Bench
from benchmarks.crmbridge_runs import CrmbridgeRuns, SyncFailed
from benchmarks.emulator import Controls, emulator_process
from benchmarks.harness import (
    PACKAGES,
    compile_sources,
    exits_on_sigterm,
    say,
    split,
)
from benchmarks.instructions import Callgrind, InstructionsUnavailable
from benchmarks.measure import ChildFailed
from benchmarks.oauth import connect
from benchmarks.options import add_edited, api_version, positive
from benchmarks.queries import described_fields
from benchmarks.report import Run
from benchmarks.service import ServiceFailed
from entrypoints.demo.processes import free_port

THIS_TREE = "."
BASELINE = "baseline"
PATCHED = "+"


class TreeUnusable(Exception):
    """Raised when a TREE is not `.`, a checkout's folder, a revision or a
    revision with a patch file, or git cannot check it out or apply it."""


@dataclass
class Tree:
    """One source tree under comparison and its runs."""

    name: str
    commit: str
    path: Path
    patch: Path | None = None
    runs: list[Run] = field(default_factory=list)
    # Per round: instructions per record, with --instructions.
    instructions: list[float] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)

    @classmethod
    def named(cls, name: str) -> Tree:
        """The tree a TREE argument names, its commit resolved."""
        revision, patch = _patched(name)
        return cls(name, resolve(revision), ROOT, patch)

    @property
    def label(self) -> str:
        """Its commit, and the patch applied to it, if any."""
        return self.commit if self.patch is None else f"{self.commit}+{self.patch.name}"


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benchmarks/ab.py", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--size", type=positive, default=100_000)
    parser.add_argument("--rounds", type=positive, default=5)
    parser.add_argument("--seed", type=int, default=1)
    add_edited(parser)
    parser.add_argument("--api-version", type=api_version, default="62.0")
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="compare instructions per record under callgrind, not seconds",
    )
    parser.add_argument(
        "trees",
        nargs="+",
        metavar="TREE",
        help="`.`, the folder of another checkout, a git revision, or "
        "REV+PATCH: a revision with a patch file applied",
    )
    options = parser.parse_args(argv)
    options.argv = list(sys.argv[1:] if argv is None else argv)
    if options.size < 100:
        parser.error("--size must be at least 100")
    return options


def resolve(name: str) -> str:
    """The commit `name` names; for `.` or a folder, what `git describe
    --dirty` says of it."""
    folder = _checkout(name)
    if folder is not None:
        try:
            return _git(
                "-C", str(folder), "describe", "--always", "--dirty", "--abbrev=12"
            )
        except TreeUnusable:
            return "(not a git checkout)"
    try:
        commit = _git(
            "rev-parse", "--verify", "--quiet", "--end-of-options", f"{name}^{{commit}}"
        )
    except TreeUnusable:
        raise TreeUnusable(
            f"{name!r} is not `.`, a folder holding crmbridge's sources, "
            f"or a git revision of {ROOT}"
        ) from None
    return commit[:12]


@contextmanager
def checked_out(
    name: str, commit: str, path: Path, patch: Path | None = None
) -> Iterator[Path]:
    """The source tree of `name`: this one, the folder named, or a temporary
    worktree of `commit` with `patch` applied, removed afterwards; its
    modules compiled, as an installed package's are."""
    folder = _checkout(name)
    if folder is not None:
        compile_sources(folder)
        yield folder
        return
    try:
        _git("worktree", "add", "--detach", "--quiet", str(path), commit)
        if patch is not None:
            _git("-C", str(path), "apply", str(patch))
        compile_sources(path)
        yield path
    finally:
        # Twice forced: a worktree git was still adding when we were stopped
        # is locked, and a plain --force leaves it.
        with contextlib.suppress(TreeUnusable):
            _git("worktree", "remove", "--force", "--force", str(path))
        with contextlib.suppress(TreeUnusable):
            _git("worktree", "prune")


def compare(options: argparse.Namespace) -> str:
    trees = [Tree.named(name) for name in options.trees]
    counts = split(options.size)
    with (
        tempfile.TemporaryDirectory(
            prefix="crmbridge-ab-", ignore_cleanup_errors=True
        ) as folder,
        ExitStack() as stack,
    ):
        work = Path(folder)
        counter = None
        if options.instructions:
            counter = Callgrind(work / "callgrind")
            # The same hashes in every run, as far as Python's go.
            os.environ["PYTHONHASHSEED"] = "0"
        for index, tree in enumerate(trees):
            tree.path = stack.enter_context(
                checked_out(
                    tree.name, tree.commit, work / "trees" / str(index), tree.patch
                )
            )
            (work / str(index)).mkdir()
        port = free_port(0)
        callback = f"http://127.0.0.1:{port}/api/oauth/callback/salesforce"
        log = stack.enter_context((work / "children.log").open("ab"))
        emulator = stack.enter_context(
            emulator_process(callback, work / "emulator.log")
        )
        controls = Controls(emulator)
        say(f"N={options.size:,}: generating {counts}")
        controls.generate(counts, options.seed, edited=options.edited)
        session = connect(controls)
        described = described_fields(session, options.api_version)
        wrap = () if counter is None else counter.wrap
        bench = Bench(controls, session, options.api_version, described, log, wrap)
        reference = Tree(BASELINE, "-", ROOT)
        runs = []
        for index, tree in enumerate(trees):
            crm = CrmbridgeRuns(bench, work / str(index), port, counts, tree.path)
            try:
                crm.prepare()
            except ServiceFailed as exc:
                raise SystemExit(f"{tree.name} ({tree.label}): {exc}") from None
            runs.append(crm)
        for number in range(1, options.rounds + 1):
            baseline = contenders.baseline(bench, work / "baseline.sqlite3")
            base = _score(baseline, counter)
            _record(reference, baseline, base, 1.0, counter)
            say(f"round {number}: baseline {_said(base, counter)}")
            for tree, crm in zip(trees, runs, strict=True):
                run = _full(tree, crm)
                if run.records != options.size:
                    raise SystemExit(
                        f"{tree.name} read {run.records:,} of {options.size:,} records"
                    )
                score = _score(run, counter)
                _record(tree, run, score, score / base, counter)
                say(f"round {number}: {tree.name} {_said(score, counter)}")
        for crm in runs:
            crm.cleanup()
        controls.close()
    return table([reference, *trees], options)


def _record(
    tree: Tree, run: Run, score: float, ratio: float, counter: Callgrind | None
) -> None:
    tree.runs.append(run)
    if counter is not None:
        tree.instructions.append(score)
    tree.ratios.append(ratio)


def _score(run: Run, counter: Callgrind | None) -> float:
    """What a run is compared by: its wall seconds, or with a counter, the
    instructions its process executed per record."""
    if counter is None:
        return run.wall_seconds
    return counter.take() / run.records


def _said(score: float, counter: Callgrind | None) -> str:
    if counter is None:
        return f"{score:.2f} s"
    return f"{score:,.0f} instructions per record"


def table(trees: Sequence[Tree], options: argparse.Namespace) -> str:
    command = shlex.join([".venv/bin/python", "benchmarks/ab.py", *options.argv])
    lines = [f"Command: `{command}`", ""]
    if options.instructions:
        return "\n".join([*lines, *_instructions_table(trees, options)]) + "\n"
    lines += [
        f"Full syncs of {options.size:,} records{_edited(options)}, "
        f"{options.rounds} alternating round(s); medians, and the range of "
        "wall times.",
        "",
        "| tree | commit | wall s (median) | wall s (range) | ratio to the baseline "
        "(median of rounds) | s to 1st API call (median) "
        "| CPU s / 1k records (median) | peak RSS MB (max) |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for tree in trees:
        walls = [run.wall_seconds for run in tree.runs]
        cpu = [1000 * run.cpu_seconds / run.records for run in tree.runs]
        peak = max(run.peak_rss_mb for run in tree.runs)
        firsts = [
            r.first_call_seconds for r in tree.runs if r.first_call_seconds is not None
        ]
        first = f"{statistics.median(firsts):.2f}" if firsts else "—"
        lines.append(
            f"| `{tree.name}` | {tree.label} | {statistics.median(walls):.2f} | "
            f"{min(walls):.2f}-{max(walls):.2f} | "
            f"{statistics.median(tree.ratios):.2f}x | {first} | "
            f"{statistics.median(cpu):.3f} | {peak:.0f} |"
        )
    return "\n".join(lines) + "\n"


def _edited(options: argparse.Namespace) -> str:
    if not options.edited:
        return ""
    return f" ({options.edited:.0%} edited out of Id order)"


def _instructions_table(
    trees: Sequence[Tree], options: argparse.Namespace
) -> list[str]:
    lines = [
        f"Full syncs of {options.size:,} records{_edited(options)} under callgrind, "
        f"{options.rounds} round(s): instructions each process executed "
        "(start-up included) per record read; medians, and their range.",
        "",
        "| tree | commit | instructions per record (median) | range "
        "| ratio to the baseline (median of rounds) |",
        "|---|---|---:|---:|---:|",
    ]
    for tree in trees:
        counts = tree.instructions
        lines.append(
            f"| `{tree.name}` | {tree.label} | {statistics.median(counts):,.0f} | "
            f"{min(counts):,.0f}-{max(counts):,.0f} | "
            f"{statistics.median(tree.ratios):.2f}x |"
        )
    return lines


def _full(tree: Tree, crm: CrmbridgeRuns) -> Run:
    try:
        return crm.full()
    except (ChildFailed, SyncFailed) as exc:
        raise SystemExit(f"{tree.name} ({tree.label}): {exc}") from None


def _patched(name: str) -> tuple[str, Path | None]:
    """REV and the patch file's absolute path, for a TREE of REV+PATCH."""
    revision, plus, patch = name.rpartition(PATCHED)
    if not plus or _checkout(name) is not None:
        return name, None
    if not revision:
        raise TreeUnusable(f"{name!r}: name the revision to patch before the '+'")
    path = Path(patch).resolve()
    if not path.is_file():
        raise TreeUnusable(
            f"{name!r}: no patch file {patch!r} to apply to {revision!r}"
        )
    if _checkout(revision) is not None:
        raise TreeUnusable(
            f"{name!r}: a patch applies to a git revision, not to a folder"
        )
    return revision, path


def _checkout(name: str) -> Path | None:
    """The folder of `.` or of the checkout `name` names; None otherwise."""
    if not name:
        raise TreeUnusable("an empty TREE: give `.` for this working copy")
    path = ROOT if name == THIS_TREE else Path(name)
    if all((path / package).is_dir() for package in PACKAGES):
        return path.resolve()
    return None


def _git(*arguments: str) -> str:
    done = subprocess.run(  # noqa: S603 (git with our own arguments)
        ["git", *arguments],  # noqa: S607 (plain git)
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        said = done.stderr.strip().splitlines()
        reason = said[-1] if said else f"exit status {done.returncode}"
        raise TreeUnusable(f"git {shlex.join(arguments)} failed: {reason}")
    return done.stdout.strip()


def main(argv: Sequence[str] | None = None) -> None:
    options = parse(argv)
    # A plain `kill` must still stop the emulator and the service, and remove
    # the worktrees: exiting unwinds them as Ctrl-C does.
    try:
        with exits_on_sigterm():
            print(compare(options), end="")
    except (TreeUnusable, InstructionsUnavailable) as exc:
        raise SystemExit(f"benchmarks/ab.py: {exc}") from None
    except KeyboardInterrupt:
        # Everything is unwound by now; no traceback for a Ctrl-C.
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()
