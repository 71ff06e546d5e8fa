"""The benchmark harness's command line refuses what it cannot run."""

from __future__ import annotations

import pytest

from benchmarks.options import parse


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (["--repeat", "0"], "0 is not a positive whole number"),
        (["--repeat", "abc"], "abc is not a positive whole number"),
        (["--sizes", "2000,,3000"], "sizes are comma-separated counts >= 100"),
        (["--sizes", "abc"], "sizes are comma-separated counts >= 100"),
        (["--sizes", "50"], "sizes are comma-separated counts >= 100"),
        (["--sizes", "2000,2000"], "sizes are each given once"),
        (["--load-rate", "inf"], "rates are comma-separated numbers > 0"),
        (["--load-rate", "x"], "rates are comma-separated numbers > 0"),
        (["--edited", "1.5"], "1.5 is not a share from 0 to 1"),
        (["--edited", "nan"], "nan is not a share from 0 to 1"),
        (["--edited", "-0.1"], "-0.1 is not a share from 0 to 1"),
    ],
)
def test_a_bad_value_is_refused_by_name(
    wrong: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        parse(wrong)

    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert message in error
    assert "invalid _" not in error


def test_good_values_are_kept() -> None:
    options = parse(
        [
            "--sizes",
            "2000,10000",
            "--repeat",
            "2",
            "--load-rate",
            "50",
            "--edited",
            "0.3",
        ]
    )

    assert (options.sizes, options.repeat, options.load_rates, options.edited) == (
        (2000, 10000),
        2,
        (50.0,),
        0.3,
    )


def test_the_org_is_not_edited_unless_asked() -> None:
    assert parse([]).edited == 0.0
