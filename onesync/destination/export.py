"""OneSignal's CSV export of an app: request it, wait until it is generated, download it.

    download_export(destination, dest) -> ExportFile

1. ``POST /players/csv_export?app_id=...`` (OpenAPI op ``export_subscriptions``) goes through
   ``OneSignalClient.send``, so the auth header (``Key``, ``Basic`` for a legacy key), the
   retries of 429/5xx (at least ``Retry-After``) and a refused key are what every call gets.
   The answer is ``{"csv_file_url": ...}``.
2. ``GET csv_file_url`` until the file is there. While it is generated (about 2,000 records a
   second) the URL answers 403 (OpenAPI op description, docs v7: "If the file is not ready, a
   403 error will be returned") or 404 (current docs reference/csv-export: S3's NoSuchKey);
   both mean "not yet". The URL names a random v4 uuid and lives 3 days (same sources): it is
   the credential, so it is fetched without the API key (which must not reach the storage host)
   and only its host is ever printed.
3. The body is streamed (fixed memory) to a temporary file beside ``dest``, checked to be a
   complete gzip, and renamed to ``dest`` only then: a failed download leaves nothing.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import random
import time
import uuid
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from onesync.destination.blocking import OneSignalClient
from onesync.destination.calls import Call
from onesync.destination.client import _is_loopback, permanent_failure
from onesync.destination.limits import RetryPolicy, parse_retry_after
from onesync.errors import DestinationError
from onesync.model import Destination

__all__ = ["ExportFile", "download_export", "export_call"]

NOT_READY = frozenset({403, 404})  # "the file is not generated yet" (see the module docstring)
RECORDS_PER_SECOND = 2000  # generation speed (docs reference/csv-export)
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 16


@dataclass(frozen=True, slots=True)
class ExportFile:
    """A downloaded export: ``path`` (the ``.csv.gz``), its ``size`` in bytes, how many checks
    found it not ready yet (``polls``) and the ``seconds`` from request to file.

    ``url`` is OneSignal's ``csv_file_url``: anyone holding it can read the export for 3 days,
    so it is kept out of the repr and out of every message.
    """

    path: Path
    size: int
    polls: int
    seconds: float
    url: str = field(repr=False)


def export_call(
    app_id: str,
    extra_fields: Sequence[str] = ("external_user_id",),
    *,
    segment_name: str | None = None,
    last_active_since: int | None = None,
) -> Call:
    """The export request (OpenAPI op ``export_subscriptions``): ``app_id`` is a query parameter
    and ``last_active_since`` Unix seconds sent as a string, as the spec types it."""
    body: dict[str, Any] = {"extra_fields": list(extra_fields)}
    if segment_name is not None:
        body["segment_name"] = segment_name
    if last_active_since is not None:
        body["last_active_since"] = str(int(last_active_since))
    path = f"/players/csv_export?app_id={quote(app_id, safe='')}"
    return Call("export_subscriptions", "POST", path, body)


def download_export(
    destination: Destination,
    dest: Path,
    *,
    extra_fields: Sequence[str] = ("external_user_id",),
    segment_name: str | None = None,
    last_active_since: int | None = None,
    timeout: float = 3600.0,
    poll: float = 10.0,
    progress: Callable[[str], None] | None = None,
    retry: RetryPolicy | None = None,
    request_timeout: float = 60.0,
    verify: bool = True,
) -> ExportFile:
    """Ask OneSignal for the CSV export of ``destination``'s app and download it to ``dest``.

    Blocking; it waits up to ``timeout`` seconds for OneSignal to generate the file, checking
    every ``poll`` seconds and telling ``progress`` (one line per check). OneSignal allows one
    export at a time per account.

    Args:
        destination: the app, API key and ``api_url`` (the sandbox's, or OneSignal's).
        dest: where the ``.csv.gz`` goes; its folder must exist. An existing file is replaced,
            and only once the new one is complete.
        extra_fields: columns beyond the defaults; ``external_user_id`` is what links a device
            to a user, so the import needs it.
        segment_name / last_active_since: OneSignal's filters, passed through when set.
        timeout: seconds to wait for the file to be generated (about 2,000 devices a second).
        poll: seconds between checks.
        progress: called with a human line at each step (the library never prints).
        retry: the policy for 429, 5xx and dropped connections (default ``RetryPolicy()``).
        request_timeout: seconds any one HTTP request may stall.
        verify: TLS verification; may be False only for a sandbox on this machine.

    Returns:
        The ``ExportFile``.

    Raises:
        DestinationError: a refused key, a refused or failed request, a file that was not ready
            within ``timeout``, or a download that was not a complete gzip; one line, without
            the API key or the file's URL.
    """
    say = progress or (lambda line: None)
    policy = retry or RetryPolicy()
    app = destination.app_id
    started = time.monotonic()
    call = export_call(
        app, extra_fields, segment_name=segment_name, last_active_since=last_active_since
    )
    with OneSignalClient(
        destination, retry=policy, timeout=request_timeout, verify=verify
    ) as client:
        result = client.send(call)
    if result.status == "exhausted":
        raise DestinationError(
            f"cannot request the CSV export of app {app}: {result.reason}; try again later"
        )
    if not result.ok:
        reason = result.reason or f"HTTP {result.http_status}"
        hint = (
            "OneSignal runs one export per account at a time: wait until the other one is "
            "downloaded"
            if "concurrent" in reason.lower()
            else "check the export's extra_fields and segment"
        )
        raise DestinationError(f"OneSignal refused the CSV export of app {app} ({reason}); {hint}")
    url = _file_url(result.body, destination.api_url, app)
    host = httpx.URL(url).host
    say(
        f"OneSignal is generating the export of app {app} "
        f"(about {RECORDS_PER_SECOND:,} devices a second)"
    )
    loopback = _is_loopback(host)
    fetch = _Fetch(host, policy, timeout, poll, started, say)
    with httpx.Client(
        timeout=httpx.Timeout(request_timeout, connect=min(request_timeout, 10.0)),
        follow_redirects=True,  # the storage may redirect; no credential travels with it
        verify=verify or not loopback,
        headers={"User-Agent": "onesync", "Accept": "*/*"},
    ) as http:
        size = fetch.download(http, url, dest)
    seconds = time.monotonic() - started
    say(f"downloaded the export ({size / 1e6:.1f} MB) to {dest}")
    return ExportFile(path=dest, size=size, polls=fetch.polls, seconds=seconds, url=url)


def _file_url(body: Any, api_url: str, app: str) -> str:
    url = body.get("csv_file_url") if isinstance(body, dict) else None
    if not isinstance(url, str) or not url.strip():
        raise DestinationError(
            f"OneSignal answered the CSV export request of app {app} without a csv_file_url; "
            "try again later"
        )
    absolute = httpx.URL(api_url).join(url.strip())  # absolute URLs stay as they are
    if absolute.scheme not in ("http", "https") or not absolute.host:
        raise DestinationError(
            f"OneSignal answered the CSV export request of app {app} with a csv_file_url that "
            "is not an http(s) URL"
        )
    if absolute.scheme == "http" and not _is_loopback(absolute.host):
        raise DestinationError(
            f"OneSignal answered a csv_file_url on {absolute.host} over plain http; refusing "
            "to download user data in clear"
        )
    return str(absolute)


class _Fetch:
    """The wait-then-download loop for one file URL (one instance per download)."""

    def __init__(
        self,
        host: str,
        policy: RetryPolicy,
        timeout: float,
        poll: float,
        started: float,
        say: Callable[[str], None],
    ) -> None:
        self.host = host
        self.policy = policy
        self.deadline = started + timeout
        self.timeout = timeout
        self.poll = poll
        self.started = started
        self.say = say
        self.polls = 0
        self.failures = 0  # consecutive 429/5xx/network failures
        self.rng = random.Random()

    def download(self, http: httpx.Client, url: str, dest: Path) -> int:
        """Stream the file to ``dest`` once it is there; returns its size in bytes."""
        while True:
            try:
                with http.stream("GET", url) as response:
                    status = response.status_code
                    if status == 200:
                        return self._save(response, dest)
                    after = parse_retry_after(response.headers.get("Retry-After"))
            except httpx.TransportError as exc:
                final = permanent_failure(exc, self.host)
                if final is not None:
                    raise DestinationError(f"cannot download the export: {final}") from None
                kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "broke off"
                self._failed(f"the download from {self.host} {kind} ({type(exc).__name__})")
                continue
            if status in NOT_READY:
                self._not_ready(status)
            elif status == 429 or status >= 500:
                self._failed(f"{self.host} answered HTTP {status}", after)
            else:
                raise DestinationError(
                    f"{self.host} answered HTTP {status} for the export file; request a new "
                    "export (a file is kept 3 days)"
                )

    def _not_ready(self, status: int) -> None:
        self.failures = 0
        self.polls += 1
        now = time.monotonic()
        waited = now - self.started
        if now + self.poll > self.deadline:
            raise DestinationError(
                f"the CSV export was not ready after {waited:.0f}s ({self.host} still answers "
                f"HTTP {status}); OneSignal generates about {RECORDS_PER_SECOND:,} devices a "
                "second: allow a longer timeout, or export from the OneSignal dashboard and "
                "import that file"
            )
        self.say(
            f"export not ready yet (HTTP {status}), waited {waited:.0f}s of "
            f"{self.timeout:.0f}s; checking again in {self.poll:g}s"
        )
        time.sleep(self.poll)

    def _failed(self, reason: str, after: float | None = None) -> None:
        self.failures += 1
        if self.failures >= self.policy.max_attempts:
            raise DestinationError(
                f"cannot download the export: {reason}, {self.failures} times in a row; try "
                "again later"
            )
        wait = self.policy.wait(self.failures, after, self.rng)
        if time.monotonic() + wait > self.deadline:
            raise DestinationError(
                f"cannot download the export: {reason}, and the timeout is spent; try again later"
            )
        self.say(f"{reason}; retrying in {wait:.1f}s")
        time.sleep(wait)

    def _save(self, response: httpx.Response, dest: Path) -> int:
        """Write the body to a temporary name, check it, rename it: all or nothing."""
        self.say(f"downloading the export from {self.host}")
        part = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.part")
        size = 0
        try:
            with part.open("wb") as f:
                # iter_raw: the bytes as stored (a .csv.gz), even when the storage labels them
                # Content-Encoding: gzip, which iter_bytes would undo.
                for chunk in response.iter_raw(_CHUNK):
                    if size == 0 and not chunk.startswith(_GZIP_MAGIC[: len(chunk)]):
                        raise DestinationError(
                            f"{self.host} answered the export file with something that is not "
                            "gzip; request a new export"
                        )
                    f.write(chunk)
                    size += len(chunk)
                f.flush()
                os.fsync(f.fileno())
            _check_gzip(part, self.host)
            os.replace(part, dest)
        except OSError as exc:
            with contextlib.suppress(OSError):
                part.unlink()
            raise DestinationError(f"cannot write the export to {dest}: {exc.strerror}") from None
        except BaseException:  # a broken-off download (retried by the caller), a refusal, ^C
            with contextlib.suppress(OSError):
                part.unlink()
            raise
        return size


def _check_gzip(path: Path, host: str) -> None:
    """Read the download to its end: a short or damaged gzip fails its length/CRC trailer."""
    try:
        with gzip.open(path, "rb") as f:
            while f.read(1 << 20):
                pass
    except (EOFError, gzip.BadGzipFile, zlib.error):
        raise DestinationError(
            f"the export downloaded from {host} is not a complete gzip file; run the import again"
        ) from None
