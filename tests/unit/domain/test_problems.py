"""Problems read as sentences, whatever detail they are given."""

from __future__ import annotations

import pytest

from domain.problems import salesforce_unavailable


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
