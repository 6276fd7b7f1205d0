"""Users (§1.1-1.4) and the legacy tag PUT (§5): create, view, update, delete.

Every handler checks everything before it changes anything: a request answered with an error
leaves the state as it was.
"""

from __future__ import annotations

from typing import Any

from onesync.sandbox import rules
from onesync.sandbox.core import (
    Context,
    Request,
    Response,
    alias_conflict,
    error,
    user_not_found,
)
from onesync.sandbox.store import public_user
from onesync.sandbox.subscriptions import attach, no_room

__all__ = [
    "create_user",
    "delete_user",
    "legacy_tags",
    "update_user",
    "view_user",
]


def create_user(ctx: Context, request: Request) -> Response:
    """POST /apps/{app_id}/users: a new user (201), or the one its aliases name (200)."""
    payload = request.payload
    if not isinstance(payload, dict):
        return error(400, "Body must be a User object with identity, properties, subscriptions")
    identity = payload.get("identity") or {}
    props = payload.get("properties") or {}
    subs_in = payload.get("subscriptions") or []
    if not isinstance(identity, dict) or not isinstance(subs_in, list):
        return error(400, "identity must be an object and subscriptions an array")
    if not identity and not subs_in:
        return error(400, "Include at least one alias in identity or one subscription")
    for label, value in identity.items():
        if label != "onesignal_id" and (msg := rules.check_alias(label, value)):
            return error(400, msg)
    problem, tag_changes = check_props(props)
    if problem:
        return problem
    subs: dict[tuple[str, str], dict[str, Any]] = {}
    for sub in subs_in:
        msg, clean = rules.check_subscription(sub)
        if msg:
            return error(400, msg)
        subs[(clean["type"], clean["token"])] = clean  # the same token twice: the last one wins
    store = ctx.store
    owners = {
        label: u["identity"]["onesignal_id"]
        for label, value in identity.items()
        if (u := store.find(label, value)) is not None
    }
    if "onesignal_id" in identity and "onesignal_id" not in owners:
        return user_not_found("onesignal_id", identity["onesignal_id"])
    user: dict[str, Any] | None = None
    if owners:
        target_id = owners.get("external_id") or next(iter(owners.values()))
        clash = {k: identity[k] for k, oid in owners.items() if oid != target_id}
        if clash:
            return alias_conflict(clash)
        user = store.users[target_id]
    current = user["identity"] if user else {}
    merged = {**current, **{k: v for k, v in identity.items() if k != "onesignal_id"}}
    if rules.custom_alias_count(merged) > ctx.config.max_aliases:
        return error(400, f"A user can have at most {ctx.config.max_aliases} custom aliases")
    if user and (msg := _label_change(user, identity)):
        return error(409, msg)
    old_tags = user["properties"]["tags"] if user else {}
    if (too_many := tag_limit(ctx, old_tags, tag_changes)) is not None:
        return too_many
    if (full := no_room(ctx, user, list(subs.values()))) is not None:
        return full
    if user is not None and (limited := ctx.user_write(user)) is not None:
        return limited
    status = 200
    if user is None:
        user, status = store.new_user(), 201
        ctx.user_write(user)  # counts as this user's first write
    for label, value in identity.items():
        if label != "onesignal_id":
            store.set_alias(user, label, value)
    apply_props(ctx, user, props, tag_changes)
    for sub in subs.values():
        attach(ctx, user, sub)
    return Response(status, public_user(user))


def _label_change(user: dict[str, Any], identity: dict[str, Any]) -> str | None:
    """Create-user looks users up by alias; it never renames an alias the user has."""
    for label, value in identity.items():
        have = user["identity"].get(label)
        if label != "onesignal_id" and have is not None and have != value:
            return (
                f"User already has {label}={have}; change aliases with "
                "PATCH /apps/{app_id}/users/by/{label}/{id}/identity"
            )
    return None


def view_user(ctx: Context, request: Request) -> Response:
    """GET …/users/by/{alias_label}/{alias_id}: identity, properties, subscriptions (§1.3)."""
    user = ctx.find_user(request)
    return user if isinstance(user, Response) else Response(200, public_user(user))


def update_user(ctx: Context, request: Request) -> Response:
    """PATCH …/users/by/{alias_label}/{alias_id}: properties merge, deltas add up (§1.2)."""
    user = ctx.find_user(request)
    if isinstance(user, Response):
        return user
    payload = request.payload
    if not isinstance(payload, dict):
        return error(400, 'Body must be an object such as {"properties": {"tags": {...}}}')
    props = payload.get("properties") or {}
    deltas = payload.get("deltas") or {}
    problem, tag_changes = check_props(props)
    if problem:
        return problem
    if not isinstance(deltas, dict) or any(
        k not in ("session_time", "session_count", "purchases") for k in deltas
    ):
        return error(400, "deltas may only hold session_time, session_count and purchases")
    if (too_many := tag_limit(ctx, user["properties"]["tags"], tag_changes)) is not None:
        return too_many
    if (limited := ctx.user_write(user)) is not None:
        return limited
    apply_props(ctx, user, props, tag_changes)
    for key in ("session_time", "session_count"):
        if isinstance(deltas.get(key), int):
            user["properties"][key] = user["properties"].get(key, 0) + deltas[key]
    if isinstance(deltas.get("purchases"), list):
        user["properties"].setdefault("purchases", []).extend(deltas["purchases"])
    echoed = dict(props)
    if "tags" in props:
        echoed["tags"] = {k: ("" if v is None else v) for k, v in tag_changes.items()}
    return Response(202, {"properties": echoed})


def delete_user(ctx: Context, request: Request) -> Response:
    """DELETE …/users/by/{alias_label}/{alias_id}: the user, its aliases and subscriptions go.

    200 without a body (spec ``delete_user``). Afterwards every route for the user answers 404
    and create-user makes a new user with a new onesignal_id; only a tombstone stays for display.
    """
    user = ctx.find_user(request)
    if isinstance(user, Response):
        return user
    if (limited := ctx.user_write(user)) is not None:
        return limited
    ctx.store.delete_user(user)
    return Response(200)


def legacy_tags(ctx: Context, request: Request) -> Response:
    """PUT /apps/{app_id}/users/{external_user_id} (§5): edit tags by external user id."""
    user = ctx.store.find("external_id", request.params["external_user_id"])
    if user is None:
        return error(404, "No players found for given external_user_id", success=False)
    payload = request.payload
    tags = payload.get("tags") if isinstance(payload, dict) else None
    msg, changes = rules.tag_updates(tags)
    if msg:
        return error(400, msg, success=False)
    if len(changes) > rules.MAX_PROPERTY_UPDATES:
        return error(400, "Please limit your tag updates to 100 per request", success=False)
    if (too_many := tag_limit(ctx, user["properties"]["tags"], changes)) is not None:
        return too_many
    if (limited := ctx.user_write(user)) is not None:
        return limited
    user["properties"]["tags"] = rules.merged_tags(user["properties"]["tags"], changes)
    ctx.store.touch(user)
    return Response(200, {"success": True})


# -- properties ------------------------------------------------------------------------------


def check_props(props: Any) -> tuple[Response | None, dict[str, str | None]]:
    """A 400 for a bad PropertiesObject, else the tag changes it asks for."""
    if msg := rules.check_properties(props):
        return error(400, msg), {}
    if "tags" not in props:
        return None, {}
    msg, changes = rules.tag_updates(props["tags"])
    return (error(400, msg) if msg else None), changes


def tag_limit(
    ctx: Context, current: dict[str, str], changes: dict[str, str | None]
) -> Response | None:
    """The per-user tag limit (§1.2, §8.2), counted after the changes."""
    if len(rules.merged_tags(current, changes)) > ctx.config.max_tags:
        limit = ctx.config.max_tags
        return error(
            400, f"App is limited to a maximum of {limit} tags on a given player", success=False
        )
    return None


def apply_props(
    ctx: Context, user: dict[str, Any], props: dict[str, Any], changes: dict[str, str | None]
) -> None:
    stored = user["properties"]
    for key, value in props.items():
        if key == "tags":
            stored["tags"] = rules.merged_tags(stored["tags"], changes)
        elif key == "purchases":
            stored.setdefault("purchases", []).extend(value)
        else:
            stored[key] = value
    ctx.store.touch(user)
