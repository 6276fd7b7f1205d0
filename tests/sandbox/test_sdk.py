"""OneSignal's own Python SDK drives every route the sandbox serves.

The SDK (``onesignal-python-api``) is a client nobody here wrote, generated from OneSignal's
OpenAPI spec. It type-checks every answer against the spec's models and raises on a mismatch, so
each call below passing means the sandbox answered in a shape OneSignal's clients accept.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import onesignal
import pytest
from onesignal.api.default_api import DefaultApi
from onesignal.exceptions import ApiException
from onesignal.model.create_notification_success_response import (
    CreateNotificationSuccessResponse,
)
from onesignal.model.custom_event import CustomEvent
from onesignal.model.custom_events_request import CustomEventsRequest
from onesignal.model.export_subscriptions_request_body import ExportSubscriptionsRequestBody
from onesignal.model.generic_success_bool_response import GenericSuccessBoolResponse
from onesignal.model.include_aliases import IncludeAliases
from onesignal.model.notification import Notification
from onesignal.model.notification_slice import NotificationSlice
from onesignal.model.notification_with_meta import NotificationWithMeta
from onesignal.model.properties_body import PropertiesBody
from onesignal.model.properties_object import PropertiesObject
from onesignal.model.subscription import Subscription
from onesignal.model.subscription_body import SubscriptionBody
from onesignal.model.transfer_subscription_request_body import TransferSubscriptionRequestBody
from onesignal.model.update_user_request import UpdateUserRequest
from onesignal.model.user import User
from onesignal.model.user_identity_body import UserIdentityBody

from onesync.sandbox import Sandbox
from onesync.sandbox.routes import ROUTES

from .helpers import API_KEY, APP_ID

LEGACY = {  # §5: the player model's calls, not in the current SDK
    "PUT /apps/{app_id}/users/{external_user_id}",
    "PUT /players/{player_id}",
}


@pytest.fixture
def sdk(sb: Sandbox) -> Iterator[DefaultApi]:
    config = onesignal.Configuration(host=sb.url, rest_api_key=API_KEY)
    with onesignal.ApiClient(config) as client:
        yield DefaultApi(client)


def status(call: Any, *args: Any, **kwargs: Any) -> tuple[Any, int]:
    """The SDK's deserialized answer and the HTTP status."""
    data, code, _ = call(*args, _return_http_data_only=False, **kwargs)
    return data, code


def test_users_and_aliases(sdk: DefaultApi, sb: Sandbox) -> None:
    body = User(
        identity={"external_id": "sdk-1"},
        properties=PropertiesObject(tags={"plan": "pro"}, language="en"),
        subscriptions=[Subscription(type="Email", token="sdk-1@x.com", enabled=True)],
    )
    created, code = status(sdk.create_user, APP_ID, body)
    assert (type(created), code) == (User, 201)
    assert created.subscriptions[0].id  # §2: answers carry subscription ids
    fetched = sdk.get_user(APP_ID, "external_id", "sdk-1")
    assert isinstance(fetched, User)
    assert fetched.identity["onesignal_id"] == created.identity["onesignal_id"]
    update = UpdateUserRequest(properties=PropertiesObject(tags={"plan": "team"}))
    updated, code = status(sdk.update_user, APP_ID, "external_id", "sdk-1", update)
    assert (type(updated), code) == (PropertiesBody, 202)
    assert sb.user("external_id", "sdk-1")["properties"]["tags"] == {"plan": "team"}

    alias = UserIdentityBody(identity={"crm_id": "c-1"})
    assert sdk.create_alias(APP_ID, "external_id", "sdk-1", alias).identity["crm_id"] == "c-1"
    listed = sdk.get_aliases(APP_ID, "crm_id", "c-1")
    assert isinstance(listed, UserIdentityBody) and listed.identity["external_id"] == "sdk-1"
    left = sdk.delete_alias(APP_ID, "external_id", "sdk-1", "crm_id")
    assert "crm_id" not in left.identity

    _, code = status(sdk.delete_user, APP_ID, "external_id", "sdk-1")
    assert code == 200
    with pytest.raises(ApiException) as gone:
        sdk.get_user(APP_ID, "external_id", "sdk-1")
    assert gone.value.status == 404


def test_subscriptions(sdk: DefaultApi, sb: Sandbox) -> None:
    for who in ("sdk-a", "sdk-b"):
        sdk.create_user(APP_ID, User(identity={"external_id": who}))
    sms = SubscriptionBody(subscription=Subscription(type="SMS", token="+15555550100"))
    made, code = status(sdk.create_subscription, APP_ID, "external_id", "sdk-a", sms)
    assert (type(made), code) == (SubscriptionBody, 201)
    sub_id = made.subscription.id
    assert made.subscription.enabled is True

    off = SubscriptionBody(subscription=Subscription(enabled=False))
    _, code = status(sdk.update_subscription, APP_ID, sub_id, off)
    assert code == 200
    assert sb.user("external_id", "sdk-a")["subscriptions"][0]["enabled"] is False

    on = SubscriptionBody(subscription=Subscription(enabled=True))
    answer, code = status(sdk.update_subscription_by_token, APP_ID, "SMS", "+15555550100", on)
    assert (answer, code) == ({}, 202)

    owner = sdk.get_aliases_by_subscription(APP_ID, sub_id)
    assert isinstance(owner, UserIdentityBody) and owner.identity["external_id"] == "sdk-a"
    alias = UserIdentityBody(identity={"crm_id": "c-a"})
    assert sdk.create_alias_by_subscription(APP_ID, sub_id, alias).identity["crm_id"] == "c-a"

    move = TransferSubscriptionRequestBody(identity={"external_id": "sdk-b"})
    moved = sdk.transfer_subscription(APP_ID, sub_id, move)
    assert isinstance(moved, UserIdentityBody) and moved.identity["external_id"] == "sdk-b"
    assert [s["id"] for s in sb.user("external_id", "sdk-b")["subscriptions"]] == [sub_id]

    _, code = status(sdk.delete_subscription, APP_ID, sub_id)
    assert code == 202
    assert sb.user("external_id", "sdk-b")["subscriptions"] == []


def test_custom_events(sdk: DefaultApi, sb: Sandbox) -> None:
    sdk.create_user(APP_ID, User(identity={"external_id": "sdk-e"}))
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    events = CustomEventsRequest(
        events=[
            CustomEvent(name="purchase", external_id="sdk-e", payload={"sku": "A"}, timestamp=when),
            CustomEvent(name="login", external_id="nobody"),
        ]
    )
    answer, code = status(sdk.create_custom_events, APP_ID, events)
    assert code == 202  # §4: partial failure lists the events whose user is unknown
    assert answer["errors"][0]["event_user_id"] == "nobody"
    [stored] = sb.snapshot()["events"]
    assert (stored["properties"], stored["timestamp"]) == ({"sku": "A"}, "2026-01-02T03:04:05Z")


def test_notifications(sdk: DefaultApi, sb: Sandbox) -> None:
    subs = [Subscription(type="Email", token="sdk-n@x.com")]
    sdk.create_user(APP_ID, User(identity={"external_id": "sdk-n"}, subscriptions=subs))
    later = datetime.now(UTC) + timedelta(days=1)
    note = Notification(
        app_id=APP_ID,
        include_aliases=IncludeAliases(external_id=["sdk-n", "ghost"]),
        target_channel="email",
        email_subject="Hi",
        email_body="<p>Hello</p>",
        send_after=later,
        idempotency_key=str(uuid.uuid4()),
    )
    sent = sdk.create_notification(note)
    assert isinstance(sent, CreateNotificationSuccessResponse)
    assert sent.id and sent.errors == {"invalid_aliases": {"external_id": ["ghost"]}}

    nobody = sdk.create_notification(
        Notification(
            app_id=APP_ID,
            include_aliases=IncludeAliases(external_id=["ghost"]),
            target_channel="email",
            email_subject="Hi",
            email_body="<p>Hello</p>",
        )
    )
    assert (nobody.id, nobody.errors) == ("", ["All included players are not subscribed"])

    viewed = sdk.get_notification(APP_ID, sent.id)
    assert isinstance(viewed, NotificationWithMeta)
    assert viewed.send_after == int(later.timestamp())  # Unix seconds, as the spec has them
    assert (viewed.remaining, viewed.successful, viewed.completed_at) == (1, 0, None)
    page = sdk.get_notifications(APP_ID, limit=10, offset=0)
    assert isinstance(page, NotificationSlice)
    assert [n.id for n in page.notifications] == [sent.id]

    canceled = sdk.cancel_notification(APP_ID, sent.id)
    assert isinstance(canceled, GenericSuccessBoolResponse) and canceled.success is True
    after = sdk.get_notification(APP_ID, sent.id)
    assert (after.canceled, after.remaining, after.successful) == (True, 0, 0)


def test_every_route_is_driven_by_the_sdk(sdk: DefaultApi, sb: Sandbox) -> None:
    """The tests above, in one run: each route of the table answered the SDK without an error."""
    test_users_and_aliases(sdk, sb)
    test_subscriptions(sdk, sb)
    test_custom_events(sdk, sb)
    test_notifications(sdk, sb)
    exported = sdk.export_subscriptions(
        APP_ID, export_subscriptions_request_body=ExportSubscriptionsRequestBody()
    )
    assert str(exported.csv_file_url).endswith(".csv.gz")
    counted = sb.snapshot()["requests_by_endpoint"]
    assert {r.name for r in ROUTES} - set(counted) == LEGACY
