"""Field definitions of the emulated sObjects, the basis of describe and SOQL checks."""

from __future__ import annotations

from dataclasses import dataclass, field

ADDRESS_PARTS = ("Street", "City", "State", "PostalCode", "Country")


@dataclass(frozen=True)
class Field:
    """One sObject field as describe reports it."""

    name: str
    type: str
    length: int = 0
    label: str = ""
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    filterable: bool = True
    picklist: tuple[str, ...] = ()
    compound_field_name: str | None = None
    reference_to: str | None = None
    relationship_name: str | None = None
    custom: bool = False
    parts: tuple[str, ...] = field(default=())

    @property
    def compound(self) -> bool:
        return self.type == "address"

    def describe(self) -> dict[str, object]:
        return {
            "name": self.name,
            "label": self.label or _label(self.name),
            "type": self.type,
            "length": self.length,
            "nillable": self.nillable,
            "createable": self.createable,
            "updateable": self.updateable,
            "filterable": self.filterable,
            "custom": self.custom,
            "picklistValues": [
                {"active": True, "defaultValue": False, "label": v, "value": v}
                for v in self.picklist
            ],
            "compoundFieldName": self.compound_field_name,
            "referenceTo": [self.reference_to] if self.reference_to else [],
            "relationshipName": self.relationship_name,
        }


def _label(name: str) -> str:
    base = name.removesuffix("__c").removesuffix("Id").replace("_", " ")
    return "".join(f" {c}" if c.isupper() else c for c in base).strip() or name


def _readonly(name: str, kind: str, length: int = 0) -> Field:
    return Field(name, kind, length, nillable=False, createable=False, updateable=False)


def _system() -> list[Field]:
    return [
        _readonly("Id", "id", 18),
        _readonly("IsDeleted", "boolean"),
        _readonly("CreatedDate", "datetime"),
        _readonly("LastModifiedDate", "datetime"),
        _readonly("SystemModstamp", "datetime"),
        Field(
            "OwnerId", "reference", 18, reference_to="User", relationship_name="Owner"
        ),
    ]


def _address(prefix: str) -> list[Field]:
    compound = f"{prefix}Address"
    parts = [
        Field(f"{prefix}{part}", "textarea" if part == "Street" else "string", size)
        for part, size in zip(ADDRESS_PARTS, (255, 40, 80, 20, 80), strict=True)
    ]
    parts = [
        Field(p.name, p.type, p.length, compound_field_name=compound) for p in parts
    ]
    whole = Field(
        compound,
        "address",
        createable=False,
        updateable=False,
        filterable=False,
        parts=tuple(p.name for p in parts),
    )
    return [*parts, whole]


INDUSTRIES = ("Agriculture", "Banking", "Education", "Energy", "Retail", "Technology")
_NAME = Field("Name", "string", 121, createable=False, updateable=False)
_PERSON = [
    Field("FirstName", "string", 40),
    Field("LastName", "string", 80, nillable=False),
    _NAME,
    Field("Email", "email", 80),
    Field("Title", "string", 128),
    Field("Phone", "phone", 40),
    Field("Description", "textarea", 32000, filterable=False),
]

STANDARD: dict[str, list[Field]] = {
    "Lead": [
        *_system(),
        *_PERSON,
        Field("Company", "string", 255, nillable=False),
        Field("Website", "url", 255),
        Field("Industry", "picklist", 255, picklist=INDUSTRIES),
        Field(
            "Status",
            "picklist",
            255,
            picklist=("Open", "Working", "Qualified", "Unqualified"),
        ),
        Field("LeadSource", "picklist", 255, picklist=("Web", "Phone", "Partner")),
        Field("NumberOfEmployees", "int"),
        Field("AnnualRevenue", "currency"),
        *_address(""),
        Field("IsConverted", "boolean", nillable=False, updateable=False),
        Field(
            "ConvertedContactId",
            "reference",
            18,
            updateable=False,
            reference_to="Contact",
            relationship_name="ConvertedContact",
        ),
        Field(
            "ConvertedAccountId",
            "reference",
            18,
            updateable=False,
            reference_to="Account",
            relationship_name="ConvertedAccount",
        ),
    ],
    "Contact": [
        *_system(),
        *_PERSON,
        Field(
            "AccountId",
            "reference",
            18,
            reference_to="Account",
            relationship_name="Account",
        ),
        Field("Department", "string", 80),
        *_address("Mailing"),
    ],
    "Account": [
        *_system(),
        Field("Name", "string", 255, nillable=False),
        Field("Website", "url", 255),
        Field("Industry", "picklist", 255, picklist=INDUSTRIES),
        Field("Type", "picklist", 255, picklist=("Prospect", "Customer", "Partner")),
        Field("NumberOfEmployees", "int"),
        Field("AnnualRevenue", "currency"),
        Field("Phone", "phone", 40),
        Field("Description", "textarea", 32000, filterable=False),
        *_address("Billing"),
    ],
}

# Fields computed on read rather than stored.
COMPUTED = frozenset({"Name"})
CUSTOM_TYPES = {
    "string": 255,
    "textarea": 32768,
    "email": 80,
    "boolean": 0,
    "double": 0,
    "int": 0,
    "currency": 0,
    "datetime": 0,
    "picklist": 255,
    "url": 255,
    "phone": 40,
}
