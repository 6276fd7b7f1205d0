"""The destination stage: OneSignal's REST API over httpx.

    AsyncOneSignalClient                      one method per endpoint, each returning a Result
    OneSignalClient                           the same client for blocking code (a thin wrapper)
    notification_body, custom_event           the send payloads, built in one place (calls.py)
    RateLimit, RetryPolicy                    frozen tuning values (keyword-only, with a repr)
    TokenBucket                               the per-app limiter every concurrent call shares
    Result, Failure, SubscriptionRef          ok / partial / rejected / exhausted, attempts,
                                              reason, not_found, conflicts, subscription ids
    idempotency_key(app_id, sync, row_key)    a stable UUID so a send is never delivered twice

A refused API key, an untrusted TLS certificate and an unknown API host raise
(``DestinationError``); everything else is a ``Result``. ``AsyncOneSignalClient.halt()`` makes
every later call raise ``Halted`` instead of sending (apply stopping on a signal).
"""

from onesync.destination.blocking import OneSignalClient
from onesync.destination.calls import (
    SUBSCRIPTION_TYPES,
    Call,
    Channel,
    InvalidCall,
    custom_event,
    notification_body,
    resolve_send_after,
)
from onesync.destination.client import VIEW_RATE_LIMIT, AsyncOneSignalClient, Halted
from onesync.destination.limits import RateLimit, RetryPolicy, TokenBucket
from onesync.destination.results import (
    Failure,
    Result,
    Status,
    SubscriptionRef,
    error_reason,
    idempotency_key,
)

__all__ = [
    "SUBSCRIPTION_TYPES",
    "VIEW_RATE_LIMIT",
    "AsyncOneSignalClient",
    "Call",
    "Channel",
    "Failure",
    "Halted",
    "InvalidCall",
    "OneSignalClient",
    "RateLimit",
    "Result",
    "RetryPolicy",
    "Status",
    "SubscriptionRef",
    "TokenBucket",
    "custom_event",
    "error_reason",
    "idempotency_key",
    "notification_body",
    "resolve_send_after",
]
