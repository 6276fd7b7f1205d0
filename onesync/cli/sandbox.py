"""``onesync sandbox``: run the local OneSignal-compatible server, or show what it holds."""

from __future__ import annotations

import signal
import sqlite3
import threading
from collections.abc import Callable
from typing import Any

import click

from onesync.cli.output import echo
from onesync.errors import OnesyncError
from onesync.escape import dumps, escaped_lines
from onesync.sandbox import (
    DEFAULT_API_KEY,
    DEFAULT_APP_ID,
    Faults,
    RateLimits,
    Sandbox,
    SandboxConfig,
    load_state,
)
from onesync.sandbox.ui import render_text

__all__ = ["COMMANDS", "sandbox"]


def _limit(option: str, value: str) -> int | None:
    if value.lower() in ("off", "none", "0"):
        return None
    if not value.isdigit():
        raise OnesyncError(
            f"{option} must be a number of requests per second or 'off', not {value!r}"
        )
    return int(value)


def _serve_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind."),
        click.option(
            "--port",
            default=4000,
            show_default=True,
            type=click.IntRange(0, 65535),
            help="Port (0 picks a free one).",
        ),
        click.option("--app-id", default=DEFAULT_APP_ID, show_default=True),
        click.option("--api-key", default=DEFAULT_API_KEY, show_default=True),
        click.option(
            "--db", "db", default=None, help="SQLite file that keeps state (default: memory)."
        ),
        click.option("--rate-429", default=0.0, help="Share of API requests answered 429."),
        click.option("--rate-5xx", default=0.0, help="Share answered 500/503 (not applied)."),
        click.option("--drop-rate", default=0.0, help="Share whose connection is dropped."),
        click.option("--latency-ms", default=0.0, help="Delay added to every API request."),
        click.option("--seed", default=0, show_default=True, help="Seed of the fault sequence."),
        click.option(
            "--apply-then-fail",
            is_flag=True,
            help="Apply 5xx/dropped requests before failing them (exactly-once drills).",
        ),
        click.option(
            "--users-rate",
            default="1000",
            show_default=True,
            help="User/subscription writes per second per app, or off.",
        ),
        click.option(
            "--per-user-rate",
            default="1",
            show_default=True,
            help="Writes per second to one user, or off.",
        ),
        click.option(
            "--notifications-rate",
            default="150",
            show_default=True,
            help="Messages per second, or off.",
        ),
        click.option(
            "--views-rate", default="1", show_default=True, help="GETs per second, or off."
        ),
        click.option("--max-tags", default=100, show_default=True, type=click.IntRange(min=1)),
        click.option(
            "--max-recipients", default=2000, show_default=True, type=click.IntRange(min=1)
        ),
        click.option(
            "--export-ready-after",
            default=2,
            show_default=True,
            type=click.IntRange(min=0),
            help="GETs of a CSV export's file URL answered 'not ready' before the file.",
        ),
        click.option(
            "--export-not-ready-status",
            default="403",
            show_default=True,
            type=click.Choice(["403", "404"]),
            help="How a CSV export that is not ready answers (spec: 403; docs page: 404).",
        ),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _serve(**opts: Any) -> None:
    for name in ("rate_429", "rate_5xx", "drop_rate"):
        if not 0.0 <= opts[name] <= 1.0:
            flag = "--" + name.replace("_", "-")
            raise OnesyncError(f"{flag} is a share of requests between 0 and 1, not {opts[name]}")
    if opts["rate_429"] + opts["rate_5xx"] + opts["drop_rate"] > 1.0:
        raise OnesyncError("--rate-429 + --rate-5xx + --drop-rate must not exceed 1")
    if opts["latency_ms"] < 0:
        raise OnesyncError("--latency-ms must not be negative")
    faults = Faults(
        rate_429=opts["rate_429"],
        rate_5xx=opts["rate_5xx"],
        drop_rate=opts["drop_rate"],
        latency_ms=opts["latency_ms"],
        seed=opts["seed"],
        apply_then_fail=opts["apply_then_fail"],
    )
    limits = RateLimits(
        users=_limit("--users-rate", opts["users_rate"]),
        per_user=_limit("--per-user-rate", opts["per_user_rate"]),
        notifications=_limit("--notifications-rate", opts["notifications_rate"]),
        views=_limit("--views-rate", opts["views_rate"]),
    )
    config = SandboxConfig(
        app_id=opts["app_id"],
        api_key=opts["api_key"],
        db_path=opts["db"],
        rate_limits=limits,
        faults=faults,
        max_tags=opts["max_tags"],
        max_recipients=opts["max_recipients"],
        export_ready_after=opts["export_ready_after"],
        export_not_ready_status=int(opts["export_not_ready_status"]),
    )
    try:
        box = Sandbox(config, host=opts["host"], port=opts["port"])
    except sqlite3.Error as exc:
        raise OnesyncError(f"cannot open the sandbox database {opts['db']}: {exc}") from None
    try:
        box.start()
    except OSError as exc:
        box.stop()
        raise OnesyncError(
            f"cannot listen on {opts['host']}:{opts['port']}: {exc.strerror or exc}"
            " (pick another --port or --host)"
        ) from None
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    click.echo(
        f"onesync sandbox listening on {box.url} (app {config.app_id}, ui {box.url}/_sandbox/)"
    )
    click.echo(f"  app_id:  {config.app_id}")
    click.echo(f"  api_key: {config.api_key}")  # the sandbox's own key, printed on purpose
    click.echo(f"  state:   {config.db_path or 'in memory'}")
    click.echo("Press Ctrl-C to stop.", nl=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        box.stop()
    click.echo("onesync sandbox stopped")


@click.group(invoke_without_command=True)
@_serve_options
@click.pass_context
def sandbox(ctx: click.Context, /, **opts: Any) -> None:
    """A local OneSignal-compatible API server for trials and tests.

    Without a subcommand it serves (same as `onesync sandbox serve`). Point onesync at it with
    `api_url: http://127.0.0.1:4000` and the printed app_id and api_key.
    """
    if ctx.invoked_subcommand is None:
        _serve(**opts)


@sandbox.command()
@_serve_options
def serve(**opts: Any) -> None:
    """Serve the sandbox API until Ctrl-C or SIGTERM (exit code 0)."""
    _serve(**opts)


@sandbox.command(short_help="Print what a sandbox holds: users, events, messages, requests.")
@click.option("--url", default="http://127.0.0.1:4000", show_default=True, help="Running sandbox.")
@click.option("--db", default=None, help="Read a sandbox SQLite file instead of a server.")
@click.option("--json", "as_json", is_flag=True, help="Print the raw state as JSON.")
def show(url: str, db: str | None, as_json: bool) -> None:
    """Print the users, subscriptions, deleted users, events, notifications and request counts
    a sandbox holds (long values wrap to the terminal's width)."""
    state = load_state(url=None if db else url, db=db)
    if as_json:
        echo(dumps(state, indent=2), plain=True)
    else:
        echo(
            escaped_lines(render_text(state)), nl=False, plain=True
        )  # values from data: no raw controls


COMMANDS = [sandbox]
