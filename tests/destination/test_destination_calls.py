"""The payload builders of calls.py as values: what apply sends, before it goes on the wire."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from onesync.destination import (
    InvalidCall,
    calls,
    custom_event,
    idempotency_key,
    notification_body,
    resolve_send_after,
)

NOW = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("+30m", "2030-01-02T03:34:05Z"),
        ("+1h", "2030-01-02T04:04:05Z"),
        ("+2d", "2030-01-04T03:04:05Z"),
        ("+ 90s", "2030-01-02T03:05:35Z"),
        ("+15", "2030-01-02T03:04:20Z"),
        ("+1.5h", "2030-01-02T04:34:05Z"),
        ("2030-05-01 09:00:00 GMT-0700", "2030-05-01 09:00:00 GMT-0700"),  # OneSignal reads it
        ("tomorrow", "tomorrow"),
        ("", None),
        (None, None),
    ],
)
def test_send_after_delays_resolve_to_utc_at_send_time(value: str | None, expected: str) -> None:
    assert resolve_send_after(value, NOW) == expected


def test_send_after_counts_from_now_in_utc_whatever_the_zone() -> None:
    berlin = NOW.astimezone(timezone(timedelta(hours=1)))
    assert resolve_send_after("+1h", berlin) == "2030-01-02T04:04:05Z"
    assert resolve_send_after("+1h", NOW.replace(tzinfo=None)) == "2030-01-02T04:04:05Z"
    when = resolve_send_after("+1m")
    assert when and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", when)
    got = datetime.fromisoformat(when.replace("Z", "+00:00"))
    assert abs((got - datetime.now(UTC)).total_seconds() - 60) < 5


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        (
            {"channel": "push", "aliases": {"external_id": ["u1", "u2"]},
             "contents": {"en": "Hi", "de": "Hallo"}, "headings": {"en": "News"}},
            {"include_aliases": {"external_id": ["u1", "u2"]}, "target_channel": "push",
             "contents": {"en": "Hi", "de": "Hallo"}, "headings": {"en": "News"}},
        ),
        (
            {"channel": "email", "aliases": {"external_id": ["u1"]},
             "subject": {"de": "Betreff", "en": "Subject"}, "contents": {"en": "<p>Body</p>"},
             "headings": {"en": "ignored for email"}},
            {"include_aliases": {"external_id": ["u1"]}, "target_channel": "email",
             "email_subject": "Subject", "email_body": "<p>Body</p>"},
        ),
        (
            {"channel": "email", "email_tokens": ["a@b.com"], "subject": {"fr": "Objet"},
             "contents": "Texte"},
            {"email_to": ["a@b.com"], "email_subject": "Objet", "email_body": "Texte"},
        ),
        (
            {"channel": "sms", "phone_numbers": ["+15555551234"], "contents": "Code 1234"},
            {"include_phone_numbers": ["+15555551234"], "contents": {"en": "Code 1234"}},
        ),
        (
            {"channel": "push", "subscription_ids": ["s-1"], "template_id": "t-1",
             "custom_data": {"order": 7}, "send_after": "2030-05-01T09:00:00Z"},
            {"include_subscription_ids": ["s-1"], "target_channel": "push",
             "template_id": "t-1", "custom_data": {"order": 7},
             "send_after": "2030-05-01T09:00:00Z"},
        ),
        (
            {"channel": "push", "aliases": {"external_id": [], "crm_id": ["c1"]}, "contents": "x"},
            {"include_aliases": {"crm_id": ["c1"]}, "target_channel": "push",
             "contents": {"en": "x"}},
        ),
    ],
)  # fmt: skip
def test_notification_body_per_channel_and_targeting(
    kw: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert notification_body(**kw) == expected


def test_notification_body_resolves_a_delay_when_built() -> None:
    body = notification_body(channel="push", aliases={"external_id": ["u1"]}, contents="x",
                             send_after="+1h")  # fmt: skip
    when = datetime.fromisoformat(body["send_after"].replace("Z", "+00:00"))
    assert abs((when - datetime.now(UTC)).total_seconds() - 3600) < 5


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"channel": "push"}, "a message needs recipients"),
        ({"channel": "push", "aliases": {"external_id": []}}, "a message needs recipients"),
        ({"channel": "push", "aliases": {"external_id": ["u1"]}, "subscription_ids": ["s"]},
         "use one way to target a message, not include_aliases and include_subscription_ids"),
        ({"channel": "sms", "email_tokens": ["a@b.com"]}, "email_to sends email only, not sms"),
        ({"channel": "email", "phone_numbers": ["+1555"]}, "include_phone_numbers sends sms only"),
        ({"channel": "fax", "aliases": {"external_id": ["u1"]}}, "channel must be push, email"),
    ],
)  # fmt: skip
def test_notification_body_refuses_what_onesignal_would(kw: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidCall, match=re.escape(message)):
        notification_body(**kw)


def test_custom_event_carries_its_key_and_only_given_fields() -> None:
    key = idempotency_key("app", "orders", "o-1")
    assert custom_event(name="purchase", external_id="u1", idempotency_key=key) == {
        "name": "purchase", "external_id": "u1", "idempotency_key": key,
    }  # fmt: skip
    full = custom_event(name="purchase", external_id="u1", idempotency_key=key,
                        timestamp="2030-01-02T03:04:05Z", properties={"total": "9.5"})  # fmt: skip
    assert full["timestamp"] == "2030-01-02T03:04:05Z" and full["properties"] == {"total": "9.5"}


def test_subscriptions_carry_enabled_only_when_asked() -> None:
    assert calls.subscription_body("email", "a@b.com") == {"type": "Email", "token": "a@b.com"}
    assert calls.subscription_body("sms", "+1555", False)["enabled"] is False
    user = calls.create_user("app", {"external_id": "u1"}, None, {"email": "a@b.com"})
    assert user.body["subscriptions"] == [{"type": "Email", "token": "a@b.com"}]
    opted = calls.create_user("app", {"external_id": "u1"}, None, [("sms", "+1555")], True)
    assert opted.body["subscriptions"] == [{"type": "SMS", "token": "+1555", "enabled": True}]


@pytest.mark.parametrize(
    ("build", "args", "message"),
    [
        (calls.delete_subscription, ("",), "subscription_id is empty"),
        (calls.update_subscription, ("s1", {}), "update_subscription needs at least one field"),
        (calls.update_subscription_by_token, ("email", "", {"enabled": False}), "token is empty"),
        (calls.transfer_subscription, ("s1", {}), "needs exactly one alias, got 0"),
        (calls.transfer_subscription, ("s1", {"external_id": "u", "crm_id": "c"}),
         "needs exactly one alias, got 2"),
        (calls.set_subscription_identity, ("s1", {"onesignal_id": "x"}), "read-only"),
        (calls.delete_alias, ("external_id", "u1", "onesignal_id"), "read-only"),
        (calls.delete_user, ("external_id", ""), "alias external_id is empty"),
    ],
)  # fmt: skip
def test_calls_that_cannot_be_made(build: Any, args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(InvalidCall, match=message):
        build("app", *args)


def test_only_the_identity_get_is_a_view_call() -> None:
    assert calls.get_subscription_identity("app", "s1").view
    assert calls.get_user("app", "external_id", "u1").view
    writes = [
        calls.set_subscription_identity("app", "s1", {"crm_id": "c"}),
        calls.delete_subscription("app", "s1"),
        calls.update_subscription("app", "s1", {"enabled": False}),
        calls.update_subscription_by_token("app", "sms", "+1555", {"enabled": False}),
        calls.transfer_subscription("app", "s1", {"external_id": "u"}),
        calls.delete_alias("app", "external_id", "u", "crm_id"),
        calls.delete_user("app", "external_id", "u"),
    ]
    assert not any(c.view for c in writes)
