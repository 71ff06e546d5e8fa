"""Benchmark crmbridge's sync against a hand-written baseline and a floor.

    .venv/bin/python benchmarks/run.py --sizes 10000,100000,1000000 --repeat 3
    .venv/bin/python benchmarks/run.py --sizes 2000 --repeat 1      # smoke

Starts the Salesforce emulator as its own process on 127.0.0.1, generates one
org per size, runs every contender in its own process, then load-tests the
HTTP API's read routes. Prints the Markdown results and writes the same text
to benchmarks/results/<date>-<sizes>.md (raw runs beside it as JSON).
See benchmarks/README.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in {None, ""}:  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import main

if __name__ == "__main__":
    main()
