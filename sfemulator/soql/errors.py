"""The one error SOQL handling raises, carrying the REST errorCode."""

from __future__ import annotations


class SoqlError(Exception):
    """A query Salesforce would refuse: MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def malformed(message: str) -> SoqlError:
    return SoqlError("MALFORMED_QUERY", message)
