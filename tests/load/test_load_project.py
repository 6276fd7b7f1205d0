"""Finding a project's files and turning them into a Project, as a user calls it."""

from __future__ import annotations

from pathlib import Path

import pytest

from onesync.errors import SpecError
from onesync.validate import load_project, load_project_report

PROJECT = """\
version: 1
sources:
  local: {dialect: duckdb, path: data/shop.duckdb}
destination: {app_id: 5eb5a37e-0000-4000-8000-0000000000a1, api_key: key-1}
"""
SPEC = """\
sync: {name}
source: local
model: {{sql: "select id, plan from users"}}
identity: {{external_id: id}}
tags: {{plan: plan}}
"""


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
    return root


def errors(path: str | Path, **kwargs: object) -> list[str]:
    with pytest.raises(SpecError) as info:
        load_project(path, env={}, **kwargs)  # type: ignore[arg-type]
    return [str(d) for d in info.value.diagnostics]


def test_a_clean_project_loads_without_diagnostics(tmp_path: Path) -> None:
    write(tmp_path, {"onesync.yaml": PROJECT, "specs/users.yaml": SPEC.format(name="users")})
    project, skipped = load_project_report(tmp_path, env={})
    assert [s.name for s in project.syncs] == ["users"]
    assert skipped == ()
    assert project.destination.api_url == "https://api.onesignal.com"
    assert project.state.url == ".onesync/state.duckdb"
    assert project.specs_dir == "specs/"


def test_specs_are_found_recursively_yaml_and_yml_in_path_order(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "onesync.yaml": PROJECT,
            "specs/b.yaml": SPEC.format(name="b"),
            "specs/a/z.yml": SPEC.format(name="z"),
            "specs/notes.txt": "not a spec",
        },
    )
    assert [s.name for s in load_project(tmp_path, env={}).syncs] == ["z", "b"]


def test_path_may_name_the_project_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "proj", {"prod.yaml": PROJECT, "specs/u.yaml": SPEC.format(name="u")})
    monkeypatch.chdir(tmp_path)
    project = load_project("proj/prod.yaml", env={})
    assert project.file == "proj/prod.yaml"
    assert project.syncs[0].file == "proj/specs/u.yaml"
    assert project.root == (tmp_path / "proj").resolve()


def test_messages_name_files_as_the_user_named_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "proj", {"onesync.yaml": PROJECT, "specs/u.yaml": "sync: u\n"})
    monkeypatch.chdir(tmp_path)
    assert errors("proj")[0].startswith("proj/specs/u.yaml:1:1: error: missing required key")


def test_missing_project_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert errors(".") == [
        "onesync.yaml:1:1: error: no onesync.yaml here "
        "(run 'onesync init' or point --project at the directory holding it)"
    ]
    assert errors("nowhere") == [
        "nowhere/onesync.yaml:1:1: error: no onesync.yaml here "
        "(run 'onesync init' or point --project at the directory holding it)"
    ]


def test_a_spec_that_is_not_utf8(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"onesync.yaml": PROJECT, "specs/u.yaml": b"sync: \xff\xfe\n"})
    monkeypatch.chdir(tmp_path)
    assert errors(".") == ["specs/u.yaml:1:1: error: the file is not UTF-8 text (save it as UTF-8)"]


def test_a_spec_path_that_cannot_be_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"onesync.yaml": PROJECT})
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "loop.yaml").symlink_to(tmp_path / "specs" / "loop.yaml")
    monkeypatch.chdir(tmp_path)
    (line,) = errors(".")
    assert line.startswith("specs/loop.yaml:1:1: error: cannot read the file: ")


def test_all_problems_of_all_files_in_one_error(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "onesync.yaml": PROJECT.replace("version: 1", "version: 1\nextra: 1"),
            "specs/a.yaml": "sync: a\nsync: b\nsource: local\nmodel: {table: t}\n",
            "specs/b.yaml": "[unclosed\n",
        },
    )
    lines = errors(tmp_path)
    assert [line.split(": error: ")[0].replace(str(tmp_path), "") for line in lines] == [
        "/onesync.yaml:2:1",
        "/specs/a.yaml:1:1",
        "/specs/a.yaml:2:1",
        "/specs/b.yaml:2:1",
    ]


def test_strings_stay_strings_where_the_schema_wants_text(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "onesync.yaml": PROJECT.replace("key-1", "12345"),
            "specs/u.yaml": (
                "sync: u\nsource: local\nmodel: {sql: 'select id, no, \"on\" from users'}\n"
                "identity: {external_id: id}\ntags: {country: no, on: on}\n"
                "message: {key: id, contents: {en: 100}, headings: {en: 1.50}}\n"
            ),
        },
    )
    project = load_project(tmp_path, env={})
    assert (project.destination.app_id, project.destination.api_key) == (
        "5eb5a37e-0000-4000-8000-0000000000a1",
        "12345",
    )
    sync = project.sync("u")
    assert [(t.name, t.column) for t in sync.tags] == [("country", "no"), ("on", "on")]
    assert sync.message is not None
    assert sync.message.contents == (("en", "100"),)
    assert sync.message.headings == (("en", "1.50"),)


def test_env_supplies_values_and_defaults(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "onesync.yaml": (
                "version: 1\nsources:\n  w: {dialect: postgres, url: '${env:DB}'}\n"
                "destination:\n  app_id: ${env:APP:-5eb5a37e-0000-4000-"
                "8000-0000000000a1}\n  api_key: ${env:KEY}\n"
                "  rate_limit: ${env:RATE:-600/min}\n  max_recipients: ${env:MAX:-500}\n"
                "state: {url: '${env:STATE:-.onesync/s.duckdb}', max_destructive_share: 0.5}\n"
                "specs: specs\n"
            ),
        },
    )
    write(tmp_path, {"specs/u.yaml": SPEC.format(name="u").replace("local", "w")})
    project = load_project(tmp_path, env={"DB": "postgresql://h/db", "KEY": "k"}, offline=True)
    assert project.source("w").url == "postgresql://h/db"
    d = project.destination
    assert (d.app_id, d.api_key, d.rate_limit, d.max_recipients) == (
        "5eb5a37e-0000-4000-8000-0000000000a1",
        "k",
        10.0,
        500,
    )
    assert project.state.url == ".onesync/s.duckdb"
    assert project.state.max_destructive_share == 0.5
    assert [s.name for s in project.syncs] == ["u"]


def test_model_file_is_read_relative_to_the_root(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "onesync.yaml": PROJECT,
            "models/users.sql": "-- users\nselect id, plan from users\n",
            "specs/deep/u.yaml": (
                "sync: u\nsource: local\nmodel: {file: models/users.sql}\n"
                "identity: {external_id: id}\ntags: {plan: plan}\n"
            ),
        },
    )
    model = load_project(tmp_path, env={}).sync("u").model
    assert model.file == "models/users.sql"
    assert model.sql == "-- users\nselect id, plan from users\n"
    assert model.sql_pos is not None and model.sql_pos.line == 1
