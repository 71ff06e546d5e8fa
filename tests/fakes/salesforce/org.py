"""Test support: the fake org, Leads, Contacts and Accounts read as Salesforce does."""

from __future__ import annotations

from tests.fakes.salesforce.bulk import BulkJobs
from tests.fakes.salesforce.cursors import QueryCursors


class FakeOrg(QueryCursors, BulkJobs):
    """Leads, Contacts and Accounts in memory, read the way Salesforce reads them.

    Rows are flat dicts of stored fields; datetimes are REST strings at whole
    seconds. `now` stamps every change unless a `modstamp` is given, so rows
    tie on SystemModstamp until a test moves `now`. Record ids count up from
    `first_id`: give a second org another start to keep their ids apart.
    """
