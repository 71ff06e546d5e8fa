"""Profile one crmbridge full sync with py-spy, and the emulator beside it.

    .venv/bin/python benchmarks/profile_sync.py --size 100000

Writes to benchmarks/results/: `profile-<date>-<N>.svg` (flame graph of the
`crmbridge sync` process), `...-sync.txt` and `...-emulator.txt` (raw
collapsed stacks) and `...-summary.md` (shares by library and by function).
py-spy needs ptrace rights (root, or CAP_SYS_PTRACE).
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

if __package__ in {None, ""}:  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import flame
from benchmarks.contenders import QUOTA, ROOT, Bench
from benchmarks.crmbridge_runs import CrmbridgeRuns, latest_job
from benchmarks.emulator import Controls, emulator_process
from benchmarks.harness import compile_sources, split
from benchmarks.load import ROUTES
from benchmarks.measure import run_child
from benchmarks.oauth import connect
from benchmarks.options import RESULTS
from benchmarks.service import WORKSPACE, copy_database
from entrypoints.demo.processes import free_port

PY_SPY = Path(sys.executable).parent / "py-spy"
RATE = 100
# A flame graph; CPU samples (idle threads left out); wall-clock samples of
# every thread, idle included, to see what the event loop waits for.
RUNS: tuple[tuple[str, str, list[str]], ...] = (
    ("flamegraph", ".svg", []),
    ("raw", "-sync.txt", []),
    ("raw", "-sync-wall.txt", ["--idle", "--threads"]),
)


def record(output: Path, fmt: str, target: list[str]) -> list[str]:
    spy = [str(PY_SPY), "record", "--rate", str(RATE), "--format", fmt]
    return [*spy, "-o", str(output), *target]


def profile(size: int, results: Path, workdir: Path, *, routes: bool) -> Path:
    compile_sources()
    stem = results / f"profile-{datetime.now(UTC):%Y-%m-%d}-{size}"
    port = free_port(0)
    callback = f"http://127.0.0.1:{port}/api/oauth/callback/salesforce"
    with (
        (workdir / "children.log").open("ab") as log,
        emulator_process(callback, workdir / "emulator.log") as emulator,
    ):
        controls = Controls(emulator)
        counts = split(size)
        controls.generate(counts, seed=1)
        bench = Bench(controls, connect(controls), "62.0", {}, log)  # no stand-ins
        crm = CrmbridgeRuns(bench, workdir, port, counts)
        crm.prepare()
        controls.fresh_quota(QUOTA)
        sync = crm.crmbridge.command("sync", "--workspace", WORKSPACE, "--mode", "full")
        env = crm.crmbridge.env(crm.database)
        for fmt, suffix, extra in RUNS:
            copy_database(crm.template, crm.database)
            watcher = None
            if suffix == "-sync.txt":
                watch = record(Path(f"{stem}-emulator.txt"), "raw", [])
                watcher = subprocess.Popen(  # noqa: S603 (our py-spy)
                    [*watch, "--pid", str(emulator.pid)], stdout=log, stderr=log
                )
            subprocess.run(  # noqa: S603 (our py-spy, our CLI)
                record(Path(f"{stem}{suffix}"), fmt, [*extra, "--", *sync]),
                env=env,
                cwd=workdir,
                stdout=log,
                stderr=log,
                check=True,
            )
            if watcher is not None:
                watcher.send_signal(signal.SIGINT)
                watcher.wait(timeout=60)
            state, seen = latest_job(crm.database)
            print(f"{suffix}: sync {state}, {seen:,} records seen", file=sys.stderr)
        if routes:
            _profile_routes(crm, stem, workdir, log)
        crm.cleanup()
        controls.close()
    return _summarise(stem, size)


def _profile_routes(
    crm: CrmbridgeRuns, stem: Path, workdir: Path, log: IO[bytes]
) -> None:
    """`crmbridge serve` on the synced file, sampled while loadgen offers
    1,000 requests/s to each read route for 10 s."""
    with crm.crmbridge.serving(crm.database, workdir / "serve.log") as served:
        for route in ROUTES:
            spy = record(_route_file(stem, route), "raw", ["--pid", str(served.pid)])
            watcher = subprocess.Popen(spy, stdout=log, stderr=log)  # noqa: S603
            job = {
                "url": served.url + route,
                "headers": {"Authorization": f"Bearer {served.token}"},
                "rate": 1000,
                "duration": 10,
                "connections": 64,
            }
            measured = run_child(
                [sys.executable, "-m", "benchmarks.loadgen"],
                stdin=job,
                cwd=ROOT,
                log=log,
                timeout=120,
            )
            watcher.send_signal(signal.SIGINT)
            watcher.wait(timeout=60)
            print(f"{route}: {measured.output}", file=sys.stderr)


def _route_file(stem: Path, route: str) -> Path:
    return Path(f"{stem}-serve{route.replace('/', '-')}.txt")


def _summarise(stem: Path, size: int) -> Path:
    of = f"full sync of {size:,} records"
    cpu = Path(f"{stem}-sync.txt").read_text()
    wall = Path(f"{stem}-sync-wall.txt").read_text()
    emulator = Path(f"{stem}-emulator.txt").read_text()
    parts = [
        flame.summary(flame.read(cpu), f"crmbridge sync, CPU samples, {of}"),
        flame.summary(
            flame.read(wall, thread="MainThread", waits=True),
            f"crmbridge sync, wall-clock samples of the event loop thread, {of}",
        ),
        flame.summary(flame.read(emulator), f"the emulator, CPU samples, {of}"),
    ]
    for route in ROUTES:
        served = _route_file(stem, route)
        if served.exists():
            title = f"crmbridge serve, CPU samples, GET {route} at 1,000 req/s offered"
            parts.append(flame.summary(flame.read(served.read_text()), title))
    path = Path(f"{stem}-summary.md")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument(
        "--routes", action="store_true", help="also profile serve under load"
    )
    options = parser.parse_args()
    options.results.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="crmbridge-profile-") as folder:
        path = profile(
            options.size, options.results, Path(folder), routes=options.routes
        )
    print(path.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
