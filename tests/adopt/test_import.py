"""``onesync import`` end to end: a sandbox filled with 10,000 users through the API, a DuckDB
model that mostly agrees with it, the import, and a plan that holds exactly the drift; apply;
an empty plan. Then the same from a ``--file`` export, and damaged files refused with the state
unchanged."""

from __future__ import annotations

import dataclasses
import gzip
import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from onesync.adopt import import_state
from onesync.api import load_project
from onesync.apply import apply_plan
from onesync.destination.export import download_export
from onesync.errors import DestinationError, StateError
from onesync.plan import make_plan
from onesync.sandbox import RateLimits, Sandbox, SandboxConfig
from onesync.state import open_state

APP_ID = "5eb5a37e-0000-4000-8000-000000000001"
API_KEY = "os_v2_app_sandbox-import-4242"
N = 10_000

SPEC = """\
sync: customers
source: db
model: {{table: customers}}
identity: {{external_id: id}}
subscriptions: {{email: email}}
tags:
  plan: plan
  ltv: {{column: ltv, type: number}}
mode: {mode}
"""


def kind(i: int) -> str:
    """How user ``i`` of the database stands in OneSignal before the import."""
    return {
        1: "tag_differs",  # plan is 'gold' in OneSignal
        2: "extra_email",  # OneSignal also has another address: not onesync's, never drift
        3: "missing_user",  # OneSignal has no such user: created
        4: "missing_email",  # the user has no email subscription: added
        5: "unsubscribed",  # the email is there, unsubscribed: never re-subscribed
        6: "extra_tag",  # a tag the spec does not name: cleared in mirror mode only
        7: "no_subscriptions",  # in OneSignal, but the export lists subscriptions: created again
    }.get(i % 10, "in_step")


def db_row(i: int) -> tuple[str, str, str, str]:
    return (f"u{i:05d}", f"user{i}@example.com", ("free", "pro")[i % 2], f"{i % 50}.50")


def onesignal_user(i: int) -> dict[str, Any] | None:
    ext, email, plan, ltv = db_row(i)
    k = kind(i)
    if k == "missing_user":
        return None
    tags = {"plan": "gold" if k == "tag_differs" else plan, "ltv": ltv.rstrip("0").rstrip(".")}
    if k == "extra_tag":
        tags["legacy_score"] = "7"
    subs: list[dict[str, Any]] = (
        []
        if k == "missing_email"
        else [{"type": "Email", "token": email, "enabled": k != "unsubscribed"}]
    )
    if k == "extra_email":
        subs.append({"type": "Email", "token": f"other{i}@example.org", "enabled": True})
    if k == "no_subscriptions":
        subs = []
    elif k == "missing_email" or i % 7 == 0:  # a phone's push subscription: left alone
        subs.append({"type": "AndroidPush", "token": f"push-{i}", "enabled": True})
    return {"identity": {"external_id": ext}, "properties": {"tags": tags}, "subscriptions": subs}


def _config(db: Path | None = None) -> SandboxConfig:
    return SandboxConfig(
        app_id=APP_ID,
        api_key=API_KEY,
        rate_limits=RateLimits.unlimited(),
        export_ready_after=2,
        db_path=str(db) if db else None,
    )


@pytest.fixture(scope="module")
def app_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The app, filled once through the API as an SDK-fed app would be, kept in a sandbox file
    (each test starts a sandbox on its own copy: the tests change the app)."""
    db = tmp_path_factory.mktemp("app") / "app.db"
    with Sandbox(_config(db)) as sb:
        headers = {"Authorization": f"Key {API_KEY}"}
        with httpx.Client(base_url=sb.url, headers=headers, timeout=30) as http:
            bodies = [b for i in range(N) if (b := onesignal_user(i)) is not None]
            bodies += [  # OneSignal users the database does not have: never touched
                {"identity": {"external_id": f"app-only-{j}"}, "properties": {"tags": {"a": "1"}}}
                for j in range(50)
            ]
            bodies += [  # devices no user id was ever set on (an SDK before login)
                {"subscriptions": [{"type": "iOSPush", "token": f"anon-{j}"}]} for j in range(5)
            ]
            for body in bodies:
                r = http.post(f"/api/v1/apps/{APP_ID}/users", json=body)
                assert r.status_code in (200, 201, 202), r.text
    return db


@pytest.fixture
def filled(app_file: Path, tmp_path: Path) -> Iterator[Sandbox]:
    copy = tmp_path / "app.db"
    shutil.copyfile(app_file, copy)
    with Sandbox(_config(copy)) as sb:
        yield sb


@pytest.fixture
def empty() -> Iterator[Sandbox]:
    config = SandboxConfig(app_id=APP_ID, api_key=API_KEY, rate_limits=RateLimits.unlimited())
    with Sandbox(config) as sb:
        yield sb


def project_dir(root: Path, sb: Sandbox, mode: str, state: str = ".onesync/state.duckdb") -> Path:
    (root / "specs").mkdir(parents=True)
    (root / "onesync.yaml").write_text(
        "version: 1\nsources:\n  db:\n    dialect: duckdb\n    path: src.duckdb\n"
        f"destination:\n  app_id: {APP_ID}\n  api_key: ${{env:TEST_ONESIGNAL_KEY}}\n"
        f"  api_url: {sb.url}\n  rate_limit: 100000/s\n"
        f"state:\n  url: {state}\n  max_destructive_share: 1\nspecs: specs/\n"
    )
    (root / "specs" / "customers.yaml").write_text(SPEC.format(mode=mode))
    conn = duckdb.connect(str(root / "src.duckdb"))
    conn.execute("CREATE TABLE customers (id TEXT, email TEXT, plan TEXT, ltv DECIMAL(10, 2))")
    conn.execute(  # db_row(i) for every i, in SQL (executemany of 10,000 rows takes seconds)
        "INSERT INTO customers SELECT printf('u%05d', i), 'user' || i || '@example.com', "
        f"CASE WHEN i % 2 = 0 THEN 'free' ELSE 'pro' END, (i % 50) + 0.5 FROM range({N}) t(i)"
    )
    assert conn.execute("SELECT * FROM customers WHERE id = 'u00123'").fetchone() == (
        *db_row(123)[:3],
        Decimal(db_row(123)[3]),
    )
    conn.close()
    return root


@pytest.fixture(autouse=True)
def key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_ONESIGNAL_KEY", API_KEY)


def drift(plan: Any) -> Counter[str]:
    """The plan's changes by what they are."""
    out: Counter[str] = Counter()
    for c in plan.sync("customers").profiles:
        if c.action == "create":
            out["create"] += 1
            continue
        for tag in c.set_tags:
            out[f"set {tag}"] += 1
        for tag in c.unset_tags:
            out[f"unset {tag}"] += 1
        for s in c.add_subscriptions:
            out[f"add {s['type']}"] += 1
        for s in c.remove_subscriptions:
            out[f"remove {s['type']}"] += 1
    return out


def expected(mode: str) -> Counter[str]:
    kinds = Counter(kind(i) for i in range(N))
    out = Counter(
        {
            "create": kinds["missing_user"] + kinds["no_subscriptions"],
            "set plan": kinds["tag_differs"],
            "add email": kinds["missing_email"],
        }
    )
    if mode == "mirror":
        out["unset legacy_score"] = kinds["extra_tag"]
    return out


def subscriptions_of(sb: Sandbox, ext: str) -> dict[str, bool]:
    r = httpx.get(
        f"{sb.url}/api/v1/apps/{APP_ID}/users/by/external_id/{ext}",
        headers={"Authorization": f"Key {API_KEY}"},
    )
    return {s["token"]: s["enabled"] for s in r.json()["subscriptions"]}


@pytest.mark.parametrize("mode", ["upsert", "mirror"])
def test_import_then_the_plan_is_the_drift(filled: Sandbox, tmp_path: Path, mode: str) -> None:
    sb = filled
    root = project_dir(tmp_path / "project", sb, mode)
    project = load_project(root)
    before = make_plan(project)
    try:  # without an import, every user looks new
        assert len(before.sync("customers").profiles) == N
        assert {c.action for c in before.sync("customers").profiles} == {"create"}
    finally:
        before.close()

    lines: list[str] = []
    report = import_state(project, poll=0.01, progress=lines.append)
    kinds = Counter(kind(i) for i in range(N))
    (seeded,) = report.syncs
    absent = kinds["missing_user"] + kinds["no_subscriptions"]
    assert seeded.users == N - absent and seeded.missing == absent
    assert report.export.without_external_id == 5
    assert seeded.in_step == kinds["in_step"] + kinds["extra_email"] + kinds["unsubscribed"] + (
        kinds["extra_tag"] if mode == "upsert" else 0
    )
    assert any("generating the export" in line for line in lines)

    plan = make_plan(project)
    try:
        sp = plan.sync("customers")
        assert drift(plan) == expected(mode)
        assert not any(c.remove_subscriptions for c in sp.profiles)  # nothing of OneSignal's goes
        assert sp.imported == report.at
        assert sp.unchanged == N - sum(
            1
            for i in range(N)
            if kind(i) in ("missing_user", "no_subscriptions", "tag_differs", "missing_email")
        ) - (kinds["extra_tag"] if mode == "mirror" else 0)
        apply_plan(plan, project)
    finally:
        plan.close()

    again = make_plan(project)
    try:
        assert not again.has_changes, drift(again)
    finally:
        again.close()
    # the unsubscribed address stayed unsubscribed, the extra one is still there
    assert subscriptions_of(sb, "u00005") == {"user5@example.com": False}
    assert subscriptions_of(sb, "u00002") == {
        "user2@example.com": True,
        "other2@example.org": True,
    }


def _cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, TEST_ONESIGNAL_KEY=API_KEY, PYTHONPATH=str(Path(__file__).parents[2]))
    return subprocess.run(
        [sys.executable, "-c", "from onesync.cli import main; main()", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_import_from_a_file_and_damaged_files(filled: Sandbox, tmp_path: Path) -> None:
    sb = filled
    root = project_dir(tmp_path / "project", sb, "upsert")
    project = load_project(root)
    export = download_export(project.destination, tmp_path / "export.csv.gz", poll=0.01).path

    data = export.read_bytes()
    truncated = tmp_path / "truncated.csv.gz"
    truncated.write_bytes(data[: len(data) // 2])
    garbage = tmp_path / "garbage.csv.gz"
    garbage.write_bytes(b"<html>not an export</html>")
    no_ext = tmp_path / "no_external_id.csv.gz"
    lines = gzip.decompress(data).decode().splitlines()
    header = lines[0].split(",")
    keep = [i for i, name in enumerate(header) if name != "external_user_id"]
    with gzip.open(no_ext, "wt") as f:  # the header only: a dashboard export without the field
        f.write(",".join(header[i] for i in keep) + "\n")

    with open_state(project.state, root) as state:  # a state with something in it
        state.confirm_rows("customers", [("u00001", "fp", {"tag:plan": "pro"})])
        serial = state.serial
    for bad, words in (
        (truncated, "truncated.csv.gz"),
        (garbage, "garbage.csv.gz"),
        (no_ext, "external_user_id"),
    ):
        done = _cli(root, "import", "--file", str(bad))
        assert done.returncode == 1, done
        assert words in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert "Traceback" not in done.stderr
        with open_state(project.state, root, lock=False) as state:
            assert state.serial == serial and state.row_count("customers") == 1

    done = _cli(root, "import", "--file", str(export))
    assert done.returncode == 0, done.stderr
    assert "customers: 8,000 of 10,000 model rows in OneSignal" in done.stdout
    plan = make_plan(project)
    try:
        assert drift(plan) == expected("upsert")
    finally:
        plan.close()
    shown = _cli(root, "plan")
    assert "state seeded by `onesync import`" in shown.stdout, shown.stdout


def test_import_names_only_profile_syncs(empty: Sandbox, tmp_path: Path) -> None:
    root = project_dir(tmp_path / "project", empty, "upsert")
    done = _cli(root, "import", "nope")
    assert done.returncode == 1 and "no sync named 'nope' (syncs: customers)" in done.stderr


def test_a_refused_key_changes_nothing(empty: Sandbox, tmp_path: Path) -> None:
    root = project_dir(tmp_path / "project", empty, "upsert")
    project = load_project(root)
    bad = dataclasses.replace(project.destination, api_key="os_v2_app_wrong")
    with pytest.raises(DestinationError) as err:
        import_state(dataclasses.replace(project, destination=bad), poll=0.01)
    assert "os_v2_app_wrong" not in str(err.value)
    with open_state(project.state, root, lock=False) as state:
        assert state.row_count("customers") == 0


def test_import_waits_for_the_state_lock(empty: Sandbox, tmp_path: Path) -> None:
    root = project_dir(tmp_path / "project", empty, "upsert")
    project = load_project(root)
    with open_state(project.state, root), pytest.raises(StateError, match="is locked by"):
        import_state(project, poll=0.01, lock_timeout=0.5)


def test_import_into_a_postgres_state(
    filled: Sandbox, tmp_path: Path, pg_url: str, pg_schema: str
) -> None:
    """The same import, with the state in PostgreSQL: one transaction there too."""
    state = f"{pg_url}?options=-csearch_path%3D{pg_schema}"
    root = project_dir(tmp_path / "project", filled, "mirror", state=state)
    project = load_project(root)
    import_state(project, poll=0.01)
    plan = make_plan(project)
    try:
        assert drift(plan) == expected("mirror")
        apply_plan(plan, project)
    finally:
        plan.close()
    again = make_plan(project)
    try:
        assert not again.has_changes
    finally:
        again.close()
