"""Where ``${env:...}`` may appear, what becomes a secret, and the bounds on what is read.

In-process (fast) counterparts of ``tests/hostile``: the exact diagnostics, the secrets the
loader registers, and ``allow_outside``.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from onesync.errors import SpecError, redact
from onesync.load import parse_yaml
from onesync.load.env import PROJECT, SPEC
from onesync.load.yaml import MAX_ALIASES, MAX_FILE_BYTES
from onesync.validate import load_project

from .test_load_project import PROJECT as PROJECT_FILE
from .test_load_project import SPEC as SPEC_FILE
from .test_load_project import write

KEY = "os_v2_app_UNITKEY0c4e"
PASSWORD = "Unit-Pa55word-77"
ENV = {"ONESIGNAL_API_KEY": KEY, "DB_PASSWORD": PASSWORD}


def errors(root: Path, **kwargs: object) -> list[str]:
    with pytest.raises(SpecError) as info:
        load_project(root, env=ENV, **kwargs)  # type: ignore[arg-type]
    text = str(info.value)
    assert KEY not in text and PASSWORD not in text
    return text.splitlines()


def spec(extra: str = "", tags: str = "{plan: plan}") -> str:
    return SPEC_FILE.format(name="u").replace("tags: {plan: plan}", f"tags: {tags}") + extra


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (spec(tags="{plan: '${env:ONESIGNAL_API_KEY}'}"), "specs/u.yaml:5:15"),
        (
            spec().replace("select id, plan", "select id, '${env:DB_PASSWORD}' as plan"),
            "specs/u.yaml:3:27",
        ),
        (spec().replace('{sql: "select id, plan from users"}', "{table: '${env:T}'}"), "3:17"),
        (spec(tags="{plan: '${env:NOT_SET}'}"), "specs/u.yaml:5:15"),
        (spec(tags="{plan: '${env:NOT_SET:-plan}'}"), "specs/u.yaml:5:15"),
    ],
    ids=["tag column", "sql literal", "table", "unset", "default"],
)
def test_a_sync_spec_cannot_read_the_environment(tmp_path: Path, text: str, where: str) -> None:
    write(tmp_path, {"onesync.yaml": PROJECT_FILE, "specs/u.yaml": text})
    lines = errors(tmp_path)
    (line,) = [x for x in lines if "environment values are only allowed" in x]
    assert where in line and "${env:" in line
    assert "never in a sync spec" in line and "(write the column, table or SQL itself" in line


def test_env_in_the_project_file_outside_the_allowed_keys(tmp_path: Path) -> None:
    text = PROJECT_FILE.replace("dialect: duckdb", "dialect: '${env:D:-duckdb}'") + (
        "specs: ${env:SPECS:-specs}\n"
    )
    write(tmp_path, {"onesync.yaml": text, "specs/u.yaml": spec()})
    lines = [x for x in errors(tmp_path) if "is not allowed here" in x]
    assert [x.split(": error: ")[0] for x in lines] == [
        f"{tmp_path}/onesync.yaml:3:21",
        f"{tmp_path}/onesync.yaml:5:8",
    ]
    assert lines[0].split(": error: ")[1] == (
        "sources.local.dialect: ${env:D:-duckdb} is not allowed here; environment values are "
        "only allowed in onesync.yaml under sources (not dialect), destination and state "
        "(write the value itself)"
    )


def test_diagnostics_quote_the_reference_not_the_value(tmp_path: Path) -> None:
    project = PROJECT_FILE.replace(
        "{app_id: 5eb5a37e-0000-4000-8000-0000000000a1, api_key: key-1}",
        "{app_id: 5eb5a37e-0000-4000-"
        "8000-0000000000a1, api_key: key-1, rate_limit: '${env:ONESIGNAL_API_KEY}'}",
    )
    write(tmp_path, {"onesync.yaml": project, "specs/u.yaml": spec()})
    (line,) = errors(tmp_path)
    assert "rate_limit '${env:ONESIGNAL_API_KEY}' is not a rate" in line


def test_values_read_in_secret_positions_are_registered(tmp_path: Path) -> None:
    project = (
        "version: 1\nsources:\n"
        "  local: {dialect: duckdb, path: data/shop.duckdb}\n"
        "  pg: {dialect: postgres, url: 'postgresql://u:${env:DB_PASSWORD}@127.0.0.1:9/x'}\n"
        "  lit: {dialect: postgres, url: 'host=127.0.0.1 port=9 password=Literal-pw9'}\n"
        "destination: {app_id: '${env:APP}', api_key: '${env:ONESIGNAL_API_KEY}',"
        " api_url: '${env:API_URL}', rate_limit: '${env:RATE}'}\n"
        "state: {url: 'postgresql://s:${env:STATE_PW}@127.0.0.1:9/x'}\n"
    )
    write(tmp_path, {"onesync.yaml": project, "specs/u.yaml": spec()})
    env = {
        **ENV,
        "APP": "5eb5a37e-0000-4000-8000-000000000009",
        "API_URL": "http://127.0.0.1:4000",
        "RATE": "600/min",
        "STATE_PW": "State-Secret-1",
    }
    load_project(tmp_path, env=env, offline=True)
    text = " ".join([KEY, PASSWORD, "Literal-pw9", "State-Secret-1"])
    assert redact(text) == "*** *** *** ***"
    public = "5eb5a37e-0000-4000-8000-000000000009 http://127.0.0.1:4000 600/min"
    assert redact(public) == public  # public by nature: not registered


def test_specs_outside_the_project_are_refused(tmp_path: Path) -> None:
    root = tmp_path / "p"
    write(tmp_path, {"outside/u.yaml": spec()})
    write(root, {"onesync.yaml": PROJECT_FILE + "specs: ../outside\n"})
    (line,) = errors(root)
    assert line == (
        f"{root}/onesync.yaml:5:8: error: specs folder '../outside' is outside the project "
        "(keep the specs inside the project directory, or pass --allow-outside)"
    )
    project = load_project(root, env={}, allow_outside=True)
    assert [s.name for s in project.syncs] == ["u"]
    assert project.syncs[0].file.endswith("outside/u.yaml")


def test_a_symlinked_specs_folder_or_file_pointing_outside(tmp_path: Path) -> None:
    root = tmp_path / "p"
    write(tmp_path, {"outside/u.yaml": spec(), "elsewhere.yaml": spec()})
    write(root, {"onesync.yaml": PROJECT_FILE + "specs: linked\n"})
    (root / "linked").symlink_to(tmp_path / "outside")
    (line,) = errors(root)
    assert "specs folder 'linked' links outside the project" in line
    (root / "linked").unlink()
    (root / "linked").mkdir()
    (root / "linked" / "x.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    (line,) = errors(root)
    assert line.startswith(f"{root}/linked/x.yaml:1:1: error: the file links outside the project")
    assert len(load_project(root, env={}, allow_outside=True).syncs) == 1


def test_a_symlink_inside_the_project_is_fine(tmp_path: Path) -> None:
    write(tmp_path, {"onesync.yaml": PROJECT_FILE + "specs: linked\n", "real/u.yaml": spec()})
    (tmp_path / "linked").symlink_to(tmp_path / "real")
    assert [s.name for s in load_project(tmp_path, env={}).syncs] == ["u"]


def test_a_symlinked_project_file_brings_its_own_folder(tmp_path: Path) -> None:
    """The packaged demo: onesync/demo/{onesync.yaml,specs} link to the repository root's."""
    write(tmp_path, {"onesync.yaml": PROJECT_FILE, "specs/u.yaml": spec()})
    demo = tmp_path / "pkg" / "demo"
    demo.mkdir(parents=True)
    (demo / "onesync.yaml").symlink_to("../../onesync.yaml")
    (demo / "specs").symlink_to("../../specs")
    assert [s.name for s in load_project(demo, env={}).syncs] == ["u"]


def test_the_repository_demo_project_loads() -> None:
    demo = Path(__file__).resolve().parents[2] / "onesync" / "demo"
    assert load_project(demo, offline=True).syncs


def test_a_file_over_the_size_limit(tmp_path: Path) -> None:
    big = spec() + "#" * MAX_FILE_BYTES + "\n"
    write(tmp_path, {"onesync.yaml": PROJECT_FILE, "specs/big.yaml": big})
    (line,) = errors(tmp_path)
    assert line.startswith(f"{tmp_path}/specs/big.yaml:1:1: error: the file is 1,048,")
    assert "may be at most 1 MB (1,048,576 bytes) (split it" in line


def test_a_spec_that_is_not_a_regular_file(tmp_path: Path) -> None:
    write(tmp_path, {"onesync.yaml": PROJECT_FILE})
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "zero.yaml").symlink_to("/dev/zero")
    (line,) = errors(tmp_path, allow_outside=True)
    assert line.startswith(
        f"{tmp_path}/specs/zero.yaml:1:1: error: cannot read the file: it is not"
    )


BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            BOMB,
            "f.yaml:6:8: error: alias *e makes the file expand past 100,000 values",
        ),
        ("a: &a [1, *a]\n", "f.yaml:1:11: error: alias *a refers to the value that contains it"),
        ("a: &a\n  b:\n    c: *a\n", "f.yaml:3:8: error: alias *a refers to the value"),
        (
            "a: &x 1\nb: [" + ", ".join(["*x"] * (MAX_ALIASES + 1)) + "]\n",
            f"f.yaml:2:{5 + 4 * MAX_ALIASES}: error: more than {MAX_ALIASES} YAML aliases",
        ),
        ("a: " + "[" * 65 + "]" * 65 + "\n", "f.yaml:1:67: error: values are nested more than 64"),
        ("a: " + "[" * 5000 + "]" * 5000 + "\n", "error: values are nested more than 64 deep"),
        ("".join("  " * i + f"k{i}:\n" for i in range(70)) + "  " * 70 + "v\n", "nested more"),
    ],
    ids=["bomb", "self list", "self map", "aliases", "deep", "very deep", "deep block"],
)
def test_yaml_limits(text: str, expected: str) -> None:
    started = time.monotonic()
    doc, diags = parse_yaml(text, "f.yaml", {})
    assert time.monotonic() - started < 0.5
    assert doc is None
    (line,) = [str(d) for d in diags]
    assert expected in line, line
    assert "(" in line  # every refusal says what to do


def test_ordinary_aliases_still_work() -> None:
    doc, diags = parse_yaml("base: &b {a: 1}\nx: *b\ny: [*b, *b]\n", "f.yaml", {})
    assert diags == [] and doc is not None
    assert doc.data == {"base": {"a": 1}, "x": {"a": 1}, "y": [{"a": 1}, {"a": 1}]}


def test_policies_say_where() -> None:
    assert PROJECT.allowed(("sources", "w", "url")) and PROJECT.allowed(("state", "url"))
    assert PROJECT.allowed(("destination", "api_key"))
    assert not PROJECT.allowed(("sources", "w", "dialect")) and not PROJECT.allowed(("specs",))
    assert not SPEC.allowed(("tags", "plan")) and not SPEC.allowed(("model", "sql"))


def test_the_original_text_is_remembered() -> None:
    doc, _ = parse_yaml("u: 'pg://a:${env:P}@h/db'\n", "f.yaml", {"P": "Remember-me-1"})
    assert doc is not None and doc.data["u"] == "pg://a:Remember-me-1@h/db"
    assert doc.original(("u",)) == "pg://a:${env:P}@h/db"
    assert doc.diag(("u",), "bad url 'pg://a:Remember-me-1@h/db'").message == (
        "bad url 'pg://a:${env:P}@h/db'"
    )
