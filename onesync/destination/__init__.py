"""The destination stage: OneSignal's REST API over httpx.

    OneSignalClient / AsyncOneSignalClient   one method per endpoint, each returning a Result
    RateLimit, RetryPolicy                    frozen tuning values (keyword-only, with a repr)
    TokenBucket                               the per-app limiter every concurrent call shares
    Result, Failure                           ok / partial / rejected / exhausted, attempts, reason
    idempotency_key(app_id, sync, row_key)    a stable UUID so a send is never delivered twice

Only a refused API key raises (``DestinationError``); everything else is a ``Result``.
"""

from onesync.destination.calls import SUBSCRIPTION_TYPES, Call
from onesync.destination.client import VIEW_RATE_LIMIT, AsyncOneSignalClient, OneSignalClient
from onesync.destination.limits import RateLimit, RetryPolicy, TokenBucket
from onesync.destination.results import Failure, Result, Status, error_reason, idempotency_key

__all__ = [
    "SUBSCRIPTION_TYPES",
    "VIEW_RATE_LIMIT",
    "AsyncOneSignalClient",
    "Call",
    "Failure",
    "OneSignalClient",
    "RateLimit",
    "Result",
    "RetryPolicy",
    "Status",
    "TokenBucket",
    "error_reason",
    "idempotency_key",
]
