"""The CSV export (spec op ``export_subscriptions``): the request, the file's readiness, its rows.

Sources as in ``onesync/sandbox/export.py``: the spec's ``export_subscriptions`` description and
https://documentation.onesignal.com/reference/csv-export ("docs").
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import secrets
from collections.abc import Callable

import httpx
import onesignal
import pytest
import yaml
from onesignal.api.default_api import DefaultApi
from onesignal.model.export_subscriptions_request_body import ExportSubscriptionsRequestBody
from onesignal.model.export_subscriptions_success_response import (
    ExportSubscriptionsSuccessResponse,
)

from onesync.sandbox import Sandbox, SandboxConfig
from onesync.sandbox.export import DEFAULT_COLUMNS, DEVICE_TYPES, EXTRA_FIELDS
from onesync.sandbox.rules import SUBSCRIPTION_TYPES

from .helpers import API_KEY, APP_ID, AUTH, spec_text, users_path

EXPORT = f"/players/csv_export?app_id={APP_ID}"
ROUTE = "POST /players/csv_export?app_id={app_id}"
LAST_ACTIVE = 1_767_323_045  # 2026-01-02 03:04:05 UTC
PUSH_TOKEN = "7abcd558f29d0b1f048083e2834ad8ea4b3d87d8ad9c088b33c132706ff445f0"

MakeSandbox = Callable[..., Sandbox]


def client(sb: Sandbox) -> httpx.Client:
    return httpx.Client(base_url=sb.url, headers=AUTH, timeout=10)


def seed(api: httpx.Client) -> None:
    """Four users: tags, email and SMS; no external id; an unsubscribed email; a -2 push."""
    bodies: list[dict[str, object]] = [
        {
            "identity": {"external_id": "u-1"},
            "properties": {
                "tags": {"plan": "pro", "level": 3, "city": 'Köln, "Altstadt"'},
                "language": "de",
                "country": "DE",
                "timezone_id": "UTC",
                "last_active": LAST_ACTIVE,
                "amount_spent": "12.50",
                "lat": 50.9,
                "long": 6.9,
                "ip": "192.0.2.1",
            },
            "subscriptions": [
                {"type": "Email", "token": "one@example.com"},
                {"type": "SMS", "token": "+15555550001"},
            ],
        },
        {
            "identity": {"crm_id": "c-2"},  # no external_id
            "subscriptions": [
                {
                    "type": "iOSPush",
                    "token": PUSH_TOKEN,
                    "notification_types": 1,
                    "session_count": 7,
                    "session_time": 600,
                    "device_os": "17.1",
                    "device_model": "iPhone14,2",
                    "app_version": "1.0.0",
                    "rooted": False,
                }
            ],
        },
        {
            "identity": {"external_id": "u-3"},
            "properties": {"tags": {"plan": "free"}, "last_active": LAST_ACTIVE - 100},
            "subscriptions": [{"type": "Email", "token": "three@example.com", "enabled": False}],
        },
        {
            "identity": {"external_id": "u-4"},
            "subscriptions": [
                {"type": "ChromePush", "token": "chrome-token", "notification_types": -2}
            ],
        },
    ]
    for body in bodies:
        reply = api.post(users_path(), json=body)
        assert reply.status_code == 201, reply.text


def request_export(api: httpx.Client, **body: object) -> str:
    reply = api.post(EXPORT, json=body)
    assert reply.status_code == 200, reply.text
    url: str = reply.json()["csv_file_url"]
    return url


def download(url: str) -> list[dict[str, str]]:
    reply = httpx.get(url)
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == "application/gzip"
    return list(csv.DictReader(io.StringIO(gzip.decompress(reply.content).decode("utf-8"))))


def header(url: str) -> list[str]:
    reply = httpx.get(url)
    assert reply.status_code == 200
    return next(csv.reader(io.StringIO(gzip.decompress(reply.content).decode("utf-8"))))


def ids(sb: Sandbox) -> dict[str, str]:
    """Subscription token -> subscription id, from the sandbox's own view."""
    return {s["token"]: s["id"] for u in sb.snapshot()["users"] for s in u["subscriptions"]}


def test_export_answers_403_until_ready_then_the_gzip_csv(make_sandbox: MakeSandbox) -> None:
    sb = make_sandbox(export_ready_after=2)
    with client(sb) as api:
        seed(api)
        url = request_export(api, extra_fields=["external_user_id", "country"])
    # spec: "The URL ... includes random v4 uuid as part of the resource name to be unguessable"
    assert re.fullmatch(rf"{re.escape(sb.url)}/_sandbox/exports/[0-9a-f-]{{36}}\.csv\.gz", url)
    # spec: "If the file is not ready, a 403 error will be returned. Otherwise the file itself"
    for _ in range(2):
        waiting = httpx.get(url)
        assert waiting.status_code == 403
        assert "<Code>AccessDenied</Code>" in waiting.text
    rows = download(url)
    assert list(rows[0]) == [*DEFAULT_COLUMNS, "external_user_id", "country"]
    by_id = {row["id"]: row for row in rows}
    token_ids = ids(sb)
    # one row per subscription, users in creation order
    assert [row["identifier"] for row in rows] == [
        "one@example.com",
        "+15555550001",
        PUSH_TOKEN,
        "three@example.com",
        "chrome-token",
    ]
    assert set(by_id) == set(token_ids.values())

    email = by_id[token_ids["one@example.com"]]
    assert email == email | {
        "device_type": "11",  # docs: 11 Email
        "invalid_identifier": "f",
        "external_user_id": "u-1",
        "country": "DE",
        "language": "de",
        "timezone": "0",
        "last_active": "2026-01-02 03:04:05",
        "amount_spent": "12.50",
    }
    assert email["tags"] == '{"plan": "pro", "level": "3", "city": "Köln, \\"Altstadt\\""}'
    sms = by_id[token_ids["+15555550001"]]
    assert (sms["device_type"], sms["tags"]) == ("14", email["tags"])  # tags are per user

    push = by_id[token_ids[PUSH_TOKEN]]
    assert push == push | {
        "device_type": "0",  # docs: 0 iOSPush
        "invalid_identifier": "f",
        "external_user_id": "",  # the user has no external_id alias
        "session_count": "7",
        "playtime": "600",
        "device_os": "17.1",
        "device_model": "iPhone14,2",
        "game_version": "1.0.0",
        "tags": "{}",
        "last_active": "",
        "country": "",
    }
    unsubscribed = by_id[token_ids["three@example.com"]]
    assert (unsubscribed["invalid_identifier"], unsubscribed["external_user_id"]) == ("t", "u-3")
    chrome = by_id[token_ids["chrome-token"]]
    assert (chrome["device_type"], chrome["invalid_identifier"]) == ("5", "t")  # -2: unsubscribed


def test_not_ready_can_be_the_404_the_docs_show(make_sandbox: MakeSandbox) -> None:
    # docs: "the URL may 404 with the following error: ... <Code>NoSuchKey</Code>"
    sb = make_sandbox(export_ready_after=1, export_not_ready_status=404)
    with client(sb) as api:
        url = request_export(api)
    waiting = httpx.get(url)
    assert waiting.status_code == 404
    assert waiting.headers["content-type"] == "application/xml"
    assert "<Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>" in (
        waiting.text
    )
    assert header(url) == list(DEFAULT_COLUMNS)  # no subscriptions: the header row only


def test_ready_at_once_and_downloadable_again(make_sandbox: MakeSandbox) -> None:
    sb = make_sandbox(export_ready_after=0)
    with client(sb) as api:
        seed(api)
        url = request_export(api)
    first, again = download(url), download(url)  # spec: "available for 3 days"
    assert first == again and len(first) == 5


def test_extra_fields_in_the_order_asked(make_sandbox: MakeSandbox) -> None:
    sb = make_sandbox(export_ready_after=0)
    with client(sb) as api:
        seed(api)
        asked = ["web_p256", "rooted", "location", "notification_types", "ip", "timezone_id"]
        url = request_export(api, extra_fields=[*asked, "rooted"])  # repeats are dropped
    rows = download(url)
    assert list(rows[0]) == [*DEFAULT_COLUMNS, *asked]
    first, _, push, _, chrome = rows
    assert (first["location"], first["ip"], first["timezone_id"]) == (
        "50.9,6.9",
        "192.0.2.1",
        "UTC",
    )
    assert (push["rooted"], push["notification_types"]) == ("f", "1")
    assert (chrome["notification_types"], chrome["rooted"]) == ("-2", "")


def test_filters(make_sandbox: MakeSandbox) -> None:
    sb = make_sandbox(export_ready_after=0)
    with client(sb) as api:
        seed(api)
        # spec: "Export all devices with a last_active timestamp greater than this time"
        since = download(request_export(api, last_active_since=str(LAST_ACTIVE - 100)))
        assert [r["identifier"] for r in since] == ["one@example.com", "+15555550001"]
        # docs: "By default, segment-filtered exports only return subscribed subscriptions"
        segment = download(request_export(api, segment_name="Total Subscriptions"))
        assert {r["invalid_identifier"] for r in segment} == {"f"} and len(segment) == 3
        both = request_export(api, segment_name="Total Subscriptions", include_unsubscribed=True)
        assert len(download(both)) == 5


def test_one_export_at_a_time(make_sandbox: MakeSandbox) -> None:
    # spec: "Only one concurrent export is allowed per OneSignal account. Please ensure you have
    # successfully downloaded the .csv.gz file before exporting another app."
    sb = make_sandbox(export_ready_after=1)
    with client(sb) as api:
        url = request_export(api)
        refused = api.post(EXPORT, json={})
        assert refused.status_code == 400
        assert refused.json()["errors"][0].startswith("Only one concurrent export is allowed")
        assert httpx.get(url).status_code == 403
        assert api.post(EXPORT, json={}).status_code == 400  # ready is not yet downloaded
        download(url)
        request_export(api)
        sb.reset()  # forgets exports too: the old URL never becomes ready again
        assert [httpx.get(url).status_code for _ in range(3)] == [403, 403, 403]
        request_export(api)


def test_bad_key_wrong_app_and_bad_bodies(sb: Sandbox) -> None:
    with httpx.Client(base_url=sb.url, timeout=10) as anonymous:
        denied = anonymous.post(EXPORT, json={}, headers={"Authorization": "Key wrong"})
        assert denied.status_code == 403
        assert denied.json()["errors"][0].startswith("Access denied.  Please include")
        assert anonymous.post(EXPORT, json={}).status_code == 403
    with client(sb) as api:
        for target in ("/players/csv_export?app_id=not-mine", "/players/csv_export"):
            wrong = api.post(target, json={})
            assert wrong.status_code == 400
            assert wrong.json()["errors"][0].startswith("app_id not found")
        for body, message in [
            ({"extra_fields": ["shoe_size"]}, "Unknown extra_fields shoe_size; supported: "),
            ({"extra_fields": "country"}, "extra_fields must be an array of strings"),
            ({"last_active_since": "yesterday"}, "last_active_since must be Unix seconds"),
            ({"segment_name": 3}, "segment_name must be a string"),
        ]:
            bad = api.post(EXPORT, json=body)
            assert bad.status_code == 400
            assert bad.json()["errors"][0].startswith(message)
        # nothing above started an export, and the legacy /api/v1 prefix reaches the route too
        assert api.post(f"/api/v1{EXPORT}").status_code == 200
    counted = sb.snapshot()["requests_by_endpoint"]
    assert counted[ROUTE] == 9  # the file's URL is the sandbox's own: never counted


def test_the_file_streams_in_chunks(make_sandbox: MakeSandbox) -> None:
    sb = make_sandbox(export_ready_after=0)
    with client(sb) as api:
        for i in range(300):
            tags = {f"t{j}": secrets.token_hex(16) for j in range(20)}
            body = {
                "identity": {"external_id": f"bulk-{i}"},
                "properties": {"tags": tags},
                "subscriptions": [{"type": "Email", "token": f"bulk-{i}@example.com"}],
            }
            assert api.post(users_path(), json=body).status_code == 201
        url = request_export(api, extra_fields=["external_user_id"])
    with httpx.stream("GET", url) as reply:
        size = int(reply.headers["content-length"])
        data = b"".join(reply.iter_raw())
    assert size == len(data) > 1 << 16  # bigger than one chunk
    rows = list(csv.DictReader(io.StringIO(gzip.decompress(data).decode())))
    assert [r["external_user_id"] for r in rows] == [f"bulk-{i}" for i in range(300)]


def test_header_row_is_the_spec_default_columns(make_sandbox: MakeSandbox) -> None:
    # only this path's block: the whole spec has a ``- =`` item that SafeLoader refuses
    key = "\n  /players/csv_export?app_id={app_id}:\n"
    block = spec_text().split(key, 1)[1]
    block = re.split(r"\n  /", block, maxsplit=1)[0]
    text = yaml.safe_load(block)["post"]["description"]
    default_part, extra_part = text.split("- Default Columns:")[1].split("- Extra Columns:")
    cell = re.compile(r"^\s*\|\s*([a-z_]+)\s*\|", re.MULTILINE)
    documented = [c for c in cell.findall(default_part) if c != "Field"]
    assert documented == list(DEFAULT_COLUMNS)
    assert set(cell.findall(extra_part)) - {"Field"} <= set(EXTRA_FIELDS)
    sb = make_sandbox(export_ready_after=0)
    with client(sb) as api:
        assert header(request_export(api)) == documented


def test_every_subscription_type_has_a_device_type() -> None:
    assert set(DEVICE_TYPES) == SUBSCRIPTION_TYPES
    # docs: 0 iOSPush, 1 AndroidPush, 2 FireOSPush, 5 ChromePush, 11 Email, 14 SMS
    documented = {"iOSPush": 0, "AndroidPush": 1, "FireOSPush": 2, "ChromePush": 5}
    assert DEVICE_TYPES.items() >= (documented | {"Email": 11, "SMS": 14}).items()


def test_config_refuses_bad_export_knobs() -> None:
    with pytest.raises(ValueError, match="export_ready_after"):
        SandboxConfig(export_ready_after=-1)
    with pytest.raises(ValueError, match="403 or 404"):
        SandboxConfig(export_not_ready_status=500)


def test_the_sdk_takes_the_answer(make_sandbox: MakeSandbox) -> None:
    # OneSignal's generated SDK checks the answer against ExportSubscriptionsSuccessResponse
    sb = make_sandbox(export_ready_after=0)
    config = onesignal.Configuration(host=sb.url, rest_api_key=API_KEY)
    with onesignal.ApiClient(config) as api_client:
        body = ExportSubscriptionsRequestBody(extra_fields=["external_user_id"])
        answer = DefaultApi(api_client).export_subscriptions(
            APP_ID, export_subscriptions_request_body=body
        )
    assert isinstance(answer, ExportSubscriptionsSuccessResponse)
    assert header(answer.csv_file_url) == [*DEFAULT_COLUMNS, "external_user_id"]
