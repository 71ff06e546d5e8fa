"""Start crmbridge on SQLite with the Salesforce emulator, walk the flow, keep both up.

Called by `python3 dev.py run`; extra arguments go to `crmbridge demo`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def main() -> None:
    command = [str(BIN / "crmbridge"), "demo", "--keep-running", *sys.argv[1:]]
    os.execv(command[0], command)  # noqa: S606


if __name__ == "__main__":
    main()
