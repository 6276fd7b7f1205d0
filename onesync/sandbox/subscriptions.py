"""Subscriptions (§2): create under a user, update (by id or by token), delete, transfer.

A (type, token) pair exists once per app. Creating one that exists moves it to the new user and
keeps its id and, unless the request says otherwise, its ``enabled`` state: an unsubscribe a
person made holds when a sync sends the same address again.
"""

from __future__ import annotations

import uuid
from typing import Any

from onesync.sandbox import rules
from onesync.sandbox.core import Context, Request, Response, error, user_not_found

__all__ = [
    "attach",
    "create_subscription",
    "delete_subscription",
    "no_room",
    "transfer_subscription",
    "update_subscription",
    "update_subscription_by_token",
]

TOO_MANY = (
    "Operation is not permitted due to user having the maximum number of subscriptions assigned"
)
_TYPES = {name.lower(): name for name in rules.SUBSCRIPTION_TYPES}


def create_subscription(ctx: Context, request: Request) -> Response:
    """POST …/users/by/{alias_label}/{alias_id}/subscriptions.

    201 with the subscription, new or moved here from another user (same id); 202 when the user
    already had that token (updated in place). 409 past the per-user maximum (§2).
    """
    user = ctx.find_user(request)
    if isinstance(user, Response):
        return user
    sub_in = request.payload.get("subscription") if isinstance(request.payload, dict) else None
    msg, sub = rules.check_subscription(sub_in)
    if msg:
        return error(400, msg)
    if (full := no_room(ctx, user, [sub])) is not None:
        return full
    if (limited := ctx.user_write(user)) is not None:
        return limited
    mine = ctx.store.subscription_owner(sub["type"], sub["token"]) is user
    return Response(202 if mine else 201, {"subscription": attach(ctx, user, sub)})


def update_subscription(ctx: Context, request: Request) -> Response:
    """PATCH /apps/{app_id}/subscriptions/{subscription_id}: 200 without a body (spec)."""
    found = ctx.find_subscription(request)
    if isinstance(found, Response):
        return found
    return _update(ctx, *found, request.payload, Response(200))


def update_subscription_by_token(ctx: Context, request: Request) -> Response:
    """PATCH /apps/{app_id}/subscriptions_by_token/{token_type}/{token}: 202 ``{}`` (spec)."""
    kind = _TYPES.get(request.params["token_type"].lower())
    if kind is None:
        return error(
            400, f"token_type must be one of {', '.join(sorted(rules.SUBSCRIPTION_TYPES))}"
        )
    token = request.params["token"]
    owner = ctx.store.subscription_owner(kind, token)
    if owner is None:
        return error(404, f"No {kind} subscription with token '{token}'")
    sub = next(s for s in owner["subscriptions"] if (s["type"], s["token"]) == (kind, token))
    return _update(ctx, owner, sub, request.payload, Response(202, {}))


def delete_subscription(ctx: Context, request: Request) -> Response:
    """DELETE /apps/{app_id}/subscriptions/{subscription_id}: 202 without a body (spec)."""
    found = ctx.find_subscription(request)
    if isinstance(found, Response):
        return found
    owner, sub = found
    if (limited := ctx.subscription_write(sub["id"])) is not None:
        return limited
    ctx.store.remove_subscription(owner, sub["type"], sub["token"])
    return Response(202)


def transfer_subscription(ctx: Context, request: Request) -> Response:
    """PATCH …/subscriptions/{subscription_id}/owner ``{"identity": {label: value}}``.

    Exactly one alias names the new owner (spec ``TransferSubscriptionRequestBody``); the answer
    is that user's identity. The subscription keeps its id, token and enabled state.
    """
    found = ctx.find_subscription(request)
    if isinstance(found, Response):
        return found
    owner, sub = found
    identity = request.payload.get("identity") if isinstance(request.payload, dict) else None
    if not isinstance(identity, dict) or len(identity) != 1:
        return error(400, 'Body must be {"identity": {"label": "value"}} with exactly one alias')
    [(label, value)] = identity.items()
    if not isinstance(value, str):
        return error(400, f"Alias '{label}' must have a string value")
    target = ctx.store.find(label, value)
    if target is None:
        return user_not_found(label, value)
    if target is not owner:
        if (full := no_room(ctx, target, [sub])) is not None:
            return full
        if (limited := ctx.subscription_write(sub["id"])) is not None:
            return limited
        moved = ctx.store.remove_subscription(owner, sub["type"], sub["token"])
        ctx.store.add_subscription(target, moved)
    return Response(200, {"identity": dict(target["identity"])})


# -- shared by users.create_user ---------------------------------------------------------------


def no_room(
    ctx: Context, user: dict[str, Any] | None, subs: list[dict[str, Any]]
) -> Response | None:
    """409 when the subscriptions would take the user past the maximum (20, §2)."""
    have = {(s["type"], s["token"]) for s in user["subscriptions"]} if user else set()
    new = {(s["type"], s["token"]) for s in subs} - have
    if len(have) + len(new) > ctx.config.max_subscriptions:
        return Response(409, {"errors": [{"code": "subscription-0", "title": TOO_MANY}]})
    return None


def attach(ctx: Context, user: dict[str, Any], sub: dict[str, Any]) -> dict[str, Any]:
    """Give ``user`` the checked subscription ``sub``; returns the stored subscription.

    A token the user has is updated in place; one another user has is moved here (§2: "the
    subscription will be transferred"); both keep their id, and their ``enabled`` unless ``sub``
    sets it. A new token gets a new id and is enabled unless ``sub`` says otherwise.
    """
    store = ctx.store
    owner = store.subscription_owner(sub["type"], sub["token"])
    if owner is user:
        mine: dict[str, Any] = next(
            s
            for s in user["subscriptions"]
            if (s["type"], s["token"]) == (sub["type"], sub["token"])
        )
        mine.update(sub)
        store.touch(user)
        return mine
    if owner is not None:
        moved = store.remove_subscription(owner, sub["type"], sub["token"])
        moved.update(sub)
        store.add_subscription(user, moved)
        return moved
    created = {"id": str(uuid.uuid4()), "enabled": True, **sub}
    created = {k: created[k] for k in ("id", "type", "token", "enabled")} | created
    store.add_subscription(user, created)
    return created


def _update(
    ctx: Context,
    owner: dict[str, Any],
    sub: dict[str, Any],
    payload: Any,
    done: Response,
) -> Response:
    """Apply a ``{"subscription": {...}}`` body to an existing subscription."""
    sub_in = payload.get("subscription") if isinstance(payload, dict) else None
    msg, changes = rules.check_subscription(sub_in, current_type=sub["type"])
    if msg:
        return error(400, msg)
    token = changes.pop("token", sub["token"])
    if token != sub["token"] and ctx.store.subscription_owner(sub["type"], token) is not None:
        return error(409, f"Another {sub['type']} subscription already has the token '{token}'")
    if (limited := ctx.subscription_write(sub["id"])) is not None:
        return limited
    if token != sub["token"]:
        ctx.store.set_token(owner, sub, token)
    sub.update(changes)
    ctx.store.touch(owner)
    return done
