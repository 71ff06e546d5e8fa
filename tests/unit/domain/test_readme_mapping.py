"""The field mapping example in README.md reads and maps as its text says."""

from __future__ import annotations

import msgspec

from domain.crm import CrmObject
from domain.mapping import FieldMapping
from tests.support.readme import mapping_example


def test_the_readme_mapping_example_decodes_and_maps_as_described() -> None:
    body = msgspec.json.encode(mapping_example())

    mapping = msgspec.json.decode(body, type=FieldMapping)

    values = mapping.person_values(
        {"Email": " Ada@Example.COM ", "Status": "Open"},
        CrmObject.LEAD,
    )
    assert values == {
        "email": "ada@example.com",
        "lead_status": "new",
        "revenue": -1.0,
    }
    assert type(values["revenue"]) is float
    assert mapping.company_values({"Name": " Acme "}) == {"name": "Acme"}
