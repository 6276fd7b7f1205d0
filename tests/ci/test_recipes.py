"""The CI recipes (examples/ci/) and the pre-commit hook (.pre-commit-hooks.yaml), for real.

1. Each file validates against its published schema with check-jsonschema. The GitHub Actions
   and GitLab CI schemas are the copies check-jsonschema vendors; check-jsonschema has none for
   .pre-commit-hooks.yaml, so ``pre-commit-hooks.schema.json`` beside this file holds the keys
   pre-commit documents. Every run has its proxies pointed at a closed port, so an attempt to
   download a schema fails the test instead of quietly needing the network.

2. The onesync commands in the recipes run, as the CI system would run them, against a project
   made by ``onesync init`` (its onesync.yaml rewritten to read the destination and the state
   from the environment, as docs/ci.md says) and a real sandbox on a loopback port.

   What runs, exactly (``chunks``):

   - a *chunk* is one GitHub step's ``run:`` script, or one item of a GitLab job's
     ``before_script:``/``script:`` list;
   - a chunk runs if one of its lines starts with the word ``onesync``; every other chunk
     (``pip install``, the PR comment, the MR note) and every ``uses:`` step is skipped, since it
     needs GitHub or GitLab. ``pip install onesync`` is stood in for by this checkout's
     ``.venv/bin`` on PATH;
   - a chunk that runs must hold no ``${{ ... }}`` expression (only GitHub can expand it);
   - the environment of a chunk is what the CI system gives it: GitHub's ``env:`` blocks
     (workflow, job, step) with ``${{ secrets.NAME }}`` replaced by the test's secrets (any other
     expression fails the test), GitLab's CI/CD variables (the same secrets), plus ``CI=true``
     and ``ONESIGNAL_API_URL`` pointing at the sandbox that stands in for api.onesignal.com;
   - the shell is the CI system's: GitHub's ``shell: bash`` is ``bash --noprofile --norc -eo
     pipefail``, GitLab's is ``bash`` with ``set -eo pipefail``;
   - which jobs make the pull-request pipeline and which the main one is read from each job's
     ``if:`` (GitHub) or ``rules:`` (GitLab); every pipeline is checked to run at least the
     commands it must (validate and plan; plan and apply), so nothing passes by running nothing.

   Each pipeline runs in a fresh copy of the project (a fresh checkout), sharing only the state
   (a DuckDB file outside the project, or a PostgreSQL schema) and the sandbox.

The pipeline tests need ``plan -o plan.parquet`` (a Parquet plan file), ``--mask`` and
``onesync show``.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from onesync.sandbox import RateLimits, Sandbox, SandboxConfig

REPO = Path(__file__).resolve().parents[2]
BIN = REPO / ".venv" / "bin"
HERE = Path(__file__).resolve().parent
GITHUB = REPO / "examples" / "ci" / "github-actions.yml"
GITLAB = REPO / "examples" / "ci" / "gitlab-ci.yml"
HOOKS = REPO / ".pre-commit-hooks.yaml"

APP_ID = str(uuid.uuid4())
API_KEY = "os_v2_app_ci_recipe_canary_4f1e9b"  # must never appear in any output
TIMEOUT = 120  # seconds per chunk

# No network: a schema download (or anything else) through a proxy hits a closed port.
OFFLINE = {"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9"}

GITHUB_BASH = ["bash", "--noprofile", "--norc", "-eo", "pipefail"]
GITLAB_BASH = ["bash", "-eo", "pipefail"]


def bin_path(name: str) -> str:
    path = BIN / name
    return str(path) if path.exists() else name


# -- 1. schemas ------------------------------------------------------------------------------


def check_jsonschema(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **OFFLINE}
    return subprocess.run(
        [bin_path("check-jsonschema"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT,
    )


@pytest.mark.parametrize(
    ("path", "args"),
    [
        (GITHUB, ["--builtin-schema", "vendor.github-workflows"]),
        (GITLAB, ["--builtin-schema", "vendor.gitlab-ci", "--data-transform", "gitlab-ci"]),
        (
            HOOKS,
            [
                "--schemafile",
                str(HERE / "pre-commit-hooks.schema.json"),
                "--regex-variant",
                "python",
            ],
        ),
    ],
    ids=["github-actions", "gitlab-ci", "pre-commit-hooks"],
)
def test_recipe_matches_its_schema(path: Path, args: list[str]) -> None:
    done = check_jsonschema(*args, str(path))
    assert done.returncode == 0, done.stdout + done.stderr


def test_schema_check_can_fail(tmp_path: Path) -> None:
    """The same check refuses a workflow with a typo, so a pass above means something."""
    broken = tmp_path / "broken.yml"
    broken.write_text(GITHUB.read_text().replace("runs-on:", "run-on:", 1))
    done = check_jsonschema("--builtin-schema", "vendor.github-workflows", str(broken))
    assert done.returncode == 1, done.stdout + done.stderr
    hooks = tmp_path / ".pre-commit-hooks.yaml"
    hooks.write_text(HOOKS.read_text().replace("language: python", "language: pyton"))
    done = check_jsonschema("--schemafile", str(HERE / "pre-commit-hooks.schema.json"), str(hooks))
    assert done.returncode == 1, done.stdout + done.stderr


def test_metaschema_of_the_hook_schema() -> None:
    done = check_jsonschema("--check-metaschema", str(HERE / "pre-commit-hooks.schema.json"))
    assert done.returncode == 0, done.stdout + done.stderr


# -- the structure a reviewer relies on ------------------------------------------------------


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict)
    return data


def github_triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    # PyYAML (YAML 1.1) reads the key `on` as True.
    on = workflow.get("on", workflow.get(True))
    assert isinstance(on, dict), on
    return on


def test_github_jobs_and_guards() -> None:
    workflow = load(GITHUB)
    on = github_triggers(workflow)
    assert "pull_request" in on
    assert on["push"]["branches"] == ["main"]
    jobs = workflow["jobs"]
    plan, apply = jobs["plan"], jobs["apply"]
    assert "pull_request" in plan["if"]
    assert "refs/heads/main" in apply["if"] and "push" in apply["if"]
    assert apply["concurrency"]["group"]
    assert apply["concurrency"]["cancel-in-progress"] is False
    assert plan["permissions"]["pull-requests"] == "write"
    uses = [step.get("uses", "") for step in plan["steps"]]
    assert any(u.startswith("actions/upload-artifact@") for u in uses)
    assert any(u.startswith("actions/github-script@") for u in uses)
    artifact = next(s for s in plan["steps"] if s.get("uses", "").startswith("actions/upload"))
    assert "plan.parquet" in artifact["with"]["path"]
    # secrets come from repository secrets, never written into the file
    for name, value in workflow["env"].items():
        match = SECRET_EXPR.match(str(value))
        assert match and match.group(1) == name, (name, value)


def test_gitlab_jobs_and_guards() -> None:
    config = load(GITLAB)
    apply = config["onesync-apply"]
    assert apply["resource_group"]
    assert "plan.parquet" in config["onesync-plan"]["artifacts"]["paths"]
    assert "plan.md" in config["onesync-plan"]["artifacts"]["paths"]
    assert "variables" not in config, "secrets belong in CI/CD variables, not in the file"


# -- 2. running the recipes ------------------------------------------------------------------


@dataclass
class Chunk:
    where: str  # e.g. "plan / Plan" or "onesync-plan script[0]"
    script: str
    env: dict[str, str] = field(default_factory=dict)
    shell: list[str] = field(default_factory=list)

    @property
    def commands(self) -> list[str]:
        """The lines of the script that call onesync."""
        return [ln.strip() for ln in self.script.splitlines() if calls_onesync(ln)]


def calls_onesync(line: str) -> bool:
    words = line.strip().split()
    return bool(words) and words[0] == "onesync"


SECRET_EXPR = re.compile(r"^\$\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$")


def github_env(block: dict[str, Any] | None, secrets: dict[str, str]) -> dict[str, str]:
    env: dict[str, str] = {}
    for name, value in (block or {}).items():
        text = str(value)
        match = SECRET_EXPR.match(text)
        if match:
            assert match.group(1) in secrets, f"the test has no secret {match.group(1)}"
            env[name] = secrets[match.group(1)]
        else:
            assert "${{" not in text, f"env {name}: cannot evaluate {text}"
            env[name] = text
    return env


def github_shell(*levels: dict[str, Any]) -> list[str]:
    shell = None
    for level in levels:  # workflow defaults, job defaults, step
        shell = level.get("defaults", {}).get("run", {}).get("shell", shell)
        shell = level.get("shell", shell)
    assert shell in (None, "bash"), f"shell {shell!r} is not emulated"
    return GITHUB_BASH if shell == "bash" else ["bash", "-e"]


def github_pipeline(kind: str, secrets: dict[str, str]) -> tuple[list[Chunk], list[str]]:
    """The chunks the PR (`kind` "pr") or main ("main") run of the workflow would execute."""
    workflow = load(GITHUB)
    marker = "pull_request" if kind == "pr" else "refs/heads/main"
    jobs = [(n, j) for n, j in workflow["jobs"].items() if marker in str(j.get("if", ""))]
    assert len(jobs) == 1, f"expected one {kind} job, found {[n for n, _ in jobs]}"
    name, job = jobs[0]
    chunks, skipped = [], []
    for step in job["steps"]:
        label = f"{name} / {step.get('name', step.get('uses', '?'))}"
        if "run" not in step:
            skipped.append(label)
            continue
        chunk = Chunk(
            label,
            step["run"],
            {
                **github_env(workflow.get("env"), secrets),
                **github_env(job.get("env"), secrets),
                **github_env(step.get("env"), secrets),
            },
            github_shell(workflow, job, step),
        )
        if not chunk.commands:
            skipped.append(label)
            continue
        assert "${{" not in chunk.script, f"{label}: a GitHub expression cannot run here"
        chunks.append(chunk)
    return chunks, skipped


def gitlab_pipeline(kind: str, secrets: dict[str, str]) -> tuple[list[Chunk], list[str]]:
    """The chunks a merge request (`kind` "pr") or default-branch ("main") pipeline runs."""
    config = load(GITLAB)
    marker = "merge_request_event" if kind == "pr" else "CI_DEFAULT_BRANCH"
    assert any(marker in r["if"] for r in config["workflow"]["rules"]), marker
    stages = config["stages"]
    default = config.get("default", {})
    jobs = []
    for name, job in config.items():
        if not isinstance(job, dict) or "script" not in job:
            continue
        rules = job.get("rules")
        if rules is None or any(marker in str(r.get("if", "")) for r in rules):
            jobs.append((stages.index(job.get("stage", "test")), name, job))
    jobs.sort(key=lambda j: j[0])
    chunks, skipped = [], []
    for _, name, job in jobs:
        assert "variables" not in job, f"{name}: job variables are not emulated"
        for part in ("before_script", "script"):
            items = job.get(part, default.get(part, []) if part == "before_script" else [])
            for i, item in enumerate(items):
                chunk = Chunk(f"{name} {part}[{i}]", item, dict(secrets), GITLAB_BASH)
                if chunk.commands:
                    chunks.append(chunk)
                else:
                    skipped.append(chunk.where)
    return chunks, skipped


PIPELINES = {"github": github_pipeline, "gitlab": gitlab_pipeline}


@dataclass
class Ran:
    chunk: Chunk
    code: int
    stdout: str
    stderr: str


@dataclass
class Runner:
    """Runs chunks as a CI runner would: a fresh checkout per pipeline, shared state."""

    tmp: Path
    pristine: Path
    sandbox: Sandbox
    secrets: dict[str, str]
    runs: int = 0
    outputs: list[str] = field(default_factory=list)

    def checkout(self) -> Path:
        self.runs += 1
        work = self.tmp / f"checkout-{self.runs}"
        shutil.copytree(self.pristine, work)
        return work

    def run(self, chunk: Chunk, work: Path, summary: Path) -> Ran:
        env = {
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": str(self.tmp),
            "LANG": "C.UTF-8",
            "CI": "true",
            "GITHUB_STEP_SUMMARY": str(summary),
            "ONESIGNAL_API_URL": self.sandbox.url,  # stands in for https://api.onesignal.com
            **chunk.env,
        }
        script = work.parent / f"{work.name}-chunk.sh"  # like the runner's temp folder
        script.write_text(chunk.script)
        done = subprocess.run(
            [*chunk.shell, str(script)],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        script.unlink()
        self.outputs += [done.stdout, done.stderr]
        return Ran(chunk, done.returncode, done.stdout, done.stderr)

    def pipeline(self, recipe: str, kind: str, work: Path | None = None) -> PipelineRun:
        chunks, skipped = PIPELINES[recipe](kind, self.secrets)
        work = work or self.checkout()
        summary = work.parent / f"{work.name}-summary.md"
        summary.touch()
        ran = [self.run(chunk, work, summary) for chunk in chunks]
        return PipelineRun(work, ran, skipped, summary.read_text())


@dataclass
class PipelineRun:
    work: Path
    ran: list[Ran]
    skipped: list[str]
    summary: str

    def commands(self) -> list[str]:
        return [c for r in self.ran for c in r.chunk.commands]

    def assert_all(self, code: int) -> None:
        for r in self.ran:
            assert r.code == code, (
                f"{r.chunk.where}: exit {r.code}, expected {code}\n"
                f"{r.chunk.script}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"
            )

    def assert_ran(self, *prefixes: str) -> None:
        commands = self.commands()
        for prefix in prefixes:
            assert any(c.startswith(prefix) for c in commands), (prefix, commands)


def ci_project(root: Path) -> Path:
    """`onesync init`, then destination and state read from the environment (docs/ci.md)."""
    done = subprocess.run(
        [bin_path("onesync"), "init", str(root)], capture_output=True, text=True, timeout=TIMEOUT
    )
    assert done.returncode == 0, done.stdout + done.stderr
    config_path = root / "onesync.yaml"
    config = yaml.safe_load(config_path.read_text())
    config["destination"].update(
        app_id="${env:ONESIGNAL_APP_ID}",
        api_key="${env:ONESIGNAL_API_KEY}",
        api_url="${env:ONESIGNAL_API_URL:-https://api.onesignal.com}",
    )
    config["state"] = {"url": "${env:ONESYNC_STATE_URL}"}
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    return root


def customers(project: Path) -> list[dict[str, Any]]:
    """The rows of the customer_profile model, read from the project's DuckDB file."""
    conn = duckdb.connect(str(project / "data" / "demo.duckdb"), read_only=True)
    try:
        cur = conn.execute(
            "select id, email, phone, first_name, plan from crm.customers where deleted_at is null"
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        conn.close()


def customer_values(rows: list[dict[str, Any]]) -> list[str]:
    """What must not reach a PR comment: external ids, emails, phones, names as quoted values."""
    out = []
    for row in rows:
        out += [v for v in (row["id"], row["email"], row["phone"]) if v]
        out.append(f'"{row["first_name"]}"')
    return out


def users_by_external_id(sb: Sandbox) -> dict[str, dict[str, Any]]:
    return {u["identity"]["external_id"]: u for u in sb.snapshot()["users"]}


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox(
        SandboxConfig(app_id=APP_ID, api_key=API_KEY, rate_limits=RateLimits(per_user=None))
    ).start()
    yield box
    box.stop()


@pytest.fixture(params=["duckdb", "postgresql"])
def state_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The shared state: a DuckDB file outside every checkout, or a PostgreSQL schema."""
    if request.param == "duckdb":
        (tmp_path / "state").mkdir()
        return str(tmp_path / "state" / "onesync.duckdb")
    pg_url = request.getfixturevalue("pg_url")
    schema = request.getfixturevalue("pg_schema")
    return f"{pg_url}?options=-csearch_path%3D{schema}"


@pytest.fixture
def runner(tmp_path: Path, sandbox: Sandbox, state_url: str) -> Runner:
    secrets = {
        "ONESIGNAL_APP_ID": APP_ID,
        "ONESIGNAL_API_KEY": API_KEY,
        "ONESYNC_STATE_URL": state_url,
        "DATABASE_URL": "postgresql://reader@db.invalid/shop",  # unused by the demo project
    }
    return Runner(tmp_path, ci_project(tmp_path / "project"), sandbox, secrets)


def is_parquet(path: Path) -> bool:
    data = path.read_bytes()
    return len(data) >= 8 and data[:4] == b"PAR1" and data[-4:] == b"PAR1"


@pytest.mark.parametrize("recipe", ["github", "gitlab"])
def test_pull_request_then_merge(recipe: str, runner: Runner) -> None:
    rows = customers(runner.pristine)
    assert rows
    secret_free: list[str] = []

    # The pull request: validate, plan; the plan is saved and shown masked; nothing is sent.
    pr = runner.pipeline(recipe, "pr")
    pr.assert_ran("onesync validate", "onesync plan")
    pr.assert_all(0)
    plan_md = (pr.work / "plan.md").read_text()
    assert is_parquet(pr.work / "plan.parquet"), "plan -o plan.parquet writes a Parquet file"
    assert f"{len(rows)} to create" in plan_md, plan_md
    if recipe == "github":
        assert plan_md and plan_md in pr.summary, "the Markdown goes to $GITHUB_STEP_SUMMARY"
    for value in customer_values(rows):
        assert value not in plan_md, f"customer data {value} in the PR comment"
    secret_free += [plan_md, pr.summary]
    assert users_by_external_id(runner.sandbox) == {}, "a plan sends nothing"

    # A reviewer renders the downloaded artifact: exit 2 (changes), the same masked view.
    shown = subprocess.run(
        [bin_path("onesync"), "show", "plan.parquet", "--markdown", "--mask"],
        cwd=pr.work,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert shown.returncode == 2, shown.stdout + shown.stderr
    assert f"{len(rows)} to create" in shown.stdout, shown.stdout
    for value in customer_values(rows):
        assert value not in shown.stdout, f"customer data {value} in onesync show --mask"
    secret_free += [shown.stdout, shown.stderr]

    # The merge: plan again from main, then apply that plan.
    main = runner.pipeline(recipe, "main")
    main.assert_ran("onesync plan", "onesync apply plan.parquet")
    main.assert_all(0)
    users = users_by_external_id(runner.sandbox)
    assert set(users) == {row["id"] for row in rows}
    for row in rows:
        assert users[row["id"]]["properties"]["tags"]["plan"] == row["plan"]
    applied = main.summary if recipe == "github" else (main.work / "plan.md").read_text()
    assert f"{len(rows)} to create" in applied, "the applied plan is in the job summary"
    for value in customer_values(rows):
        assert value not in applied, f"customer data {value} in the apply summary"
    secret_free += [applied]

    # The next merge with nothing new: plan exits 0, which the recipe takes as success, and
    # apply of that plan sends nothing.
    before = runner.sandbox.snapshot()["requests_by_endpoint"]
    again = runner.pipeline(recipe, "main")
    again.assert_all(0)
    assert runner.sandbox.snapshot()["requests_by_endpoint"] == before
    assert users_by_external_id(runner.sandbox).keys() == users.keys()

    for text in [*secret_free, *runner.outputs]:
        assert API_KEY not in text, "the API key was printed"


@pytest.mark.parametrize("recipe", ["github", "gitlab"])
def test_a_broken_spec_fails_the_pull_request(recipe: str, runner: Runner) -> None:
    """Exit code 1 is an error, unlike 2: validate and the plan step both fail the job."""
    work = runner.checkout()
    spec = work / "specs" / "customer_profile.yaml"
    spec.write_text(spec.read_text().replace("mode: upsert", "mode: upsrt"))
    pr = runner.pipeline(recipe, "pr", work)
    pr.assert_ran("onesync validate", "onesync plan")
    pr.assert_all(1)
    for r in pr.ran:
        assert re.search(r"customer_profile\.yaml:\d+:\d+: error: ", r.stderr), r.stderr
    assert users_by_external_id(runner.sandbox) == {}


def test_extraction_skips_only_what_needs_github_or_gitlab() -> None:
    secrets = {n: "x" for n in ("ONESIGNAL_APP_ID", "ONESIGNAL_API_KEY")} | {
        "ONESYNC_STATE_URL": "x",
        "DATABASE_URL": "x",
    }
    _, skipped = github_pipeline("pr", secrets)
    assert any("Install onesync" in s for s in skipped)
    assert any("Comment" in s for s in skipped)
    assert any("upload-artifact" in s or "Upload" in s for s in skipped)
    _, skipped = gitlab_pipeline("pr", secrets)
    assert "onesync-validate before_script[0]" in skipped
    assert "onesync-plan script[1]" in skipped  # the MR note (curl)


# -- the pre-commit hook ---------------------------------------------------------------------


def the_hook() -> dict[str, Any]:
    hooks = yaml.safe_load(HOOKS.read_text())
    assert [h["id"] for h in hooks] == ["onesync-validate"]
    return hooks[0]


def test_hook_fields() -> None:
    hook = the_hook()
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    assert shlex.split(hook["entry"]) == ["onesync", "validate", "--offline"]


@pytest.mark.parametrize(
    ("path", "runs"),
    [
        ("onesync.yaml", True),
        ("specs/customer_profile.yaml", True),
        ("specs/team/orders.yaml", True),
        ("README.md", False),
        ("data/seed.sql", False),
        ("other/onesync.yaml", False),
        ("myspecs/x.yaml", False),
        ("specs/notes.md", False),
    ],
)
def test_hook_files(path: str, runs: bool) -> None:
    # pre-commit matches `files` with re.search against the path relative to the repository.
    assert bool(re.search(the_hook()["files"], path)) is runs


def run_hook(project: Path) -> subprocess.CompletedProcess[str]:
    """The hook's entry as pre-commit runs it: in the repository root, no file names."""
    argv = shlex.split(the_hook()["entry"])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ONESIGNAL_", "ONESYNC_"))}
    env.update(OFFLINE)
    return subprocess.run(
        [bin_path(argv[0]), *argv[1:]],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def test_hook_runs_offline(tmp_path: Path) -> None:
    project = tmp_path / "project"
    done = subprocess.run(
        [bin_path("onesync"), "init", str(project)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    (project / "data" / "demo.duckdb").unlink()  # offline: no database is opened
    done = run_hook(project)
    assert done.returncode == 0, done.stdout + done.stderr

    spec = project / "specs" / "customer_profile.yaml"
    spec.write_text(spec.read_text().replace("mode: upsert", "mode: upsrt"))
    done = run_hook(project)
    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(r"specs/customer_profile\.yaml:\d+:\d+: error: ", done.stderr), done.stderr
