"""Set up and run crmbridge on a fresh machine with nothing but Python 3.11+.

    python3 dev.py run     # the service on SQLite with the Salesforce emulator
    python3 dev.py test    # every check: lint, types, layers and all tests

Both create `.tools/` (the pinned uv) and `.venv/` (the locked dependencies)
on first use; later calls reuse them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
TOOLS = ROOT / ".tools"
VENV = ROOT / ".venv"
UV_VERSION = "0.13.9"
MIN_PYTHON = (3, 11)


def bin_path(env: Path, name: str) -> Path:
    folder = "Scripts" if os.name == "nt" else "bin"
    return env / folder / name


def ensure_uv() -> Path:
    uv = bin_path(TOOLS, "uv")
    if not uv.exists():
        print(f"dev.py: installing uv {UV_VERSION} into {TOOLS}", flush=True)
        venv.create(TOOLS, with_pip=True, clear=True)
        pip = bin_path(TOOLS, "pip")
        run([str(pip), "install", "--quiet", f"uv=={UV_VERSION}"])
    return uv


def ensure_venv() -> None:
    uv = ensure_uv()
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(VENV)}
    # Bytecode now, not at every start: this environment may forbid writing it
    # (PYTHONDONTWRITEBYTECODE), which makes each process compile what it imports.
    run([str(uv), "sync", "--locked", "--quiet", "--compile-bytecode"], env=env)


def run(cmd: list[str], env: dict[str, str] | None = None) -> None:
    completed = subprocess.run(cmd, cwd=ROOT, env=env, check=False)  # noqa: S603
    if completed.returncode != 0:
        sys.exit(completed.returncode)


def main() -> None:
    if sys.version_info < MIN_PYTHON:
        sys.exit("dev.py: crmbridge needs Python 3.11 or newer")
    command = sys.argv[1] if len(sys.argv) > 1 else "help"
    extra = sys.argv[2:]
    scripts = {"run": "scripts/run_local.py", "test": "scripts/check.py"}
    if command not in scripts:
        sys.exit(__doc__)
    ensure_venv()
    python = str(bin_path(VENV, "python"))
    # Become the command, so Ctrl-C and SIGTERM reach it (and its children)
    # instead of a wrapper that would leave them running.
    os.execv(python, [python, str(ROOT / scripts[command]), *extra])  # noqa: S606


if __name__ == "__main__":
    main()
