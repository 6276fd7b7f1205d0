"""The plan as values: what apply will do, and all it needs to do it.

Apply reads only these (it never looks at specs again). Shapes, with JSON names equal to the field
names (see ``docs/plan.md``):

``ProfileChange`` (profile syncs, one per user)
    key, external_id, action (``create`` | ``update`` | ``unset``: the row left the model and
    ``on_leave: clear`` removes what the sync put there | ``delete``: ``on_leave: delete_user``),
    set_tags {tag: new}, unset_tags [tag], before {tag: old} for every tag set or unset,
    add_aliases {label: value}, remove_aliases [label], add_subscriptions [{type, token}],
    remove_subscriptions [{type, token, id, pending?}] (only subscriptions onesync created:
    deleted by id, or disabled by token when the id is unknown; ``pending`` marks one whose
    removal failed in an earlier apply, kept in state as ``oldsub:<type>``), fingerprint
    (stored in state once confirmed; None when a field was refused, so the row is compared
    again next time).
    ``state_patch()`` is what the state merges into the key's confirmed values once OneSignal
    confirmed the change.
``EventChange`` (one custom event)
    key, external_id, name, timestamp, properties {name: value}.
``MessageChange`` (one create-notification call)
    keys, external_ids, channel, headings/contents/subject {language: rendered text},
    template_id, custom_data, send_after, idempotency_key (UUIDv5 of app_id, sync, keys and
    attempt), batched (one content for many recipients: fixed in state before the first send),
    body (set when the batch was fixed by an earlier apply: sent exactly as stored), retry
    (the row reached nobody before and its user has been synced since).
``InvalidRow``: key (``None`` when the key itself is NULL), reason, and field (the one field
refused when the rest of the row still goes, e.g. ``email``); a row without a field is kept out
of the plan whole.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from onesync.model import Channel

if TYPE_CHECKING:
    from onesync.plan.store import ChangeStore

__all__ = [
    "EventChange",
    "InvalidRow",
    "MessageChange",
    "Plan",
    "ProfileChange",
    "SyncPlan",
]

Action = Literal["create", "update", "unset", "delete"]
RUNE: dict[str, str] = {"create": "+", "update": "~", "unset": "-", "delete": "-"}


@dataclass(frozen=True, slots=True)
class ProfileChange:
    """One user to create, update or clear."""

    key: str
    external_id: str
    action: Action
    set_tags: dict[str, str] = field(default_factory=dict)
    unset_tags: tuple[str, ...] = ()
    before: dict[str, str | None] = field(default_factory=dict)
    add_aliases: dict[str, str] = field(default_factory=dict)
    add_subscriptions: tuple[dict[str, str], ...] = ()
    fingerprint: str | None = None
    remove_aliases: tuple[str, ...] = ()
    remove_subscriptions: tuple[dict[str, str | None], ...] = ()

    def state_patch(self) -> dict[str, str | None]:
        """The confirmed values to merge into state (keys ``tag:<key>``, ``alias:<label>``,
        ``sub:<type>``, ``subid:<type>``, ``external_id``; ``None`` removes a value).

        Subscription ids are not known before OneSignal answers: apply adds them."""
        patch: dict[str, str | None] = {"external_id": self.external_id}
        patch.update((f"tag:{k}", v) for k, v in self.set_tags.items())
        patch.update((f"tag:{k}", None) for k in self.unset_tags)
        patch.update((f"alias:{k}", None) for k in self.remove_aliases)
        patch.update((f"alias:{k}", v) for k, v in self.add_aliases.items())
        for s in self.remove_subscriptions:
            if s.get("pending"):  # a removal that failed in an earlier apply
                patch[f"oldsub:{s['type']}"] = patch[f"oldsubid:{s['type']}"] = None
            else:
                patch[f"sub:{s['type']}"] = patch[f"subid:{s['type']}"] = None
        patch.update((f"sub:{s['type']}", s["token"]) for s in self.add_subscriptions)
        return patch

    @property
    def api_calls(self) -> int:
        """Calls this change costs: one create (or delete), else one per kind of write."""
        if self.action in ("create", "delete"):
            return 1
        patch = 1 if (self.set_tags or self.unset_tags) else 0
        return (
            patch
            + (1 if self.add_aliases else 0)
            + len(self.remove_aliases)
            + len(self.add_subscriptions)
            + len(self.remove_subscriptions)
        )

    @property
    def destructive(self) -> bool:
        """Removes something from OneSignal (the destructive guard counts these)."""
        added = {s["type"] for s in self.add_subscriptions}
        lost = [
            s for s in self.remove_subscriptions if s["type"] not in added and not s.get("pending")
        ]  # a replaced address (a changed email) loses nothing
        return self.action in ("unset", "delete") or bool(
            self.unset_tags or self.remove_aliases or lost
        )


@dataclass(frozen=True, slots=True)
class EventChange:
    """One custom event to send once."""

    key: str
    external_id: str
    name: str
    timestamp: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MessageChange:
    """One create-notification call: a personalised message, or a batch of recipients."""

    keys: tuple[str, ...]
    external_ids: tuple[str, ...]
    channel: Channel
    idempotency_key: str
    headings: dict[str, str] = field(default_factory=dict)
    contents: dict[str, str] = field(default_factory=dict)
    subject: dict[str, str] = field(default_factory=dict)
    template_id: str | None = None
    custom_data: dict[str, Any] = field(default_factory=dict)
    send_after: str | None = None
    batched: bool = False
    body: dict[str, Any] | None = None
    retry: bool = False


@dataclass(frozen=True, slots=True)
class InvalidRow:
    """A row kept out of the plan (or one refused field of it), with a reason to act on."""

    key: str | None
    reason: str
    field: str | None = None
    rows: int = 1  # rows this entry stands for (all rows with a NULL key share one entry)


COUNTS = (
    "rows",
    "unchanged",
    "create",
    "update",
    "unset",
    "delete",
    "events",
    "messages",
    "recipients",
    "invalid",
    "refused_fields",
    "conflicts",
    "baseline",
    "left_alone",
)


@dataclass(frozen=True, slots=True)
class SyncPlan:
    """Everything one sync will do: a summary, and its changes in the plan's ``ChangeStore``.

    Fields: name, kind (profile | event | message), mode, source (its name), spec_fingerprint
    (sha256 of the sync's IR), source_fingerprint (over the incoming rows' fingerprints), rows
    (read from the model), state_rows (users in state, or keys sent), unchanged, baseline (first
    run of an event or message sync without backfill: the keys are recorded as seen, nothing is
    sent), left_alone (``on_leave: keep``: users in state no longer in the model), api_calls and
    api_seconds (at the destination's rate limit), read_by (how rows reached the diff:
    ``attach``, ``pushdown`` or ``stream``), imported (when ``onesync import`` seeded its state from
    OneSignal's export, or ""), tallies (counts made by SQL over the changes).

    The changes are lazy sequences over the store (``ChangeList``): ``profiles``, ``events``,
    ``messages``, ``invalid`` (rows kept out, and refused fields), ``conflicts`` (rows OneSignal
    answered 409 for, not retried until the row or spec changes), ``baseline_keys``. ``len`` and
    slices are SQL; iterating decodes a batch at a time.
    """

    name: str
    kind: str
    mode: str
    source: str
    spec_fingerprint: str
    source_fingerprint: str
    rows: int = 0
    state_rows: int = 0
    unchanged: int = 0
    baseline: bool = False
    left_alone: int = 0
    api_calls: int = 0
    api_seconds: float = 0.0
    read_by: str = ""
    imported: str = ""  # when ``onesync import`` seeded the state of this sync, if it did
    tallies: Mapping[str, int] = field(default_factory=dict)
    store: ChangeStore | None = field(default=None, compare=False, repr=False)

    def _list(self, kind: str, where: str = "", params: tuple[Any, ...] = ()) -> Sequence[Any]:
        if self.store is None:
            return ()
        return self.store.list(self.name, kind, where, params)

    @property
    def profiles(self) -> Sequence[ProfileChange]:
        return self._list("profile")

    @property
    def events(self) -> Sequence[EventChange]:
        return self._list("event")

    @property
    def messages(self) -> Sequence[MessageChange]:
        return self._list("message")

    @property
    def invalid(self) -> Sequence[InvalidRow]:
        return self._list("invalid")

    @property
    def conflicts(self) -> Sequence[InvalidRow]:
        return self._list("conflict")

    @property
    def baseline_keys(self) -> Sequence[str]:
        return self._list("baseline")

    def sample(self, action: str, n: int) -> Sequence[ProfileChange]:
        """The first ``n`` profile changes of one action, by key (SQL, not a scan in Python)."""
        return self._list("profile", "action = ?", (action,))[:n]

    def tally(self, name: str) -> int:
        return int(self.tallies.get(name, 0))

    @property
    def has_changes(self) -> bool:
        """True when apply would call OneSignal or record a baseline."""
        return self.baseline or any(
            self.tally(k) for k in ("create", "update", "unset", "delete", "events", "messages")
        )

    @property
    def invalid_count(self) -> int:
        """Rows kept out of the plan whole (refused fields do not count)."""
        return self.tally("invalid")

    def count(self, action: str) -> int:
        return self.tally(action)

    @property
    def counts(self) -> dict[str, int]:
        c = {k: self.tally(k) for k in COUNTS}
        c.update(rows=self.rows, unchanged=self.unchanged, left_alone=self.left_alone)
        return c


FORMAT_VERSION = 3  # 3: Parquet changes with a manifest; apply reads only the plan and state


@dataclass(frozen=True, slots=True)
class Plan:
    """A whole plan: per-sync summaries (in the order apply runs them) and what it was made
    against, so apply can refuse it when anything moved.

    Fields: syncs, app_id, api and api_url (the destination; never the api_key), state_url
    (passwords redacted), state_serial and state_lineage (the state it was made against),
    created_at, created_by (user@host), format_version, store (the changes; ``close()``
    releases it).
    """

    syncs: tuple[SyncPlan, ...]
    app_id: str
    state_url: str
    state_serial: int
    state_lineage: str
    created_at: str
    created_by: str
    format_version: int = FORMAT_VERSION
    api: str = "current"
    api_url: str = ""
    store: ChangeStore | None = field(default=None, compare=False, repr=False)

    @property
    def has_changes(self) -> bool:
        return any(s.has_changes for s in self.syncs)

    @property
    def order(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.syncs)

    def sync(self, name: str) -> SyncPlan:
        for s in self.syncs:
            if s.name == name:
                return s
        raise KeyError(name)

    def close(self) -> None:
        if self.store is not None:
            self.store.close()

    def __enter__(self) -> Plan:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
