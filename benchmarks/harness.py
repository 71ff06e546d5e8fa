"""The whole benchmark: per size an emulator process, an org, every contender."""

from __future__ import annotations

import compileall
import json
import math
import os
import platform
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from benchmarks import contenders, report
from benchmarks.contenders import ROOT
from benchmarks.crmbridge_runs import CrmbridgeRuns
from benchmarks.emulator import Controls, emulator_process
from benchmarks.load import LoadResult, load_table, load_test
from benchmarks.oauth import connect
from benchmarks.options import Options, parse
from benchmarks.queries import described_fields
from entrypoints.demo.processes import free_port

PAGE_SIZE = 2000  # the server's default batch; the emulator's too
# Shares of N: one Account for every 4.5 Leads and 4.5 Contacts.
SHARES = {"Account": 0.10, "Contact": 0.45, "Lead": 0.45}


def split(n: int) -> dict[str, int]:
    counts = {obj: int(n * share) for obj, share in SHARES.items()}
    counts["Lead"] += n - sum(counts.values())
    return counts


def rest_pages(counts: dict[str, int]) -> int:
    return sum(math.ceil(count / PAGE_SIZE) for count in counts.values())


def say(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


class Harness:
    def __init__(self, options: Options, workdir: Path) -> None:
        self.options = options
        self.workdir = workdir
        self.port = free_port(0)
        self.load: LoadResult | None = None
        self.baseline_database = workdir / "baseline.sqlite3"

    def run(self) -> list[report.Size]:
        sizes = []
        load_at = _load_size(self.options)
        for n in self.options.sizes:
            sizes.append(self.size(n, load=n == load_at))
        return sizes

    def size(self, n: int, *, load: bool) -> report.Size:
        counts = split(n)
        callback = f"http://127.0.0.1:{self.port}/api/oauth/callback/salesforce"
        with (
            self._log("emulator") as _,
            emulator_process(callback, self.workdir / "emulator.log") as emulator,
        ):
            controls = Controls(emulator)
            say(f"N={n:,}: generating {counts}")
            made = controls.generate(
                counts, self.options.seed, edited=self.options.edited
            )
            say(f"N={n:,}: emulator made {made}")
            session = connect(controls)
            version = self.options.api_version
            described = described_fields(session, version)
            with self._log("children") as log:
                bench = contenders.Bench(
                    controls=controls,
                    session=session,
                    api_version=version,
                    described=described,
                    log=log,
                )
                size = report.Size(n=n, counts=counts, rest_pages=rest_pages(counts))
                self._repeats(bench, size, load=load)
            controls.close()
        return size

    def _repeats(self, bench: contenders.Bench, size: report.Size, load: bool) -> None:
        wanted = self.options.contenders
        crm = None
        if "crmbridge" in wanted:
            crm = CrmbridgeRuns(bench, self.workdir, self.port, size.counts)
            crm.prepare()
        for repeat in range(1, self.options.repeat + 1):
            tag = f"N={size.n:,} run {repeat}/{self.options.repeat}"
            if "floor" in wanted:
                self._add(size, report.FLOOR, tag, lambda: contenders.floor(bench))
            if "baseline" in wanted:
                self._add(
                    size,
                    report.BASELINE,
                    tag,
                    lambda: contenders.baseline(bench, self.baseline_database),
                )
            if crm is not None:
                self._add(size, report.FULL, tag, crm.full)
                crm.change(repeat)
                self._add(size, report.INCREMENTAL, tag, crm.incremental)
                self._add(size, report.NOTHING, tag, crm.incremental)
        if crm is not None and load and self.options.load:
            say(f"N={size.n:,}: load test of the read routes")
            self.load = load_test(crm, self.options, self.workdir)
        if crm is not None:
            crm.cleanup()

    def _add(self, size: report.Size, name: str, tag: str, run: Any) -> None:
        result: report.Run = run()
        size.add(name, result)
        say(
            f"{tag}: {name}: {result.wall_seconds:.2f} s, {result.records:,} records,"
            f" {result.api_calls} calls, {result.peak_rss_mb:.0f} MB"
        )

    @contextmanager
    def _log(self, name: str) -> Iterator[IO[bytes]]:
        with (self.workdir / f"{name}.log").open("ab") as log:
            yield log


def _load_size(options: Options) -> int:
    """Load-test on the largest size up to 100k (a realistic people table that
    a 2-core machine syncs in seconds), else on the smallest."""
    modest = [n for n in options.sizes if n <= 100_000]
    return max(modest) if modest else min(options.sizes)


def revision() -> str:
    """The commit measured, `-dirty` when the work tree had changes."""
    done = subprocess.run(
        ["git", "describe", "--always", "--dirty"],  # noqa: S607 (plain git)
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "unknown"


def machine(load_before: float, measured: str) -> str:
    """The machine, the commit `measured` (read when the run started: a
    commit made meanwhile is not what ran), and its 1-minute load average
    before and after the run: anything else busy on the cores shows up there."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores, {memory:.0f} GiB, Python "
        f"{platform.python_version()}, {platform.system()} {platform.release()}, "
        f"crmbridge at {measured}; "
        f"load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after"
    )


def write_results(
    options: Options, sizes: list[report.Size], load: LoadResult | None, text: str
) -> Path:
    options.results.mkdir(parents=True, exist_ok=True)
    stem = f"{datetime.now(UTC):%Y-%m-%d}-{'-'.join(str(n) for n in options.sizes)}"
    if options.edited:
        stem += f"-edited-{options.edited:.0%}".rstrip("%")
    path = options.results / f"{stem}.md"
    path.write_text(text, encoding="utf-8")
    raw = {
        "sizes": [asdict(size) for size in sizes],
        "load": [asdict(row) for row in load.rows] if load else None,
    }
    (options.results / f"{stem}.json").write_text(
        json.dumps(raw, indent=1), encoding="utf-8"
    )
    return path


PACKAGES = ("domain", "application", "adapters", "entrypoints", "sfemulator")


def compile_sources(root: Path = ROOT) -> None:
    """Write the bytecode of the project at `root`, as an installed package
    has it.

    Where PYTHONDONTWRITEBYTECODE is set, every child would otherwise compile
    each module it imports, at every start (the venv's packages are compiled
    by `dev.py`)."""
    for package in PACKAGES:
        compileall.compile_dir(root / package, quiet=1)


@contextmanager
def exits_on_sigterm() -> Iterator[None]:
    """Inside the block a plain `kill` unwinds like an exit, so children are
    stopped and folders removed; what handled SIGTERM before does again
    after it (a test calling `main` keeps its process's handler)."""
    before = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


def main(argv: list[str] | None = None) -> None:
    options = parse(argv)
    with exits_on_sigterm():
        _run(options, argv)


def _run(options: Options, argv: list[str] | None) -> None:
    arguments = sys.argv[1:] if argv is None else argv
    command = shlex.join([".venv/bin/python", "benchmarks/run.py", *arguments])
    workdir = Path(tempfile.mkdtemp(prefix="crmbridge-bench-"))
    compile_sources()
    measured = revision()
    load_before = os.getloadavg()[0]
    say(f"work folder {workdir}; load average {load_before:.2f}")
    try:
        harness = Harness(options, workdir)
        sizes = harness.run()
        text = report.markdown(
            sizes, command, options.repeat, machine(load_before, measured)
        )
        if harness.load is not None:
            text += "\n" + load_table(harness.load)
        path = write_results(options, sizes, harness.load, text)
    finally:
        if not options.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print(text, end="", flush=True)
    say(f"written to {path}")
