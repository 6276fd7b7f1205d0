"""The legacy "Edit device" ``PUT /players/{player_id}`` (§5) over the current-model store.

In the player model (API v1, SDK <= 4) every device, email address and phone number was a player;
in the current model that record is a subscription and the docs call the path parameter "The
OneSignal Subscription ID" (https://documentation.onesignal.com/reference/edit-device). So a
player id here is a subscription id, and what the player model kept on the player lives where the
current model keeps it: tags on the subscription's user, ``external_user_id`` as that user's
``external_id`` alias.

Linking follows what the current docs say a login does (https://documentation.onesignal.com/docs/
users: when the user context changes, "anonymous -> identified" or "UserA -> UserB", "the
Subscription is reassigned from the old User to the new one" and "will now inherit the properties
of the new User"). As everywhere in the sandbox, every check comes before the first change.
"""

from __future__ import annotations

from typing import Any

from onesync.sandbox import rules
from onesync.sandbox.core import APP_NOT_FOUND, Context, Request, Response, error
from onesync.sandbox.subscriptions import no_room
from onesync.sandbox.users import tag_limit

__all__ = ["FIELDS", "UNKNOWN_PLAYER", "edit_device"]

FIELDS = ("app_id", "tags", "external_user_id", "external_user_id_auth_hash")
"""The body fields the sandbox models (spec v1.4 ``Player``; ``app_id`` is required)."""
UNKNOWN_PLAYER = "No user with this id found"
"""v1's text for an unknown player id (OneSignal-Android-SDK ``UserStateSynchronizer``, which
matches it on a failed ``PUT players/{id}``; OneSignal-Website-SDK#146)."""

_Plan = tuple[str, dict[str, Any] | None, str | None]
"""(``stay`` / ``move`` / ``alias`` / ``new``, the user the subscription ends up with (None: a
new one), the external_id to give the owner (``alias``) or the new user)."""


def edit_device(ctx: Context, request: Request) -> Response:
    """PUT /players/{player_id}: tags and ``external_user_id`` of one subscription's user.

    ``200 {"success": true}`` (v1.4 spec ``UpdatePlayerSuccessResponse``, the reference page's
    example). ``400`` "app_id not found. ..." for a body without this app's ``app_id`` (the field
    is required; v1 answered a missing one so: tbalthazar/onesignal-ruby#11); the unknown-player
    status of ``SandboxConfig``; ``400`` for bad fields or tags; ``409`` when the user the
    subscription would move to already has the maximum of subscriptions.
    """
    payload = request.payload
    if not isinstance(payload, dict) or payload.get("app_id") != ctx.config.app_id:
        return error(400, APP_NOT_FOUND)
    found = ctx.store.find_subscription(request.params["player_id"])
    if found is None:
        return error(ctx.config.unknown_player_status, UNKNOWN_PLAYER, success=False)
    owner, sub = found
    if msg := _check_fields(payload):
        return error(400, msg, success=False)
    msg, changes = _tag_changes(payload.get("tags"))
    if msg:
        return error(400, msg, success=False)
    action, target, external_id = _link(ctx, owner, payload)
    current_tags = target["properties"]["tags"] if target is not None else {}
    if (too_many := tag_limit(ctx, current_tags, changes)) is not None:
        return too_many
    moving_to = target if target is not owner else None  # None too when a new user is made
    if moving_to is not None and (full := no_room(ctx, moving_to, [sub])) is not None:
        return full
    written = [owner] if target is None else [owner, target]
    if (limited := ctx.user_writes(*written)) is not None:
        return limited
    store = ctx.store
    if action == "alias":
        assert external_id is not None
        store.set_alias(owner, "external_id", external_id)
    if target is None:
        target = store.new_user()
        ctx.user_writes(target)  # counts as the new user's first write, as in create-user
        if external_id is not None:
            store.set_alias(target, "external_id", external_id)
    if target is not owner:
        moved = store.remove_subscription(owner, sub["type"], sub["token"])
        store.add_subscription(target, moved)
    if changes:
        target["properties"]["tags"] = rules.merged_tags(target["properties"]["tags"], changes)
        store.touch(target)
    return Response(200, {"success": True})


def _check_fields(payload: dict[str, Any]) -> str | None:
    """Only the fields the sandbox models; the rest of ``Player`` is refused, not dropped."""
    unknown = sorted(k for k in payload if k not in FIELDS)
    if unknown:
        return (
            f"The sandbox does not model {', '.join(unknown)} on PUT /players/{{player_id}}; "
            f"send only {', '.join(FIELDS)}"
        )
    value = payload.get("external_user_id")
    if value is not None and not isinstance(value, str):
        return 'external_user_id must be a string ("" or null removes it)'
    if value and (msg := rules.check_alias("external_id", value)):
        return msg
    auth_hash = payload.get("external_user_id_auth_hash")
    if auth_hash is not None and not isinstance(auth_hash, str):
        # Identity Verification is not modelled: a string hash is accepted and not checked.
        return "external_user_id_auth_hash must be a string"
    return None


def _tag_changes(tags: Any) -> tuple[str | None, dict[str, str | None]]:
    """Tag updates as ``rules.tag_updates`` reads them, with the player model's per-call cap.

    Spec v1.4 ``Player.tags``: "Setting a tag value to null or an empty string will remove the
    tag", "100 tags per call"; ``tags`` itself is nullable (null: no tag changes).
    """
    if tags is None:
        return None, {}
    if not isinstance(tags, dict):
        return 'tags must be an object such as {"level": "3"}', {}
    msg, changes = rules.tag_updates(tags)
    if msg:
        return msg, {}
    if len(changes) > rules.MAX_PROPERTY_UPDATES:
        return f"Please limit your tag updates to {rules.MAX_PROPERTY_UPDATES} per request", {}
    return None, changes


def _link(ctx: Context, owner: dict[str, Any], payload: dict[str, Any]) -> _Plan:
    """Where ``external_user_id`` puts the subscription, decided before anything changes.

    - absent, or the owner's own external_id: the subscription stays;
    - another user's external_id: the subscription moves to that user (docs/users, "switching
      accounts (UserA -> UserB)");
    - a new external_id on an anonymous owner: the owner gets it (the anonymous user becomes
      identified, as an SDK login does);
    - a new external_id on an owner that has another one: the subscription moves to a new user
      with it, and the old user keeps its id, tags and other subscriptions (a switch of
      accounts, not a rename of the person);
    - ``""`` or null removes it (the iOS SDK's removeExternalUserId sends ``""``, "which is what
      the API wants", OneSignal-iOS-SDK#453; the v1.4 spec makes the field nullable). The
      sandbox's reading, which no page states: the subscription moves to a new anonymous user,
      as an SDK logout gives the device a new OneSignal ID (docs/users), and the identified
      user keeps its external_id, tags and other subscriptions.
    """
    if "external_user_id" not in payload:
        return "stay", owner, None
    wanted = payload["external_user_id"] or None
    have = owner["identity"].get("external_id")
    if wanted is None:
        return ("stay", owner, None) if have is None else ("new", None, None)
    if wanted == have:
        return "stay", owner, None
    holder = ctx.store.find("external_id", wanted)
    if holder is not None:
        return "move", holder, None
    if have is None:
        return "alias", owner, wanted
    return "new", None, wanted
