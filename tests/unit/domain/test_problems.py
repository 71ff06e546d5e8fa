"""Problems read as sentences, whatever detail they are given."""

from __future__ import annotations

import pytest

from domain.problems import salesforce_unavailable, sentences


@pytest.mark.parametrize(
    "detail",
    ["too many requests", "too many requests.", "too many requests..", "503 . "],
)
def test_an_unavailable_salesforce_ends_its_message_with_one_period(
    detail: str,
) -> None:
    message = salesforce_unavailable(detail).message

    assert message.startswith("Salesforce is unavailable: ")
    assert message.endswith(".")
    assert not message.endswith("..")


@pytest.mark.parametrize(
    ("message", "hint", "said"),
    [
        (
            "Salesforce is not connected",
            "Connect it.",
            "Salesforce is not connected. Connect it.",
        ),
        ("Done.", "Go on.", "Done. Go on."),
        ("Why?", "Because.", "Why? Because."),
        ("Nothing to add", None, "Nothing to add"),
    ],
)
def test_a_message_and_its_hint_read_as_two_sentences(
    message: str, hint: str | None, said: str
) -> None:
    assert sentences(message, hint) == said


def test_callback_error_text_is_cleaned() -> None:
    from domain.problems import problem_for_callback_error

    problem = problem_for_callback_error(
        "x\r\nSet-Cookie: a=1", "<script>" + "\n" * 3 + "y" * 5000
    )

    assert "\n" not in problem.message
    assert "\r" not in problem.message
    assert len(problem.message) < 500
