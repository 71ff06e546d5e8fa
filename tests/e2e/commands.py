"""`crmbridge` as a person runs it: a child process of this interpreter."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Collection
from pathlib import Path


async def crmbridge(
    *args: str,
    env: dict[str, str],
    cwd: Path | None = None,
    unset: Collection[str] = (),
) -> tuple[int, str]:
    """Run `crmbridge *args` with `env` over ours, less `unset`; its exit code
    and output."""
    inherited = {name: value for name, value in os.environ.items() if name not in unset}
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "entrypoints.cli",
        *args,
        env={**inherited, **env},
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(child.communicate(), timeout=120)
    return child.returncode or 0, output.decode()
