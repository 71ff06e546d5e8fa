"""Field mapping checks against the org's describe: do the source fields fit?"""

from __future__ import annotations

import re
from collections.abc import Mapping

from domain.crm import CrmObject, DescribedField, ObjectDescribe
from domain.mapping_rules import TARGET_SOURCES
from domain.mapping_shape import Violation, violation

_SOURCE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,79}(\.[A-Za-z][A-Za-z0-9_]{0,79})?$")


def source_violations(
    name: str,
    source: str,
    wanted: str,
    obj: CrmObject,
    describes: Mapping[CrmObject, ObjectDescribe],
) -> list[Violation]:
    if not _SOURCE.fullmatch(source):
        return [violation(name, source, "invalid_field", "not a Salesforce field name")]
    field = resolve_field(source, obj, describes)
    if field is None:
        return [
            violation(
                name, source, "unknown_field", f"{obj.value} has no field {source}"
            )
        ]
    if field.is_compound:
        return [
            violation(
                name,
                source,
                "compound_field",
                f"{source} is a compound field; map its parts (Street, City, ...)",
            )
        ]
    # An unknown `wanted` is the rule's own fault, said once by its shape check.
    if wanted in TARGET_SOURCES and field.type not in TARGET_SOURCES[wanted]:
        return [
            violation(
                name,
                source,
                "incompatible_type",
                f"{source} is {field.type}, which cannot become {wanted}",
            )
        ]
    return []


def resolve_field(
    source: str, obj: CrmObject, describes: Mapping[CrmObject, ObjectDescribe]
) -> DescribedField | None:
    describe = describes.get(obj)
    if describe is None:
        return None
    if "." not in source:
        return describe.field(source)
    relationship, field_name = source.split(".", 1)
    reference = describe.relationship(relationship)
    if reference is None or not reference.reference_to:
        return None
    known = {obj.value: obj for obj in CrmObject}
    target_object = known.get(reference.reference_to[0])
    target = describes.get(target_object) if target_object else None
    return target.field(field_name) if target else None
