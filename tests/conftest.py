"""Process state a test may change for the rest of its process, put back."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest

from entrypoints import console

# Shared sync test helpers assert too: their failures should read as a test's.
pytest.register_assert_rewrite("tests.unit.application.sync_support")


@pytest.fixture(autouse=True)
def _stop_signals_put_back() -> Iterator[None]:
    # A command run in process (CliRunner) takes SIGINT and SIGTERM for the
    # rest of its process once its work has ended, as it does in its own.
    handlers = {signum: signal.getsignal(signum) for signum in console.STOP_SIGNALS}
    yield
    for signum, handler in handlers.items():
        signal.signal(signum, handler)
    console._work_ended = False
    console._heard.clear()
