"""The sync routes word a refused body as the mapping route does."""

from __future__ import annotations

import pytest

from tests.unit.entrypoints.conftest import Api


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"mode": "x"}', "mode: 'x' is not an accepted value"),
        (b'{"objects": ["Opportunity"]}', "'Opportunity' is not an accepted value"),
        (b'{"objects": []}', "objects: must hold at least 1 item"),
    ],
)
async def test_a_refused_sync_body_is_said_in_words(
    api: Api, body: bytes, message: str
) -> None:
    await api.connect()

    answer = await api.client.post(
        "/api/crm/salesforce/syncs",
        content=body,
        headers=api.auth() | {"Content-Type": "application/json"},
    )

    assert answer.status_code == 422
    assert message in answer.json()["message"]
    assert "enum" not in answer.json()["message"]
