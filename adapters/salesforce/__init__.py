"""Salesforce adapters over httpx: OAuth endpoints, REST API, record reading."""

from adapters.salesforce.http import DEFAULT_TIMEOUT, new_http_client
from adapters.salesforce.oauth import HttpxSalesforceOAuth
from adapters.salesforce.records import HttpxSalesforceRecords
from adapters.salesforce.rest import HttpxSalesforceApi
from adapters.salesforce.retries import RetryPolicy
from adapters.salesforce.usage import ApiUsageLedger, parse_limit_info

__all__ = [
    "DEFAULT_TIMEOUT",
    "ApiUsageLedger",
    "HttpxSalesforceApi",
    "HttpxSalesforceOAuth",
    "HttpxSalesforceRecords",
    "RetryPolicy",
    "new_http_client",
    "parse_limit_info",
]
