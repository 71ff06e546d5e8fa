"""Salesforce adapters over httpx: the OAuth endpoints and the REST API."""

from adapters.salesforce.http import DEFAULT_TIMEOUT, new_http_client
from adapters.salesforce.oauth import HttpxSalesforceOAuth
from adapters.salesforce.rest import HttpxSalesforceApi
from adapters.salesforce.retries import RetryPolicy
from adapters.salesforce.usage import ApiUsageLedger, parse_limit_info

__all__ = [
    "DEFAULT_TIMEOUT",
    "ApiUsageLedger",
    "HttpxSalesforceApi",
    "HttpxSalesforceOAuth",
    "RetryPolicy",
    "new_http_client",
    "parse_limit_info",
]
