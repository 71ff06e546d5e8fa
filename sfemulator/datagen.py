"""A deterministic generator of awkward Leads, Contacts and Accounts for an org."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from sfemulator.records import Table
from sfemulator.timefmt import to_ms

if TYPE_CHECKING:
    from sfemulator.world import World

FIRST = (
    "Zoë",
    "José",
    "Françoise",
    "Søren",
    "Łukasz",
    "Renée",
    "Ólafur",
    "Mary-Kate",
    "陈",
    "美咲",
    "지훈",
    "Ana 🌟",
    "D'Arcy",
    "Ünal",
    "Ngọc",
    "Ada",
)
LAST = (
    "O'Connor",
    "Müller",
    "García",
    "Nguyễn",
    "王",
    "山田",
    "Ødegaard",
    "D'Souza",
    "Smith",
    "Nuñez",
    "Łęcka",
    "김",
    "Brontë",
    "Lovelace 💾",
    "Ñandú",
    "Zhang",
)
COMPANIES = (
    "Acme",
    "Café Olé",
    "Zürich Rück",
    "株式会社テスト",
    "O'Reilly Media",
    "Bäckerei 🍞",
    "Ålesund Fisk",
    "Société Générale d'Essai",
    "北京科技",
    "Smith & Sons, Ltd.",
)
COUNTRIES = ("France", "Deutschland", "日本", "España", "Norge", "United States", None)
TITLES = ("CEO", "VP, Sales", "Directeur Général", 'Head of "Growth"', None)
LONG_TEXT = ('Très long texte, with commas, "quotes", newlines\nand ✓ marks. ' * 600)[
    :32000
]


def generate(
    world: World,
    org_id: str,
    *,
    seed: int = 1,
    accounts: int = 20,
    contacts: int = 50,
    leads: int = 50,
    converted_fraction: float = 0.1,
    deleted_fraction: float = 0.05,
    tie_block: int = 100,
    start: object = "2024-01-01T00:00:00Z",
    edited_fraction: float = 0.0,
) -> dict[str, int]:
    """Add records to an org; the same seed always gives the same rows.

    SystemModstamps start at `start` and advance one second every `tie_block`
    rows, so blocks of rows share a value. A share of rows,
    `edited_fraction`, is then edited at random later times, as in an org
    used for years: their modstamps no longer follow their Ids. Counts of
    what was made come back.
    """
    rng = random.Random(seed)
    base = to_ms(start)
    with world.lock:
        world.org(org_id)
        maker = _Maker(world, org_id, rng, base, tie_block)
        account_ids = [maker.account() for _ in range(accounts)]
        contact_ids = [maker.contact(account_ids) for _ in range(contacts)]
        converted = 0
        for _ in range(leads):
            convert = bool(contact_ids) and rng.random() < converted_fraction
            maker.lead(contact_ids if convert else [], account_ids)
            converted += convert
        # Its own generator: the rows and deletions of a seed stay the same.
        edited = maker.edit_some(edited_fraction, random.Random(f"{seed}-edits"))
        deleted = maker.delete_some(deleted_fraction)
    return {
        "Account": accounts,
        "Contact": contacts,
        "Lead": leads,
        "converted": converted,
        "edited": edited,
        "deleted": deleted,
    }


class _Maker:
    def __init__(
        self, world: World, org_id: str, rng: random.Random, base: int, block: int
    ) -> None:
        self.store = world.records
        self.org_id = org_id
        self.rng = rng
        self.base = base
        self.block = max(block, 1)
        self.count = 0
        self.owner = next(
            (u.id for u in world.users.values() if u.org_id == org_id), None
        )
        self.made: list[tuple[Table, list[Any]]] = []

    def _row(self, sobject: str, values: dict[str, Any]) -> str:
        table = self.store.table(self.org_id, sobject)
        stamp = self.base + (self.count // self.block) * 1000
        self.count += 1
        record_id = self.store.new_id(sobject)
        row = table.new_row()
        fixed = {
            "Id": record_id,
            "IsDeleted": False,
            "CreatedDate": stamp,
            "LastModifiedDate": stamp,
            "SystemModstamp": stamp,
            "OwnerId": self.owner,
        }
        for name, value in (fixed | values).items():
            row[table.columns[name]] = value
        table.rows[record_id] = row
        self.made.append((table, row))
        return record_id

    def _text(self) -> str | None:
        roll = self.rng.random()
        if roll < 0.02:
            return LONG_TEXT
        if roll < 0.3:
            return 'Met at the salon; likes "quotes", commas, and\nnew lines. ☕'
        return None

    def account(self) -> str:
        pick = self.rng.choice
        name = f"{pick(COMPANIES)} {self.count}"
        return self._row(
            "Account",
            {
                "Name": name,
                "Industry": pick(("Retail", "Banking", "Technology", None)),
                "NumberOfEmployees": self.rng.randint(1, 50_000),
                "AnnualRevenue": round(self.rng.uniform(1e4, 1e9), 2),
                "BillingCountry": pick(COUNTRIES),
                "BillingCity": pick(("Paris", "Zürich", "東京", None)),
                "Description": self._text(),
            },
        )

    def _person(self) -> dict[str, Any]:
        pick = self.rng.choice
        return {
            "FirstName": pick(FIRST),
            "LastName": pick(LAST),
            "Email": f"person{self.count}@example.com",
            "Title": pick(TITLES),
            "Phone": f"+33 1 {self.rng.randint(10, 99)} {self.rng.randint(10, 99)}",
            "Description": self._text(),
        }

    def contact(self, account_ids: list[str]) -> str:
        account = self.rng.choice(account_ids) if account_ids else None
        extra = {
            "AccountId": account,
            "Department": "Ventes",
            "MailingCountry": "France",
        }
        return self._row("Contact", self._person() | extra)

    def lead(self, contact_ids: list[str], account_ids: list[str]) -> str:
        values = self._person() | {
            "Company": self.rng.choice(COMPANIES),
            "Status": "Open",
            "LeadSource": self.rng.choice(("Web", "Phone", None)),
            "IsConverted": False,
            "Country": self.rng.choice(COUNTRIES),
        }
        if contact_ids:
            contact_id = self.rng.choice(contact_ids)
            contacts = self.store.table(self.org_id, "Contact")
            account = contacts.value(contacts.rows[contact_id], "AccountId")
            values |= {
                "IsConverted": True,
                "Status": "Qualified",
                "ConvertedContactId": contact_id,
                "ConvertedAccountId": account or self.rng.choice(account_ids),
            }
        return self._row("Lead", values)

    def edit_some(self, fraction: float, rng: random.Random) -> int:
        """Move a share of rows' LastModifiedDate and SystemModstamp to a
        random stamp after the last one made, within as long again."""
        if fraction <= 0:
            return 0
        blocks = self.count // self.block + 1
        end = self.base + blocks * 1000
        edited = 0
        for table, row in self.made:
            if rng.random() < fraction:
                stamp = end + rng.randrange(blocks) * 1000
                row[table.columns["LastModifiedDate"]] = stamp
                row[table.columns["SystemModstamp"]] = stamp
                edited += 1
        return edited

    def delete_some(self, fraction: float) -> int:
        deleted = 0
        for table, row in self.made:
            if self.rng.random() < fraction:
                row[table.columns["IsDeleted"]] = True
                deleted += 1
        return deleted
