"""Where a file may read the environment, and which of the values it reads are secrets.

A pull request can change any spec, and CI runs ``validate`` on it with the production secrets in
its environment; so ``${env:NAME}`` is refused wherever a value ends up in a query, a column
name or a message (every sync spec), and the values read where it is allowed are registered with
``onesync.errors.register_secret`` before anything can print them.

Rules (docs/spec-reference.md, "Secrets"):

* ``onesync.yaml``: ``${env:...}`` is allowed under ``sources`` (every key but ``dialect``),
  ``destination`` and ``state``; not in ``version`` or ``specs``.
* sync specs: nowhere.
* Registered as secrets: the password and credential parameters of any URL or ``key=value``
  connection string in ``sources``, ``destination`` or ``state``, written or read; and every
  value read from the environment, whole, except a URL (only its credentials: the host stays
  visible in messages) and values public by nature (an app id that is a UUID, a number or rate,
  a source's time zone, ``current``/``legacy``). Other literal values are not registered: what
  is committed to the repository is no secret, and registering placeholders like ``key-1``
  would blank out ordinary words in every message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from onesync.model import SECRET_KEYS, dsn_secrets

__all__ = ["ANYWHERE", "PROJECT", "SPEC", "EnvPolicy"]

Path_ = tuple[str | int, ...]

_UUID = re.compile(r"[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}\Z")
_NUMBER_OR_RATE = re.compile(r"\s*[-+]?[0-9]+(\.[0-9]+)?\s*(/\s*[A-Za-z]+)?\s*\Z")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_KEY_VALUE = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(SECRET_KEYS) + r")\s*=", re.IGNORECASE)
_PUBLIC_WORDS = frozenset({"current", "legacy", "true", "false"})


@dataclass(frozen=True, slots=True)
class EnvPolicy:
    """What one kind of file may do with ``${env:...}``.

    ``allowed(path)`` says whether a reference may sit at ``path``; ``secrets(path, value,
    from_env)`` lists what to register for the text ``value`` found there (a whole scalar, or
    one value read from the environment when ``from_env``); ``where`` finishes the sentence
    "environment values are only allowed ...".
    """

    allowed: Callable[[Path_], bool]
    secrets: Callable[[Path_, str, bool], Iterable[str]]
    where: str
    hint: str


def _is_url_or_dsn(value: str) -> bool:
    return bool(_SCHEME.match(value.strip()) or _KEY_VALUE.search(value))


def _credential_key(key: str | int) -> bool:
    k = str(key).lower()
    return k in SECRET_KEYS or any(k.endswith(s) for s in ("password", "_token", "_secret"))


def _project_allowed(path: Path_) -> bool:
    if not path or path[0] not in ("sources", "destination", "state"):
        return False
    return not (path[0] == "sources" and len(path) >= 3 and path[2] == "dialect")


def _project_secrets(path: Path_, value: str, from_env: bool) -> list[str]:
    """What to register for ``value`` at ``path`` in onesync.yaml (see the module docstring)."""
    if not path or path[0] not in ("sources", "destination", "state") or not value:
        return []
    key = path[-1]
    found = dsn_secrets(value) if _is_url_or_dsn(value) else []
    if not from_env:
        return found  # a password in a literal URL; other literals are public in the repo anyway
    if path == ("destination", "api_key") or (path[0] == "sources" and _credential_key(key)):
        return [value, *found]
    if found or _is_url_or_dsn(value):
        return found  # a URL's host and database stay visible in messages; its password not
    if path[0] == "sources":
        return [] if key == "timezone" else [value]
    if path == ("destination", "app_id") and _UUID.match(value.strip()):
        return []
    if _NUMBER_OR_RATE.match(value) or value.strip() in _PUBLIC_WORDS:
        return []  # rate_limit, max_*, concurrency, api, max_destructive_share
    return [value]


def _everything(path: Path_, value: str, from_env: bool) -> list[str]:
    """With no policy, every value read from the environment is a secret."""
    return [value, *dsn_secrets(value)] if from_env else dsn_secrets(value)


ANYWHERE = EnvPolicy(lambda path: True, _everything, "anywhere", "")
PROJECT = EnvPolicy(
    _project_allowed,
    _project_secrets,
    "in onesync.yaml under sources (not dialect), destination and state",
    "write the value itself",
)
SPEC = EnvPolicy(
    lambda path: False,
    lambda path, value, from_env: (),
    "in onesync.yaml under sources, destination and state, never in a sync spec",
    "write the column, table or SQL itself; a spec cannot read the environment",
)
