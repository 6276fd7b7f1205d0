"""The sandbox's knobs: small frozen values with keyword-only constructors (like httpx's Limits)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["DEFAULT_API_KEY", "DEFAULT_APP_ID", "Faults", "RateLimits", "SandboxConfig"]

DEFAULT_APP_ID = "5eb5a37e-0000-4000-8000-000000000001"
DEFAULT_API_KEY = "os_v2_app_sandbox"


@dataclass(frozen=True, slots=True, kw_only=True)
class RateLimits:
    """Requests allowed per second, per app and per endpoint family; None turns a limit off.

    Defaults follow OneSignal's published limits (free tier for notifications).
    """

    users: int | None = 1000
    """Create/update/delete users, aliases and subscriptions (also the legacy tag PUT)."""
    per_user: int | None = 1
    """Writes per second to one user ("Subscription/User Update Per Device")."""
    notifications: int | None = 150
    """Create message (free tier; paid apps get 6000)."""
    views: int | None = 1
    """GET of a user or its identity."""
    custom_events: int | None = 1000
    """Custom events (OneSignal does not publish the figure)."""

    @classmethod
    def unlimited(cls) -> RateLimits:
        """No rate limits at all, for benchmarks and tests that do not care."""
        return cls(users=None, per_user=None, notifications=None, views=None, custom_events=None)


@dataclass(frozen=True, slots=True, kw_only=True)
class Faults:
    """Seeded fault injection applied to API requests (never to the /_sandbox/ endpoints).

    Each API request draws from ``random.Random(seed)`` in arrival order, so a run with the same
    requests in the same order sees the same faults. The rates are probabilities in [0, 1].
    A faulted request changes nothing, unless ``apply_then_fail`` is set: then 5xx and dropped
    requests are applied first and fail afterwards (the client cannot know it succeeded).
    """

    rate_429: float = 0.0
    rate_5xx: float = 0.0
    drop_rate: float = 0.0
    latency_ms: float = 0.0
    seed: int = 0
    apply_then_fail: bool = False

    def __post_init__(self) -> None:
        for name in ("rate_429", "rate_5xx", "drop_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"Faults.{name} must be between 0 and 1, got {value}")
        if self.rate_429 + self.rate_5xx + self.drop_rate > 1.0:
            raise ValueError("Faults: rate_429 + rate_5xx + drop_rate must not exceed 1")
        if self.latency_ms < 0:
            raise ValueError("Faults.latency_ms must not be negative")


@dataclass(frozen=True, slots=True, kw_only=True)
class SandboxConfig:
    """One sandboxed OneSignal app: its id and key, where state lives, limits and faults."""

    app_id: str = DEFAULT_APP_ID
    api_key: str = DEFAULT_API_KEY
    db_path: str | None = None
    """None keeps state in memory; a path keeps it in a SQLite file across restarts."""
    rate_limits: RateLimits = field(default_factory=RateLimits)
    faults: Faults = field(default_factory=Faults)
    max_recipients: int = 2000
    max_aliases: int = 20
    max_tags: int = 100
    max_subscriptions: int = 20
    max_body_bytes: int = 1_000_000
    export_ready_after: int = 2
    """GETs of a CSV export's ``csv_file_url`` answered "not ready" before the file is served
    (0: ready at once). OneSignal builds the file in the background (spec op
    ``export_subscriptions``: "may take several minutes"); counting GETs instead of seconds keeps
    tests deterministic without sleeping."""
    export_not_ready_status: int = 403
    """How a CSV export that is not ready answers: 403 (spec op ``export_subscriptions``, docs
    v7.0) or 404 with S3's ``NoSuchKey`` (https://documentation.onesignal.com/reference/csv-export).
    The sources disagree, so a client must take both; this picks which one it is tested with."""
    unknown_player_status: int = 404
    """How the legacy ``PUT /players/{player_id}`` answers an unknown player id: 404 (the current
    reference page, https://documentation.onesignal.com/reference/edit-device: "404 Not Found -
    Device with player_id not found") or 400 (the v1.4 spec op ``update_player`` lists no 404,
    and OneSignal's Android SDK treats a 400 whose ``errors`` hold "No user with this id found"
    as a deleted player: OneSignal-Android-SDK ``UserStateSynchronizer.doPutSync``). Both carry
    that text; this picks which status a client is tested with."""

    def __post_init__(self) -> None:
        if self.export_ready_after < 0:
            raise ValueError("SandboxConfig.export_ready_after must not be negative")
        if self.export_not_ready_status not in (403, 404):
            raise ValueError("SandboxConfig.export_not_ready_status must be 403 or 404")
        if self.unknown_player_status not in (400, 404):
            raise ValueError("SandboxConfig.unknown_player_status must be 400 or 404")
