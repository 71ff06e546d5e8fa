"""Command line: run the emulator as its own process for demos and benchmarks."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from sfemulator.scenario import DEFAULT_CALLBACK, seed_demo
from sfemulator.server import EmulatorServer


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="sfemulator", description="Run the Salesforce emulator on 127.0.0.1."
    )
    parser.add_argument("--port-file", type=Path, help="also write the URLs here")
    parser.add_argument(
        "--seed-demo", action="store_true", help="create demo orgs, users and an app"
    )
    parser.add_argument("--callback-url", default=DEFAULT_CALLBACK)
    parser.add_argument(
        "--first-port",
        type=_port,
        default=0,
        help="listen on this port and the ones after it (login, sandbox login, "
        "My Domain, instances); by default the system picks free ones",
    )
    return parser.parse_args(argv)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port: {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError("a port is 1-65535")
    return port


def main(argv: list[str] | None = None) -> None:
    """Start every listener, print one JSON line of URLs, run until SIGINT/SIGTERM."""
    options = _arguments(argv)
    stop = threading.Event()
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: stop.set())
    try:
        server = EmulatorServer(first_port=options.first_port).start()
    except RuntimeError as exc:
        sys.exit(f"sfemulator: {exc}")
    try:
        announcement: dict[str, Any] = dict(server.urls())
        if options.seed_demo:
            demo = seed_demo(server.world, options.callback_url, signed_in=True)
            announcement["demo"] = {
                # The key only: the line lands in logs, and crmbridge's flow
                # (PKCE) needs no secret. The control API has the app whole.
                "consumer_key": demo.app.consumer_key,
                "callback_url": options.callback_url,
                "production_org_id": demo.production.id,
                "production_username": demo.production_user.username,
                "sandbox_org_id": demo.sandbox.id,
                "sandbox_username": demo.sandbox_user.username,
            }
        line = json.dumps(announcement)
        if options.port_file is not None:
            options.port_file.write_text(line + "\n", encoding="utf-8")
        print(line, flush=True)
        stop.wait()
    finally:
        server.stop()
    sys.exit(0)


if __name__ == "__main__":
    main()
