"""The CSV export of subscriptions (spec op ``export_subscriptions``) and the file it points to.

``POST /players/csv_export?app_id={app_id}`` writes a gzip CSV of every subscription the store
holds (one row per push, email and SMS subscription) to a temporary file while answering, and
returns ``{"csv_file_url": ...}``. The URL is the sandbox's own, outside the API:
``/_sandbox/exports/<uuid4>.csv.gz``, unguessable as OneSignal's are ("includes random v4 uuid as
part of the resource name"). A GET of it answers "not ready" ``SandboxConfig.export_ready_after``
times, then serves the file in chunks (the server streams a :class:`FileBody`).

Sources: the spec's ``export_subscriptions`` description (OpenAPI, "spec" below) and the API
reference page https://documentation.onesignal.com/reference/csv-export ("docs" below). Where a
format is not documented the choice is marked "assumed".
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import shutil
import tempfile
import uuid
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from onesync.sandbox.core import Context, Request, Response, error

__all__ = [
    "DEFAULT_COLUMNS",
    "DEVICE_TYPES",
    "EXTRA_FIELDS",
    "PREFIX",
    "Exports",
    "FileBody",
    "export_subscriptions",
    "exports_of",
    "serve",
]

PREFIX = "/_sandbox/exports/"
"""Where export files are served: a sandbox path, so no key, no faults, no request counting."""

DEFAULT_COLUMNS = (
    "id",
    "identifier",
    "session_count",
    "language",
    "timezone",
    "game_version",
    "device_os",
    "device_type",
    "device_model",
    "ad_id",
    "tags",
    "last_active",
    "playtime",
    "amount_spent",
    "created_at",
    "invalid_identifier",
    "badge_count",
)
"""The spec's "Default Columns", in its order (docs list the same fields)."""

EXTRA_FIELDS = (
    "location",
    "country",
    "rooted",
    "notification_types",
    "ip",
    "external_user_id",
    "web_auth",
    "web_p256",
    "timezone_id",
)
"""``extra_fields`` the sandbox can add: the spec's "Currently supports location, country, rooted,
notification_types, ip, external_user_id, web_auth, and web_p256", plus ``timezone_id`` from the
docs' request example. Each is appended after the defaults, in the order requested."""

DEVICE_TYPES = {
    "iOSPush": 0,
    "AndroidPush": 1,
    "FireOSPush": 2,
    "ChromeExtensionPush": 4,
    "ChromePush": 5,
    "WindowsPush": 6,
    "SafariLegacyPush": 7,
    "FirefoxPush": 8,
    "macOSPush": 9,
    "Email": 11,
    "HuaweiPush": 13,
    "SMS": 14,
    "SafariPush": 17,
}
"""``device_type`` per subscription type. Docs: 0 iOSPush, 1 AndroidPush, 2 FireOSPush,
5 ChromePush, "7,17" SafariPush, 11 Email, 14 SMS; the player model (``Player.device_type`` in
OneSignal's generated SDKs, e.g. onesignal-rust-api docs/Player.md) adds 4 Chrome Apps /
Extensions, 6 Windows (WNS), 7 Safari, 8 Firefox, 9 MacOS, 13 Huawei. 7 is legacy Safari, so 17
is the current ``SafariPush`` (assumed)."""

_NOT_READY = {
    # docs: "the URL may 404 with the following error" (S3's NoSuchKey document, quoted there)
    404: ("NoSuchKey", "The specified key does not exist."),
    # spec: "If the file is not ready, a 403 error will be returned"; the body is not given:
    # S3's AccessDenied document, what S3 answers for a missing key without list rights (assumed)
    403: ("AccessDenied", "Access Denied"),
}
_CONCURRENT = (
    # spec and docs: "Only one concurrent export is allowed per OneSignal account. Please ensure
    # you have successfully downloaded the .csv.gz file before exporting another app." The error
    # is not documented; a 400 GenericError is the spec's only non-429 failure for this route.
    "Only one concurrent export is allowed per OneSignal account; download the .csv.gz file of "
    "the previous export before requesting another"
)


@dataclass(frozen=True, slots=True)
class FileBody:
    """A response body the server sends from disk in chunks instead of holding it in memory."""

    path: Path
    size: int


@dataclass(slots=True)
class _Export:
    path: Path
    size: int
    not_ready_left: int
    downloaded: bool = False


class Exports:
    """One app's exports: their files in a temporary directory, by URL path.

    Kept in memory only (a sandbox restarted on the same ``--db`` file has none; their URLs then
    answer "not ready" forever, as a lost S3 key would).
    """

    def __init__(self) -> None:
        self.base_url = ""
        """Prefix of ``csv_file_url`` (the server's URL); "" gives a path relative to it."""
        self.files: dict[str, _Export] = {}
        self._dir: Path | None = None

    def pending(self) -> bool:
        """True while an export has not been downloaded (the one-at-a-time rule)."""
        return any(not e.downloaded for e in self.files.values())

    def add(self, columns: tuple[str, ...], rows: Iterator[list[str]], ready_after: int) -> str:
        """Write ``rows`` under ``columns`` as a gzip CSV; returns the file's URL path."""
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="onesync-sandbox-exports-"))
        name = f"{uuid.uuid4()}.csv.gz"
        path = self._dir / name
        # mtime=0: the same state gives the same bytes; level 1: 1M rows take about 10 s
        # (the loop waits meanwhile). Lines end in \n (assumed).
        with (
            gzip.GzipFile(path, "wb", compresslevel=1, mtime=0) as raw,
            io.TextIOWrapper(raw, encoding="utf-8", newline="") as text,
        ):
            writer = csv.writer(text, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows(rows)
        url_path = PREFIX + name
        self.files[url_path] = _Export(path, path.stat().st_size, ready_after)
        return url_path

    def clear(self) -> None:
        """Forget every export and delete its file."""
        self.files.clear()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None


_REGISTRY: weakref.WeakKeyDictionary[Context, Exports] = weakref.WeakKeyDictionary()


def exports_of(ctx: Context) -> Exports:
    """The exports of the app ``ctx`` stands for (made on first use)."""
    found = _REGISTRY.get(ctx)
    if found is None:
        found = _REGISTRY[ctx] = Exports()
    return found


def export_subscriptions(ctx: Context, request: Request) -> Response:
    """POST /players/csv_export?app_id={app_id}: ``200 {"csv_file_url": ...}`` (spec).

    Body (all optional): ``extra_fields`` (names from :data:`EXTRA_FIELDS`),
    ``last_active_since`` (Unix seconds, as a string in the spec), ``segment_name``, and the docs'
    ``include_unsubscribed``. Segments are not evaluated (as for notifications): a segment export
    holds every subscribed subscription ("By default, segment-filtered exports only return
    subscribed subscriptions", docs), and the unsubscribed too with ``include_unsubscribed``.
    """
    body = request.payload if request.payload is not None else {}
    if not isinstance(body, dict):
        return error(400, 'Body must be an object such as {"extra_fields": ["external_user_id"]}')
    extra = body.get("extra_fields") or []
    if not isinstance(extra, list) or not all(isinstance(f, str) for f in extra):
        return error(400, "extra_fields must be an array of strings")
    unknown = [f for f in extra if f not in EXTRA_FIELDS]
    if unknown:
        return error(
            400, f"Unknown extra_fields {', '.join(unknown)}; supported: {', '.join(EXTRA_FIELDS)}"
        )
    since = body.get("last_active_since")
    if since is not None and not (isinstance(since, int | str) and str(since).isdigit()):
        return error(400, 'last_active_since must be Unix seconds, e.g. "1704067200"')
    segment = body.get("segment_name")
    if segment is not None and not isinstance(segment, str):
        return error(400, "segment_name must be a string")
    include_unsubscribed = body.get("include_unsubscribed", False)
    if not isinstance(include_unsubscribed, bool):
        return error(400, "include_unsubscribed must be true or false")
    exports = exports_of(ctx)
    if exports.pending():
        return error(400, _CONCURRENT)
    columns = DEFAULT_COLUMNS + tuple(dict.fromkeys(extra))  # the v7 docs' example repeats one
    only_subscribed = segment is not None and not include_unsubscribed
    rows = _rows(ctx, columns, None if since is None else int(since), only_subscribed)
    url_path = exports.add(columns, rows, ctx.config.export_ready_after)
    return Response(200, {"csv_file_url": exports.base_url + url_path})


def serve(ctx: Context, method: str, path: str) -> Response:
    """GET of an export's URL: "not ready" ``export_ready_after`` times, then the file.

    An unknown path is "not ready" for ever: S3 answers a missing key the same way (spec, docs).
    The file stays downloadable ("available for 3 days", spec) until the sandbox stops or resets.
    """
    if method != "GET":
        return Response(405, {"errors": [f"{method} is not allowed here; use GET"]})
    found = exports_of(ctx).files.get(path)
    if found is None or found.not_ready_left > 0:
        if found is not None:
            found.not_ready_left -= 1
        return _not_ready(ctx.config.export_not_ready_status)
    found.downloaded = True
    return Response(200, FileBody(found.path, found.size), (("Content-Type", "application/gzip"),))


def _not_ready(status: int) -> Response:
    code, message = _NOT_READY[status]
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    )
    return Response(status, xml, (("Content-Type", "application/xml"),))


# -- rows ----------------------------------------------------------------------------------------


def _rows(
    ctx: Context, columns: tuple[str, ...], since: int | None, only_subscribed: bool
) -> Iterator[list[str]]:
    """One row per subscription, users in creation order (a generator: nothing is held)."""
    offsets: dict[str, str] = {}
    now = datetime.now(UTC)
    for user in sorted(ctx.store.users.values(), key=lambda u: u["seq"]):
        props = user["properties"]
        last_active = props.get("last_active")
        # spec: "Export all devices with a last_active timestamp greater than this time"; the
        # store keeps last_active per user (PropertiesObject), so it decides for every row
        if since is not None and not (isinstance(last_active, int) and last_active > since):
            continue
        for sub in user["subscriptions"]:
            invalid = _unsubscribed(sub)
            if only_subscribed and invalid:
                continue
            values = _values(user, sub, invalid, offsets, now)
            yield [values[c] for c in columns]


def _unsubscribed(sub: dict[str, Any]) -> bool:
    """spec: ``invalid_identifier`` "t = unsubscribed, f = subscibed"; a subscription is
    unsubscribed when disabled or its ``notification_types`` is negative (-2 and below)."""
    types = sub.get("notification_types")
    return sub.get("enabled") is False or (isinstance(types, int) and types < 0)


def _values(
    user: dict[str, Any],
    sub: dict[str, Any],
    invalid: bool,
    offsets: dict[str, str],
    now: datetime,
) -> dict[str, str]:
    """Every column's text for one subscription; "" where the sandbox holds nothing."""
    props = user["properties"]
    zone = props.get("timezone_id")
    lat, long = props.get("lat"), props.get("long")
    return {
        "id": sub["id"],  # docs: "The Subscription ID"
        "identifier": sub["token"],  # docs: "The push token, email address, or phone number"
        "session_count": _text(sub.get("session_count", props.get("session_count"))),
        "language": _text(props.get("language")),
        # spec: "Number of seconds away from UTC. Example: -28800"; docs: deprecated
        "timezone": _offset(zone, offsets, now) if isinstance(zone, str) else "",
        "game_version": _text(sub.get("app_version")),  # spec: "Version of your mobile app"
        "device_os": _text(sub.get("device_os")),
        "device_type": str(DEVICE_TYPES[sub["type"]]),
        "device_model": _text(sub.get("device_model")),
        "ad_id": "",  # docs: deprecated; the sandbox has none
        # docs: "Custom key/value data"; written as JSON object text (assumed)
        "tags": json.dumps(props.get("tags") or {}, ensure_ascii=False),
        "last_active": _time(props.get("last_active")),
        # spec: "Total amount of time in seconds the user had the mobile app open"
        "playtime": _text(sub.get("session_time", props.get("session_time"))),
        "amount_spent": _text(props.get("amount_spent")),
        "created_at": "",  # the sandbox does not record when a subscription was made
        "invalid_identifier": "t" if invalid else "f",
        "badge_count": "",
        "location": f"{lat},{long}" if lat is not None and long is not None else "",
        "country": _text(props.get("country")),
        "rooted": _text(sub.get("rooted")),
        "notification_types": _text(sub.get("notification_types")),
        "ip": _text(props.get("ip")),
        # spec: "Your User Id set on the device"; in the user model, the external_id alias
        "external_user_id": user["identity"].get("external_id", ""),
        "web_auth": _text(sub.get("web_auth")),
        "web_p256": _text(sub.get("web_p256")),
        "timezone_id": _text(zone),
    }


def _text(value: Any) -> str:
    """None is empty and booleans are t/f, as ``invalid_identifier`` writes them (spec)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value)


def _time(value: Any) -> str:
    """Unix seconds as ``YYYY-MM-DD HH:MM:SS`` in UTC; the spec gives no format (assumed, the
    text form of a database timestamp, in keeping with the t/f booleans)."""
    if not isinstance(value, int) or isinstance(value, bool):
        return ""
    return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _offset(zone: str, cache: dict[str, str], now: datetime) -> str:
    """Seconds from UTC of an IANA zone now ("" for a zone this machine does not know)."""
    if zone not in cache:
        try:
            delta = now.astimezone(ZoneInfo(zone)).utcoffset()
        except (ZoneInfoNotFoundError, ValueError):
            delta = None
        cache[zone] = "" if delta is None else str(int(delta.total_seconds()))
    return cache[zone]
