"""Every API route the sandbox serves, as one table.

Each row names the HTTP method, the path template (as the OpenAPI spec spells it), the handler,
the rate-limit family it counts against, and so the name its requests are counted under
(``"PATCH /apps/{app_id}/users/by/{alias_label}/{alias_id}"``). :func:`match` reads only this
table: what is dispatched and what is counted cannot drift apart.

A template may end in a query part, as the spec spells ``/players/csv_export?app_id={app_id}``:
its ``{parameter}`` values are read from the request's query string (missing ones are ``""``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote

from onesync.sandbox import events, export, identity, notifications, players, subscriptions, users
from onesync.sandbox.core import Handler

__all__ = ["FAMILIES", "ROUTES", "Match", "Route", "match"]

FAMILIES = {
    "users": "User/Subscription Per App",
    "views": "View Per App",
    "notifications": "Create Notification Per App",
    "custom_events": "Custom Events Per App",
}
"""Rate-limit family -> the ``limit`` name a 429 gives (§6); limits are in ``RateLimits``."""


@dataclass(frozen=True, slots=True)
class Route:
    """One row of the table."""

    method: str
    template: str
    handler: Handler
    family: str
    segments: tuple[str | None, ...] = field(init=False, repr=False, compare=False)
    """The template split at ``/``: literal segments, None for a ``{parameter}``."""
    params: tuple[str, ...] = field(init=False, repr=False, compare=False)
    query: tuple[tuple[str, str], ...] = field(init=False, repr=False, compare=False)
    """(query key, parameter) pairs of the template's query part, e.g. ``("app_id", "app_id")``."""

    def __post_init__(self) -> None:
        path, _, query = self.template.partition("?")
        parts = path.strip("/").split("/")
        segments = tuple(None if p.startswith("{") else p for p in parts)
        object.__setattr__(self, "segments", segments)
        object.__setattr__(self, "params", tuple(p[1:-1] for p in parts if p.startswith("{")))
        pairs = (q.partition("=") for q in query.split("&") if q)
        object.__setattr__(self, "query", tuple((key, value[1:-1]) for key, _, value in pairs))
        if self.family not in FAMILIES:
            raise ValueError(f"{self.template}: unknown rate-limit family {self.family!r}")

    @property
    def name(self) -> str:
        """What requests to this route are counted under (``requests_by_endpoint``)."""
        return f"{self.method} {self.template}"


_USER = "/apps/{app_id}/users/by/{alias_label}/{alias_id}"
_SUB = "/apps/{app_id}/subscriptions/{subscription_id}"

ROUTES: tuple[Route, ...] = (
    # users (§1.1-1.4, legacy §5)
    Route("POST", "/apps/{app_id}/users", users.create_user, "users"),
    Route("GET", _USER, users.view_user, "views"),
    Route("PATCH", _USER, users.update_user, "users"),
    Route("DELETE", _USER, users.delete_user, "users"),
    Route("PUT", "/apps/{app_id}/users/{external_user_id}", users.legacy_tags, "users"),
    # legacy "Edit device" (§5, v1.4 spec op update_player): a player id is a subscription id
    Route("PUT", "/players/{player_id}", players.edit_device, "users"),
    # identity (§1.5)
    Route("GET", _USER + "/identity", identity.view_identity, "views"),
    Route("PATCH", _USER + "/identity", identity.upsert_identity, "users"),
    Route("DELETE", _USER + "/identity/{alias_label_to_delete}", identity.delete_alias, "users"),
    Route("GET", _SUB + "/user/identity", identity.view_identity_by_subscription, "views"),
    Route("PATCH", _SUB + "/user/identity", identity.upsert_identity_by_subscription, "users"),
    # subscriptions (§2)
    Route("POST", _USER + "/subscriptions", subscriptions.create_subscription, "users"),
    Route("PATCH", _SUB, subscriptions.update_subscription, "users"),
    Route("DELETE", _SUB, subscriptions.delete_subscription, "users"),
    Route("PATCH", _SUB + "/owner", subscriptions.transfer_subscription, "users"),
    Route(
        "PATCH",
        "/apps/{app_id}/subscriptions_by_token/{token_type}/{token}",
        subscriptions.update_subscription_by_token,
        "users",
    ),
    # custom events (§4)
    Route("POST", "/apps/{app_id}/custom_events", events.create_custom_events, "custom_events"),
    # notifications (§3)
    Route("POST", "/notifications", notifications.create_notification, "notifications"),
    Route("GET", "/notifications", notifications.list_notifications, "views"),
    Route("GET", "/notifications/{notification_id}", notifications.view_notification, "views"),
    Route(
        "DELETE",
        "/notifications/{notification_id}",
        notifications.cancel_notification,
        "notifications",
    ),
    # CSV export (spec op export_subscriptions). OneSignal publishes no limit for it; it reads
    # every user, so it counts as a view (1/s per app, "View endpoints ... user", §6), the
    # strictest family, beside its own one-export-at-a-time rule.
    Route("POST", "/players/csv_export?app_id={app_id}", export.export_subscriptions, "views"),
)


@dataclass(frozen=True, slots=True)
class Match:
    """Where a request goes: its route (None when nothing matches) and decoded path values."""

    name: str
    route: Route | None
    params: dict[str, str]
    path: str
    allowed: tuple[str, ...] = ()
    """Methods this path has when ``route`` is None because only the method did not match."""


_Group = tuple[tuple[str | None, ...], str, dict[str, Route]]


def _index(routes: tuple[Route, ...]) -> dict[int, list[_Group]]:
    """Templates by segment count, the most literal first, each with its routes by method."""
    groups: dict[str, _Group] = {}
    for route in routes:
        group = groups.setdefault(route.template, (route.segments, route.template, {}))
        if route.method in group[2]:
            raise ValueError(f"{route.name} is in the route table twice")
        group[2][route.method] = route
    by_length: dict[int, list[_Group]] = {}
    for group in groups.values():
        by_length.setdefault(len(group[0]), []).append(group)
    for rows in by_length.values():
        rows.sort(key=lambda g: -sum(s is not None for s in g[0]))
    return by_length


_BY_LENGTH = _index(ROUTES)


def match(method: str, target: str) -> Match:
    """The route for ``method`` and a request target (``/api/v1`` prefix and query allowed)."""
    path = target.split("?", 1)[0]
    if path.startswith("/api/v1/"):
        path = path[len("/api/v1") :]
    parts = [unquote(p) for p in path.strip("/").split("/")]
    for segments, template, methods in _BY_LENGTH.get(len(parts), ()):
        if not all(s is None or s == p for s, p in zip(segments, parts)):
            continue
        route = methods.get(method)
        if route is None:
            return Match(f"{method} {template}", None, {}, path, tuple(methods))
        values = [p for s, p in zip(segments, parts) if s is None]
        params = dict(zip(route.params, values))
        if route.query:
            given = dict(parse_qsl(target.partition("?")[2]))
            params.update((param, given.get(key, "")) for key, param in route.query)
        return Match(route.name, route, params, path)
    return Match(f"{method} (no such endpoint)", None, {}, path)
