"""A scripted, in-memory Salesforce for use-case tests: OAuth, REST and records."""

# Re-exported so importers keep `from tests.fakes.salesforce import ...` while each
# module below holds one concept.
from application.errors import (
    ApiDisabled,
    OAuthError,
    QuotaExhausted,
    SalesforceUnavailable,
)
from tests.fakes.salesforce.client import FakeSalesforce
from tests.fakes.salesforce.describes import STANDARD_FIELDS
from tests.fakes.salesforce.oauth import EXPIRED_TOKEN, INSTANCE_URL
from tests.fakes.salesforce.org import FakeOrg
from tests.fakes.salesforce.rendering import SOBJECTS
from tests.fakes.salesforce.soql import Record, SyncQuery
from tests.fakes.salesforce.state import ORG_ID, USER_ID

__all__ = [
    "EXPIRED_TOKEN",
    "INSTANCE_URL",
    "ORG_ID",
    "SOBJECTS",
    "STANDARD_FIELDS",
    "USER_ID",
    "ApiDisabled",
    "FakeOrg",
    "FakeSalesforce",
    "OAuthError",
    "QuotaExhausted",
    "Record",
    "SalesforceUnavailable",
    "SyncQuery",
]
