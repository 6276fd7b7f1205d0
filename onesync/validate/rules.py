"""Semantic checks of one sync spec: a tuple of small functions with one signature.

Each rule takes the Context and a schema-valid Spec whose model is already read (``spec.columns``
holds the model's output columns, or None when they cannot be known offline) and yields
Diagnostics. Adding a check is one function here and one case in the catalogue test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import jinja2
import jinja2.meta
from jinja2.sandbox import SandboxedEnvironment

from onesync.errors import Diagnostic
from onesync.validate.context import Context, Spec, get
from onesync.validate.cron import CronError, NeverFires, parse_cron
from onesync.validate.suggest import one_of
from onesync.validate.testspec import check_tests
from onesync.validate.times import DELAY, TimeProblem, send_after_time, zone

__all__ = [
    "RESERVED_ALIASES",
    "RESERVED_TAG_KEYS",
    "RULES",
    "UNSUBSCRIBE_URL",
    "template_variables",
]

RESERVED_ALIASES = ("external_id", "onesignal_id")
UNSUBSCRIBE_URL = "[unsubscribe_url]"  # OneSignal's merge tag for the unsubscribe link
RESERVED_TAG_KEYS = (
    "message",
    "notification",
    "subscription",
    "user",
    "template",
    "app",
    "org",
    "dynamic_content",
    "data_feed",
    "journey",
    "custom_data",
)
_BAD_LABEL = re.compile(r"[/?#&=\s]|\.\.|[\x00-\x1f]")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*\Z")
_UUID = re.compile("-".join(f"[0-9a-fA-F]{{{n}}}" for n in (8, 4, 4, 4, 12)) + r"\Z")  # 8-4-4-4-12
_JINJA = SandboxedEnvironment()


def template_variables(text: str) -> set[str]:
    """The names a Jinja template reads from its row (raises jinja2.TemplateSyntaxError)."""
    return set(jinja2.meta.find_undeclared_variables(_JINJA.parse(text)))


def check_source(ctx: Context, spec: Spec) -> Iterator[Diagnostic]:
    if spec.data["source"] not in ctx.sources:
        name = spec.data["source"]
        yield spec.doc.diag(
            ("source",), f"no source named '{name}' in the project file", one_of(name, ctx.sources)
        )


def _typed_paths(at: tuple[str, ...], fields: dict[str, object]) -> list[tuple[str | int, ...]]:
    """Where each column of ``name: column`` / ``name: {column, type}`` entries is written."""
    return [(*at, k) if isinstance(v, str) else (*at, k, "column") for k, v in fields.items()]


def check_columns(ctx: Context, spec: Spec) -> Iterator[Diagnostic]:
    d = spec.data
    paths: list[tuple[str | int, ...]] = [
        ("identity", k) for k in ("external_id", "subscription_id", "email", "phone")
    ]
    paths += [("identity", "alias", k) for k in get(d, ("identity", "alias"), {}) or {}]
    paths += [("link", k) for k in ("external_id", "subscription_id")]
    paths += [("identity", "aliases", k) for k in get(d, ("identity", "aliases"), {})]
    paths += [("subscriptions", k) for k in get(d, ("subscriptions",), {})]
    paths += _typed_paths(("tags",), get(d, ("tags",), {}))
    if "event" in d:
        paths += [("event", "key")] + [("event", "timestamp")] * ("timestamp" in d["event"])
        paths += _typed_paths(("event", "properties"), d["event"].get("properties", {}))
    if "message" in d:
        paths.append(("message", "key"))
        paths += _typed_paths(("message", "custom_data"), d["message"].get("custom_data", {}))
    for path in paths:
        if diag := spec.column(path):
            yield diag


def check_aliases(ctx: Context, spec: Spec) -> Iterator[Diagnostic]:
    aliases = get(spec.data, ("identity", "aliases"), {})
    limit = ctx.destination.max_aliases if ctx.destination else 10
    if len(aliases) > limit:
        yield spec.doc.diag(
            ("identity", "aliases"),
            f"{len(aliases)} aliases; at most {limit} per user",
            "drop some, or raise destination.max_aliases; OneSignal's hard limit is 20",
        )
    for label in aliases:
        path = ("identity", "aliases", label)
        if label in RESERVED_ALIASES:
            yield spec.doc.diag(
                path,
                f"alias label '{label}' is reserved by OneSignal",
                "external_id comes from identity.external_id; pick another label",
                key=True,
            )
        elif len(label) > 128:
            yield spec.doc.diag(
                path, "alias label is longer than 128 characters", "shorten it", key=True
            )
        elif _BAD_LABEL.search(label):
            yield spec.doc.diag(
                path,
                f"alias label '{label}' has a character OneSignal refuses",
                "use letters, digits, _, - or .; no / ? # & = or spaces",
                key=True,
            )


def check_tags(ctx: Context, spec: Spec) -> Iterator[Diagnostic]:
    for key in get(spec.data, ("tags",), {}):
        if key.lower() in RESERVED_TAG_KEYS:
            yield spec.doc.diag(
                ("tags", key),
                f"tag key '{key}' is reserved by OneSignal",
                f"rename the tag, e.g. '{key}_tag'",
                key=True,
            )


def check_schedule(ctx: Context, spec: Spec) -> Iterator[Diagnostic]:
    if "schedule" in spec.data:
        try:
            parse_cron(spec.data["schedule"])
        except NeverFires as e:
            yield spec.doc.diag(
                ("schedule",),
                f"schedule: {e}",
                "pick a day each of those months has (1-28 fits all), or use the weekday field",
            )
        except CronError as e:
            yield spec.doc.diag(
                ("schedule",),
                f"schedule: {e}",
                "e.g. '*/30 * * * *' runs every 30 minutes",
            )


def check_kind(ctx: Context, spec: Spec) -> Iterator[Diagnostic]:
    if "event" in spec.data and "message" in spec.data:
        yield spec.doc.diag(
            ("message",),
            "a sync sends either an event or a message, not both",
            "split it into two sync files",
            key=True,
        )


def check_event(ctx: Context, spec: Spec) -> Iterator[Diagnostic]:
    name = get(spec.data, ("event", "name"))
    if isinstance(name, str) and name.startswith(("os.", "os__")):
        yield spec.doc.diag(
            ("event", "name"),
            f"event name '{name}' uses a prefix OneSignal reserves (os. or os__)",
            "rename the event",
        )
    elif name == "":
        yield spec.doc.diag(("event", "name"), "event name is empty", "name the event")


IDENTITY_KEYS = ("external_id", "alias", "subscription_id", "email", "phone")
_TO = re.compile(r"^(external_id|email|phone|subscription_id|alias [A-Za-z0-9_.-]+)$")
_TO_CHANNEL = {"email": "email", "phone": "sms"}


def identity_kind(data: dict[str, object]) -> str | None:
    """The identity key a spec uses (``external_id``, ``alias``, ...), or None."""
    ident = data.get("identity")
    if not isinstance(ident, dict):
        return None
    found = [k for k in IDENTITY_KEYS if k in ident]
    return found[0] if len(found) == 1 else None


def check_identity(ctx: Context, spec: Spec) -> Iterator[Diagnostic]:
    """Exactly one way to name a user (or a link: instead of identity)."""
    d = spec.data
    ident = d.get("identity")
    if "link" in d:
        if ident is not None:
            yield spec.doc.diag(
                ("identity",),
                "a link sync names its rows by link: subscription_id; drop identity:",
                "a link sync only links; put tags and subscriptions in a profile sync",
                key=True,
            )
        if d.get("on_leave") == "delete_user":
            yield spec.doc.diag(
                ("on_leave",),
                "a link sync never deletes users; a row that leaves a mirror unlinks it",
                "use on_leave: clear (mirror's default) or keep",
            )
        for part in ("tags", "subscriptions", "event", "message"):
            if part in d:
                yield spec.doc.diag(
                    (part,),
                    f"a link sync only links subscriptions to external ids; {part}: belongs in "
                    "another sync",
                    f"move {part}: to a profile sync of the same users",
                    key=True,
                )
        return
    if not isinstance(ident, dict):  # missing: the schema said so
        return
    if spec.pruned is not None and spec.pruned.get("identity") != spec.doc.data.get("identity"):
        return  # the schema refused part of it and said why
    found = [k for k in IDENTITY_KEYS if k in ident]
    if len(found) != 1:
        yield spec.doc.diag(
            ("identity",),
            "identity takes exactly one of external_id, alias, subscription_id"
            + (f" (it has {', '.join(found)})" if found else ""),
            "external_id: your user id column is the usual choice; see docs/spec-reference.md, "
            "Identity",
        )
        return
    kind = found[0]
    if kind in ("email", "phone") and "message" not in d:
        yield spec.doc.diag(
            ("identity", kind),
            f"identity.{kind} names message recipients only",
            "use external_id, alias or subscription_id for a profile or event sync",
            key=True,
        )
    if kind != "external_id" and "event" in d:
        yield spec.doc.diag(
            ("identity", kind),
            "custom events name their user by external_id",
            "use identity: {external_id: COLUMN} for an event sync",
            key=True,
        )
    alias = ident.get("alias")
    if kind == "alias" and isinstance(alias, dict):
        for label in alias:
            if label in RESERVED_ALIASES:
                yield spec.doc.diag(
                    ("identity", "alias", label),
                    f"alias label '{label}' is reserved by OneSignal",
                    "use identity: {external_id: COLUMN} for the external id",
                    key=True,
                )
    if kind in ("email", "phone") and "aliases" in ident:
        yield spec.doc.diag(
            ("identity", "aliases"),
            "a message names its recipients only; aliases belong in a profile sync",
            "remove identity.aliases:",
            key=True,
        )


def check_message(ctx: Context, spec: Spec) -> Iterator[Diagnostic]:
    msg = spec.data.get("message")
    if msg is None:
        return
    kind = identity_kind(spec.data)
    to = msg.get("to")
    if isinstance(to, str) and kind is not None and _TO.match(to):
        label = next(iter(get(spec.data, ("identity", "alias"), {}) or {}), "")
        wanted = f"alias {label}" if kind == "alias" else kind
        if to != wanted:
            yield spec.doc.diag(
                ("message", "to"),
                f"to: {to} does not match identity.{kind}; the identity column is what "
                "recipients are named by",
                f"write to: {wanted}, or change identity",
            )
    channel = msg.get("channel", "push")
    if kind in _TO_CHANNEL and channel != _TO_CHANNEL[kind]:
        yield spec.doc.diag(
            ("message", "channel") if "channel" in msg else ("message",),
            f"a message to {kind} addresses goes out by {_TO_CHANNEL[kind]}, not {channel}",
            f"set channel: {_TO_CHANNEL[kind]}",
            key="channel" not in msg,
        )
    has_template = bool(msg.get("template_id"))
    template = msg.get("template_id")
    path = ("message", "template_id")
    if isinstance(template, str) and path not in spec.doc.unresolved and not _UUID.match(template):
        yield spec.doc.diag(
            path,
            f"template_id {template!r} is not a OneSignal template id (a UUID)",
            "copy it from the template's page in OneSignal, e.g. "
            "be4a8044-bbd6-11e4-a581-000c2940e62c",
        )
    if not msg.get("contents") and not has_template:
        yield spec.doc.diag(
            ("message",),
            "a message needs contents or a template_id",
            'add contents: {en: "..."}',
            key=True,
        )
    elif msg.get("contents") and "en" not in msg["contents"] and not has_template:
        yield spec.doc.diag(
            ("message", "contents"),
            "contents must include English ('en')",
            "OneSignal requires an 'en' text; add en: \"...\"",
        )
    if msg.get("channel") == "email" and not msg.get("subject") and not has_template:
        yield spec.doc.diag(
            ("message",),
            "an email message needs a subject or a template_id",
            'add subject: {en: "..."}',
            key=True,
        )


def check_send_after(ctx: Context, spec: Spec) -> Iterator[Diagnostic]:
    """A delay, a column, or a time that says its zone (or is read in the source's zone)."""
    send_after = get(spec.data, ("message", "send_after"))
    path = ("message", "send_after")
    if not isinstance(send_after, str) or DELAY.match(send_after):
        return
    if _IDENT.match(send_after):
        if diag := spec.column(path):
            yield diag
        return
    name = spec.source.timezone if spec.source else None
    try:
        at = send_after_time(send_after, zone(name), name)
    except TimeProblem as e:
        yield spec.doc.diag(path, e.message, e.hint)
        return
    if at is None:
        yield spec.doc.diag(
            path,
            f"send_after {send_after!r} is not a delay, a time or a column",
            "write +30m, +1h, +2d, an ISO time like 2026-01-31T09:00:00Z, or a column name",
        )


def check_templates(ctx: Context, spec: Spec) -> Iterator[Diagnostic]:
    msg = spec.data.get("message") or {}
    for part in ("headings", "contents", "subject"):
        for lang, text in (msg.get(part) or {}).items():
            path = ("message", part, lang)
            try:
                names = template_variables(text)
            except jinja2.TemplateSyntaxError as e:
                span = spec.doc.spans[path]
                line, col = span.map(e.lineno or 1, 1)
                yield Diagnostic(
                    spec.doc.file,
                    line,
                    col,
                    f"{part}.{lang}: template error: {e.message}",
                    "fix the Jinja syntax, e.g. {{ column }}",
                )
                continue
            if spec.columns is None:
                continue
            for name in sorted(names - set(spec.columns)):
                hint = one_of(name, spec.columns)
                yield spec.doc.diag(
                    path,
                    f"{part}.{lang}: template uses '{name}', which is not a column of the model",
                    hint,
                )


def check_unsubscribe(ctx: Context, spec: Spec) -> Iterator[Diagnostic]:
    """A warning: OneSignal requires an unsubscribe link in marketing email."""
    msg = spec.data.get("message") or {}
    if msg.get("channel") != "email" or msg.get("template_id"):
        return
    for lang, text in (msg.get("contents") or {}).items():
        if UNSUBSCRIBE_URL not in text:
            yield spec.doc.diag(
                ("message", "contents", lang),
                f"contents.{lang}: an email body without {UNSUBSCRIBE_URL}; OneSignal requires an "
                "unsubscribe link in marketing email",
                f'add <a href="{UNSUBSCRIBE_URL}">Unsubscribe</a>, or use a template_id',
                severity="warning",
            )


def check_on_leave(ctx: Context, spec: Spec) -> Iterator[Diagnostic]:
    """``on_leave`` undoes a profile; events and messages are sent once and never undone."""
    if "on_leave" in spec.data and ("event" in spec.data or "message" in spec.data):
        kind = "an event" if "event" in spec.data else "a message"
        yield spec.doc.diag(
            ("on_leave",),
            f"on_leave applies to profile syncs; {kind} is sent once per key and never undone",
            "remove on_leave from this sync",
            key=True,
        )


def check_legacy_api(ctx: Context, spec: Spec) -> Iterator[Diagnostic]:
    """The legacy player model can only set tags: no subscriptions, no aliases."""
    if ctx.destination is None or ctx.destination.api != "legacy":
        return
    if "event" in spec.data or "message" in spec.data:
        return
    why = (
        "the legacy player model's tag call, PUT /apps/{app_id}/users/{external_user_id}, "
        "carries tags only"
    )
    if "subscriptions" in spec.data:
        yield spec.doc.diag(
            ("subscriptions",),
            f"email/SMS subscriptions need destination.api: current; {why}",
            "remove subscriptions:, or set destination.api: current in the project file",
            key=True,
        )
    if get(spec.data, ("identity", "alias")) is not None:
        yield spec.doc.diag(
            ("identity", "alias"),
            "users named by a custom alias need destination.api: current; the player model has "
            "no aliases",
            "use identity: {external_id: ...} or {subscription_id: ...} (a player id), or set "
            "destination.api: current",
            key=True,
        )
    if "aliases" in (spec.data.get("identity") or {}):
        yield spec.doc.diag(
            ("identity", "aliases"),
            f"aliases need destination.api: current; {why}",
            "remove identity.aliases:, or set destination.api: current in the project file",
            key=True,
        )


RULES = (
    check_source,
    check_identity,
    check_columns,
    check_aliases,
    check_tags,
    check_schedule,
    check_kind,
    check_event,
    check_message,
    check_send_after,
    check_templates,
    check_unsubscribe,
    check_on_leave,
    check_legacy_api,
    check_tests,
)
