"""Every command, given broken arguments, exits 1 with one line on stderr and no traceback.

The commands are read from ``onesync --help`` (and each group's ``--help``), so a new command
without a case here fails ``test_every_command_has_broken_cases``. No case may reach the CLI's
last-resort handler ("internal error: ..."): each broken input has its own message.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from .harness import PROJECT, assert_user_error, make_project, run

Setup = Callable[[Path], None]


def _files(root: Path) -> None:
    """The broken inputs the cases point at, next to a valid project."""
    (root / "afile").write_text("just text\n")
    (root / "notsqlite.db").write_text("hello " * 200)
    (root / "plain.db").write_bytes(b"")
    (root / "bad.json").write_text("{not json")
    (root / "trunc.json").write_text('{"format": "onesync-plan", "format_version": 2, "syncs": [')
    (root / "v1.json").write_text('{"format": "onesync-plan", "format_version": 1}')
    (root / "other.json").write_text('{"format": "terraform", "format_version": 2}')
    (root / "list.json").write_text("[1, 2, 3]")
    (root / "damaged.json").write_text(
        '{"format": "onesync-plan", "format_version": 2, "app_id": "a", "created_at": "t", '
        '"created_by": "me", "state": {"url": "", "serial": 0, "lineage": "l"}, "syncs": '
        '[{"name": "s", "kind": "profile", "mode": "upsert", "source": "db", '
        '"spec_fingerprint": "x", "source_fingerprint": "y", "profiles": "abc"}]}'
    )
    (root / "binary.json").write_bytes(b"\xff\xfe\x00garbage")
    (root / "notyaml.yaml").write_text("{{{: [\n\x00\x01")
    (root / "notes.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")


# command path (as `onesync --help` lists it) -> broken invocations
CASES: dict[str, list[tuple[str, ...]]] = {
    "": [("nosuchcmd",), ("--nosuch",), ("-p", ".", "validate")],
    "init": [(".",), ("afile",), ("afile/sub",)],
    "validate": [
        ("-p", "nosuchdir"),
        ("-p", "notyaml.yaml"),
        ("-p", "notes.txt"),
        ("-p", "afile"),
        ("--offline", "--nosuch"),
    ],
    "compile": [("--dialect", "nosuch"), ("nosuchsync",), ("-p", "notyaml.yaml")],
    "plan": [
        ("-o", "missing/dir/plan.json"),
        ("-o", "afile/plan.json"),
        ("-o", "."),
        ("--sample", "-1"),
        ("--sample", "many"),
        ("--lock-timeout", "-5"),
        ("nosuchsync",),
        ("--json", "--markdown"),
        ("-p", "notes.txt"),
    ],
    "apply": [
        ("bad.json",),
        ("trunc.json",),
        ("v1.json",),
        ("other.json",),
        ("list.json",),
        ("damaged.json",),
        ("binary.json",),
        ("missing.json",),
        (".",),
        ("v1.json", "--sync", "customers"),
        ("--sync", "nosuch", "--yes"),
        ("--sample", "-3", "--yes"),
        (),  # no --yes and no terminal: refuses to apply unseen
    ],
    "show": [
        ("bad.json",),
        ("trunc.json",),
        ("v1.json",),
        ("binary.json",),
        ("missing.json",),
        (".",),
        ("v1.json", "--json", "--markdown"),
    ],
    "export": [
        ("--csv", "afile/out"),
        ("--csv", "afile"),
        (),
        ("--csv", "out", "nosuchsync"),
    ],
    "import": [
        ("--file", "missing.csv.gz"),
        ("--file", "notes.txt"),
        ("--file", "binary.json"),
        ("--file", "."),
        ("--timeout", "0", "--file", "notes.txt"),
        ("--poll", "soon"),
        ("nosuchsync", "--file", "notes.txt"),
    ],
    "state": [("nosuch",)],
    "state unlock": [(), ("-p", "nosuchdir")],
    "state show": [("-p", "notyaml.yaml"), ("--bogus",)],
    "run": [("--interval", "0", "--watch"), ("--interval", "soon"), ("-p", "nosuchdir")],
    "sandbox": [
        ("--port", "99999"),
        ("--rate-429", "2", "--port", "0"),
        ("--rate-429", "0.6", "--rate-5xx", "0.6", "--port", "0"),
        ("--latency-ms", "-1", "--port", "0"),
        ("--users-rate", "fast", "--port", "0"),
        ("--db", "afile/x.db", "--port", "0"),
        ("--host", "nosuch.invalid", "--port", "0"),
    ],
    "sandbox serve": [("--port", "-1"), ("--max-tags", "0", "--port", "0")],
    "sandbox show": [
        ("--db", "notsqlite.db"),
        ("--db", "plain.db"),
        ("--db", "missing.db"),
        ("--db", "afile"),
        ("--url", "http://127.0.0.1:9"),
        ("--url", "not a url"),
    ],
    "demo": [("-p", "nosuchdir")],
    "test": [("nosuchsync",), ("-p", "notyaml.yaml"), ("-p", "nosuchdir"), ("--nosuch",)],
}

IDS = [(path, args) for path, cases in CASES.items() for args in cases]


def _commands(root: Path, *group: str) -> list[str]:
    """Command paths listed by ``onesync [GROUP] --help``, groups walked recursively."""
    out = run(root, *group, "--help")
    assert out.code == 0, out.output
    section = out.stdout.split("Commands:", 1)
    if len(section) == 1:
        return []
    names = re.findall(r"^  (\S+)", section[1], flags=re.M)
    found = []
    for name in names:
        path = (*group, name)
        found.append(" ".join(path))
        found += _commands(root, *path)
    return found


def test_every_command_has_broken_cases(tmp_path: Path) -> None:
    listed = set(_commands(tmp_path))
    assert {"plan", "apply", "state unlock", "sandbox show"} <= listed  # the walk works
    missing = sorted(listed - set(CASES))
    assert not missing, f"add broken-argument cases for: {missing}"


@pytest.mark.parametrize(("path", "args"), IDS, ids=[" ".join((p, *a)).strip() for p, a in IDS])
def test_broken_arguments_are_one_line_errors(
    tmp_path: Path, path: str, args: tuple[str, ...]
) -> None:
    root = make_project(tmp_path)
    _files(root)
    r = run(root, *path.split(), *args)
    assert_user_error(r)
    lines = r.stderr.strip().split("\n")
    assert len(lines) == 1, r.stderr
    assert "internal error" not in r.stderr, r.stderr


def test_debug_still_shows_the_traceback(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    r = run(root, "--debug", "plan", "nosuchsync")
    assert r.code == 1 and "Traceback" in r.stderr and "PlanError" in r.stderr


def test_a_folder_init_would_overwrite_is_refused(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / ".gitignore").write_text("mine\n")
    r = run(tmp_path, "init", "repo")
    assert_user_error(r, where="is not empty (.gitignore)")
    assert (tmp_path / "repo" / ".gitignore").read_text() == "mine\n"
    (tmp_path / "fresh" / ".git").mkdir(parents=True)
    assert run(tmp_path, "init", "fresh").code == 0  # a fresh clone is fine


def test_plan_output_folder_is_checked_before_any_work(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    r = run(root, "plan", "-o", "missing/plan.json")
    assert_user_error(r, where="folder missing does not exist")
    assert not (root / ".onesync").exists()  # refused before the state was even opened


def test_state_show_does_not_create_a_state(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    r = run(root, "state", "show")
    assert r.code == 0 and "no state store at" in r.stdout, r.output
    assert not (root / ".onesync").exists()


def test_sandbox_show_does_not_write_into_a_foreign_sqlite_file(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "app.db"
    conn = sqlite3.connect(db)
    conn.execute("create table invoices (id integer)")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    r = run(tmp_path, "sandbox", "show", "--db", "app.db")
    assert_user_error(r, where="not a sandbox's")
    assert db.read_bytes() == before


# -- --allow-outside -------------------------------------------------------------------------

OUTSIDE = PROJECT.replace("specs: specs/", "specs: ../shared/")


@pytest.mark.parametrize(
    "args",
    [
        ("validate", "--offline"),
        ("compile", "--offline"),
        ("plan",),
        ("apply", "missing.json"),
        ("export", "--csv", "out"),
        ("run",),
        ("state", "show"),
        ("state", "unlock"),
        ("test",),
    ],
    ids=lambda a: " ".join(a),
)
def test_specs_outside_the_project_need_allow_outside(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    root = make_project(tmp_path / "proj", {"onesync.yaml": OUTSIDE}, rows=False)
    from .harness import SYNC

    (tmp_path / "shared").mkdir()
    spec = SYNC.replace("{table: customers}", "{table: nosuch}")
    (tmp_path / "shared" / "customers.yaml").write_text(spec)
    refused = run(root, *args)
    assert_user_error(refused, where="outside the project")
    assert "--allow-outside" in refused.stderr
    allowed = run(root, *args, "--allow-outside")
    assert "outside the project" not in allowed.output, allowed.output
    assert "Traceback" not in allowed.output and "internal error" not in allowed.output
