"""The harness's command line."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from entrypoints.config import API_VERSION

RESULTS = Path(__file__).resolve().parent / "results"
CONTENDER_NAMES = ("floor", "baseline", "crmbridge")


@dataclass(frozen=True)
class Options:
    sizes: tuple[int, ...]
    repeat: int
    seed: int
    edited: float
    contenders: tuple[str, ...]
    load: bool
    load_rates: tuple[float, ...]
    load_seconds: float
    serve_workers: int
    api_version: str
    results: Path
    keep: bool


def positive(text: str) -> int:
    """A whole number of at least one, for argparse."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive whole number")
    return value


def fraction(text: str) -> float:
    """A share from 0 to 1, for argparse."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text} is not a share from 0 to 1")
    return value


def add_edited(parser: argparse.ArgumentParser) -> None:
    """`--edited SHARE`: the emulator's `edited_fraction` for the org."""
    parser.add_argument(
        "--edited",
        type=fraction,
        default=0.0,
        metavar="SHARE",
        help="the share of records edited after all were made, so their "
        "modstamps leave the Id order, as in an org used for years (default 0)",
    )


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) < 100:
        raise argparse.ArgumentTypeError("sizes are comma-separated counts >= 100")
    if len(set(sizes)) < len(sizes):
        raise argparse.ArgumentTypeError("sizes are each given once")
    return sizes


def api_version(text: str) -> str:
    """A Salesforce REST API version such as 62.0 that crmbridge takes, for
    argparse."""
    if API_VERSION.fullmatch(text) is None:
        raise argparse.ArgumentTypeError(f"{text} is not an API version like 62.0")
    return text


def _rates(text: str) -> tuple[float, ...]:
    try:
        rates = tuple(float(part) for part in text.split(","))
    except ValueError:
        rates = ()
    if not rates or not all(0 < rate < float("inf") for rate in rates):
        raise argparse.ArgumentTypeError("rates are comma-separated numbers > 0")
    return rates


def _contenders(text: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = set(names) - set(CONTENDER_NAMES)
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown contenders: {sorted(unknown)}")
    return names


def parse(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        prog="benchmarks/run.py", description="Benchmark crmbridge's sync."
    )
    parser.add_argument("--sizes", type=_sizes, default=(10_000,))
    parser.add_argument("--repeat", type=positive, default=3)
    parser.add_argument("--seed", type=int, default=1)
    add_edited(parser)
    parser.add_argument(
        "--contenders", type=_contenders, default=CONTENDER_NAMES, metavar="LIST"
    )
    parser.add_argument("--no-load", action="store_true", help="skip the load test")
    parser.add_argument(
        "--load-rate",
        type=_rates,
        default=(1000.0, 100.0),
        help="offered requests/s, comma-separated: the target, and one well "
        "under capacity to show latency without a queue",
    )
    parser.add_argument("--load-seconds", type=float, default=10.0)
    parser.add_argument(
        "--serve-workers",
        type=int,
        choices=range(1, 9),
        default=2,
        metavar="N",
        help="worker processes of the service under load (default 2: two cores)",
    )
    parser.add_argument("--api-version", type=api_version, default="62.0")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    raw = parser.parse_args(argv)
    return Options(
        sizes=raw.sizes,
        repeat=raw.repeat,
        seed=raw.seed,
        edited=raw.edited,
        contenders=raw.contenders,
        load=not raw.no_load,
        load_rates=raw.load_rate,
        load_seconds=raw.load_seconds,
        serve_workers=raw.serve_workers,
        api_version=raw.api_version,
        results=raw.results,
        keep=raw.keep,
    )
