"""RunSync and friends on the in-memory store and the fake org."""

from __future__ import annotations


def test_callback_error_text_is_cleaned() -> None:
    from domain.problems import problem_for_callback_error

    problem = problem_for_callback_error(
        "x\r\nSet-Cookie: a=1", "<script>" + "\n" * 3 + "y" * 5000
    )

    assert "\n" not in problem.message
    assert "\r" not in problem.message
    assert len(problem.message) < 500
