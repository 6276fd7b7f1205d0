"""Aliases (§1.5): list, upsert and delete, by user alias or by one of the user's subscriptions."""

from __future__ import annotations

from typing import Any

from onesync.sandbox import rules
from onesync.sandbox.core import Context, Request, Response, alias_conflict, error

__all__ = [
    "delete_alias",
    "upsert_identity",
    "upsert_identity_by_subscription",
    "view_identity",
    "view_identity_by_subscription",
]


def view_identity(ctx: Context, request: Request) -> Response:
    """GET …/users/by/{alias_label}/{alias_id}/identity."""
    user = ctx.find_user(request)
    return user if isinstance(user, Response) else _identity(user)


def upsert_identity(ctx: Context, request: Request) -> Response:
    """PATCH …/users/by/{alias_label}/{alias_id}/identity: 200, or 409 for a taken alias."""
    user = ctx.find_user(request)
    return user if isinstance(user, Response) else _upsert(ctx, user, request.payload)


def delete_alias(ctx: Context, request: Request) -> Response:
    """DELETE …/identity/{alias_label_to_delete}: 200 with the aliases left."""
    user = ctx.find_user(request)
    if isinstance(user, Response):
        return user
    label = request.params["alias_label_to_delete"]
    if label == "onesignal_id":
        return error(400, "onesignal_id is read-only; it cannot be deleted")
    if (limited := ctx.user_write(user)) is not None:
        return limited
    ctx.store.remove_alias(user, label)
    return _identity(user)


def view_identity_by_subscription(ctx: Context, request: Request) -> Response:
    """GET /apps/{app_id}/subscriptions/{subscription_id}/user/identity: the owner's aliases."""
    found = ctx.find_subscription(request)
    return found if isinstance(found, Response) else _identity(found[0])


def upsert_identity_by_subscription(ctx: Context, request: Request) -> Response:
    """PATCH …/subscriptions/{subscription_id}/user/identity: upsert on the owner."""
    found = ctx.find_subscription(request)
    return found if isinstance(found, Response) else _upsert(ctx, found[0], request.payload)


def _identity(user: dict[str, Any]) -> Response:
    return Response(200, {"identity": dict(user["identity"])})


def _upsert(ctx: Context, user: dict[str, Any], payload: Any) -> Response:
    identity = payload.get("identity") if isinstance(payload, dict) else None
    if not isinstance(identity, dict) or not identity:
        return error(400, 'Body must be {"identity": {"label": "value", ...}}')
    for label, value in identity.items():
        if label == "onesignal_id":
            return error(400, "onesignal_id is read-only; it cannot be set or changed")
        if msg := rules.check_alias(label, value):
            return error(400, msg)
    me = user["identity"]["onesignal_id"]
    clash = {
        k: v
        for k, v in identity.items()
        if (owner := ctx.store.find(k, v)) is not None and owner["identity"]["onesignal_id"] != me
    }
    if clash:
        return alias_conflict(clash)
    if rules.custom_alias_count({**user["identity"], **identity}) > ctx.config.max_aliases:
        return error(400, f"A user can have at most {ctx.config.max_aliases} custom aliases")
    if (limited := ctx.user_write(user)) is not None:
        return limited
    for label, value in identity.items():
        ctx.store.set_alias(user, label, value)
    return _identity(user)
