"""Secrets under attack: a spec (or a pull request) that tries to make onesync print one.

Each case is one hostile project run as a real ``onesync`` process with the canaries in its
environment: exit 1, one clear message at the file:line to edit, no traceback, and neither
canary in any output or in any file left under the project. The redactors are unit-tested at
the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from onesync.errors import redact, register_secret
from onesync.model import dsn_secrets, redact_dsn, redact_url

from .harness import PROJECT, SYNC, assert_user_error, leaked, make_project, run

DUCKDB_SOURCE = "  db: {dialect: duckdb, path: data/src.duckdb}"
REFUSED = "is not allowed here; environment values are only allowed in onesync.yaml"


def source(text: str) -> str:
    """The project file with the ``db`` source replaced by ``text`` (one line)."""
    return PROJECT.replace(DUCKDB_SOURCE, f"  db: {text}")


def extra_source(text: str) -> str:
    """The project file with a second source ``pg`` (line 4)."""
    return PROJECT.replace(DUCKDB_SOURCE, f"{DUCKDB_SOURCE}\n  pg: {text}")


def sync(old: str, new: str) -> str:
    assert old in SYNC
    return SYNC.replace(old, new)


def pg_sync() -> str:
    return sync("sync: customers\nsource: db", "sync: pg_customers\nsource: pg")


@dataclass(frozen=True)
class Case:
    files: dict[str, str]
    args: tuple[str, ...] = ("validate",)
    where: str | None = None  # file:line:col the message must name
    says: tuple[str, ...] = ()  # words the message must hold
    more: tuple[tuple[str, ...], ...] = field(default=())  # other commands, same judgement


CASES: dict[str, Case] = {
    # -- ${env:...} where the schema does not allow it: refused, quoted as written ----------
    "env in a tag column": Case(
        {"specs/customers.yaml": sync("plan: plan", "plan: '${env:ONESIGNAL_API_KEY}'")},
        where="specs/customers.yaml:7:10",
        says=("tags.plan: ${env:ONESIGNAL_API_KEY} " + REFUSED,),
        more=(("plan",), ("compile",)),
    ),
    "env in a sql literal": Case(
        {
            "specs/customers.yaml": sync(
                "model: {table: customers}",
                "model:\n  sql: |\n    select id, email, plan\n"
                "    from customers where plan <> '${env:DB_PASSWORD}'",
            )
        },
        where="specs/customers.yaml:6:35",
        says=("model.sql: ${env:DB_PASSWORD} " + REFUSED,),
        more=(("plan",),),
    ),
    "env in a model table": Case(
        {"specs/customers.yaml": sync("{table: customers}", "{table: '${env:DB_PASSWORD}'}")},
        where="specs/customers.yaml:3:17",
        says=("model.table: ${env:DB_PASSWORD} " + REFUSED,),
    ),
    "env in the external_id column": Case(
        {
            "specs/customers.yaml": sync(
                "external_id: id", "external_id: '${env:ONESIGNAL_API_KEY}'"
            )
        },
        where="specs/customers.yaml:4:26",
        says=("identity.external_id: ${env:ONESIGNAL_API_KEY} " + REFUSED,),
    ),
    "env with a default in a spec": Case(
        {"specs/customers.yaml": sync("plan: plan", "plan: ${env:DB_PASSWORD:-plan}")},
        where="specs/customers.yaml:7:9",
        says=("${env:DB_PASSWORD:-plan} " + REFUSED,),
    ),
    "env in a subscription column": Case(
        {"specs/customers.yaml": sync("{email: email}", "{email: '${env:ONESIGNAL_API_KEY}'}")},
        where="specs/customers.yaml:5:25",
    ),
    "env in specs:": Case(
        {"onesync.yaml": PROJECT.replace("specs: specs/", "specs: ${env:DB_PASSWORD}")},
        where="onesync.yaml:9:8",
        says=("specs: ${env:DB_PASSWORD} " + REFUSED,),
    ),
    "env in a source dialect": Case(
        {"onesync.yaml": source("{dialect: '${env:DB_PASSWORD}', path: data/src.duckdb}")},
        where="onesync.yaml:3:18",
        says=("sources.db.dialect: ${env:DB_PASSWORD} " + REFUSED,),
    ),
    # -- allowed positions: the value is used, and never shown ------------------------------
    "env value in a rate_limit is quoted as written": Case(
        {
            "onesync.yaml": PROJECT.replace(
                "api_url: http://127.0.0.1:9",
                "api_url: http://127.0.0.1:9\n  rate_limit: ${env:ONESIGNAL_API_KEY}",
            )
        },
        where="onesync.yaml:8:15",
        says=("rate_limit '${env:ONESIGNAL_API_KEY}' is not a rate",),
    ),
    "api key as the api_url": Case(
        {
            "onesync.yaml": PROJECT.replace(
                "api_url: http://127.0.0.1:9", "api_url: ${env:ONESIGNAL_API_KEY}"
            )
        },
        where="onesync.yaml:7:12",
        more=(("plan",),),
    ),
    "api key as a time zone": Case(
        {"onesync.yaml": source("{dialect: duckdb, path: data/src.duckdb, timezone: '${env:X}'}")},
        where="onesync.yaml:3",
    ),
    # -- passwords in URLs and connection strings --------------------------------------------
    "postgres ?password= to a closed port": Case(
        {
            "onesync.yaml": extra_source(
                "{dialect: postgres, url: 'postgresql://127.0.0.1:9/x?password=${env:DB_PASSWORD}'}"
            ),
            "specs/pg.yaml": pg_sync(),
        },
        where="onesync.yaml:4",
        more=(("plan",),),
    ),
    "postgres user:password@ to a closed port": Case(
        {
            "onesync.yaml": extra_source(
                "{dialect: postgres, url: 'postgres://u:${env:DB_PASSWORD}@127.0.0.1:9/x'}"
            ),
            "specs/pg.yaml": pg_sync(),
        },
        where="onesync.yaml:4",
        more=(("plan",),),
    ),
    "libpq key=value DSN": Case(
        {
            "onesync.yaml": source(
                "{dialect: postgres, url: 'host=127.0.0.1 port=9 password=${env:DB_PASSWORD}'}"
            )
        },
        where="onesync.yaml:3",
        more=(("plan",),),
    ),
    "a DSN the driver cannot parse echoes the secret": Case(
        {"onesync.yaml": source("{dialect: postgres, url: 'host=127.0.0.1 ${env:DB_PASSWORD}'}")},
        where="onesync.yaml:3",
        says=('missing "=" after "***"',),
    ),
    "the api key as a source url": Case(
        {"onesync.yaml": source("{dialect: postgres, url: '${env:ONESIGNAL_API_KEY}'}")},
        where="onesync.yaml:3",
    ),
    "mysql url with a password to a closed port": Case(
        {
            "onesync.yaml": source(
                "{dialect: mysql, url: 'mysql://root:${env:DB_PASSWORD}@127.0.0.1:9/x'}"
            )
        },
        where="onesync.yaml:3",
        more=(("plan",),),
    ),
    "mysql url with a bad port": Case(
        {
            "onesync.yaml": source(
                "{dialect: mysql, url: 'mysql://root:${env:DB_PASSWORD}@127.0.0.1:nine/x'}"
            )
        },
        where="onesync.yaml:3",
    ),
    "state url with a password": Case(
        {
            "onesync.yaml": PROJECT.replace(
                "state: {url: .onesync/state.duckdb}",
                "state: {url: 'postgresql://u:${env:DB_PASSWORD}@127.0.0.1:9/x'}",
            )
        },
        args=("plan",),
        says=("state postgresql://u:***@127.0.0.1:9/x: cannot connect",),
        more=(("state", "show"), ("apply", "--yes")),
    ),
    "state url with ?password=": Case(
        {
            "onesync.yaml": PROJECT.replace(
                "state: {url: .onesync/state.duckdb}",
                "state: {url: 'postgresql://127.0.0.1:9/x?sslpassword=${env:DB_PASSWORD}'}",
            )
        },
        args=("state", "show"),
        says=("sslpassword=***",),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_no_secret_is_ever_shown(tmp_path: Path, name: str) -> None:
    case = CASES[name]
    root = make_project(tmp_path, case.files)
    x = {"X": "os_v2_app_CANARYKEY7f3a9"}  # the key under another name: registered all the same
    for args in (case.args, *case.more):
        outcome = run(root, *args, extra_env=x, timeout=30)
        assert_user_error(outcome, where=case.where if args == case.args else None)
        assert outcome.seconds < 20, (args, outcome.seconds)
        for words in case.says if args == case.args else ():
            assert words in outcome.stderr, outcome.stderr
        assert len(outcome.stderr.strip().splitlines()) <= 3, outcome.stderr  # one line each
        assert leaked(root, outcome) == [], (args, outcome.output)


def test_a_password_written_in_a_url_is_not_shown(tmp_path: Path) -> None:
    """Not from the environment: a literal password in a URL is registered all the same."""
    url = "postgresql://app:Literal-Pa55-4f1@127.0.0.1:9/x?sslmode=disable"
    root = make_project(tmp_path, {"onesync.yaml": source(f"{{dialect: postgres, url: '{url}'}}")})
    outcome = run(root, "plan", timeout=30)
    assert_user_error(outcome, where="onesync.yaml:3")
    assert "Literal-Pa55-4f1" not in outcome.output


# -- the redactors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "shown", "secrets"),
    [
        ("postgresql://app:s3cr3t@127.0.0.1:1/shop", "postgresql://app:***@127.0.0.1:1/shop",
         ["s3cr3t"]),
        ("postgresql://h:9/x?password=p%40ss&sslmode=off", "postgresql://h:9/x?password=***&sslmode=off",
         ["p%40ss", "p@ss"]),
        ("postgres://h/x?sslmode=require&sslpassword=k3y", "postgres://h/x?sslmode=require&sslpassword=***",
         ["k3y"]),
        ("mysql://root:pw0rd@db:3306/shop", "mysql://root:***@db:3306/shop", ["pw0rd"]),
        ("mysql://u:p@ss/w@db:nine/shop", "mysql://u:***@db:nine/shop", ["p@ss/w"]),
        ("host=h port=5432 password=hunter22 dbname=x", "host=h port=5432 password=*** dbname=x",
         ["hunter22"]),
        ("host=h password='two words' user=u", "host=h password=*** user=u", ["two words"]),
        ("Server=s;Uid=u;Pwd=odbc-pw;Database=d", "Server=s;Uid=u;Pwd=***;Database=d", ["odbc-pw"]),
        ("jdbc:postgresql://h/db?user=u&password=j-pw", "jdbc:postgresql://h/db?user=u&password=***",
         ["j-pw"]),
        ("postgresql://u:with space@h/db", "postgresql://u:***@h/db", ["with space"]),
        ("postgresql://app@db.example/prod", "postgresql://app@db.example/prod", []),
        ("data/shop.duckdb", "data/shop.duckdb", []),
        ("", "", []),
    ],
)  # fmt: skip
def test_redact_url(given: str, shown: str, secrets: list[str]) -> None:
    assert redact_url(given) == shown
    assert dsn_secrets(given) == secrets


def test_redact_dsn_in_a_driver_message() -> None:
    message = (
        'connection to "postgresql://u:pw-1@h/db" failed (conninfo: host=h PASSWORD=pw-2 user=u); '
        "source 'pg' (postgres: postgresql://h/x?password=***): cannot connect"
    )
    assert redact_dsn(message) == (
        'connection to "postgresql://u:***@h/db" failed (conninfo: host=h PASSWORD=*** user=u); '
        "source 'pg' (postgres: postgresql://h/x?password=***): cannot connect"
    )
    assert redact_url(None) is None
    plain = "password authentication failed for user app; bypass=1"
    assert redact_dsn(plain) == plain


def test_the_registry_redacts_longest_first() -> None:
    register_secret("Registry-secret-abc")
    register_secret("Registry-secret")
    register_secret("abc")  # too short to register: it would blank out words
    assert redact("x Registry-secret-abc y Registry-secret z abc") == "x *** y *** z abc"
