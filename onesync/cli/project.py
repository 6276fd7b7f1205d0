"""Commands that work on the specs alone: init, validate, compile, and the demo."""

from __future__ import annotations

from pathlib import Path

import click

from onesync import api
from onesync.cli.options import allow_outside_option, project_option, syncs_argument
from onesync.cli.output import counted, echo, heading
from onesync.compile import DIALECTS
from onesync.errors import OnesyncError


def _check_empty(directory: Path) -> None:
    """init writes a new project (and a .gitignore): refuse a folder that holds anything else
    than ``.git``, so nothing of the user's is overwritten."""
    if not directory.exists() or (directory / "onesync.yaml").exists():
        return  # a project already there: init_project says so
    try:
        held = sorted(p.name for p in directory.iterdir() if p.name != ".git")
    except OSError as exc:
        raise OnesyncError(f"cannot read {directory}: {exc.strerror or exc}") from None
    if held:
        shown = ", ".join(held[:3]) + (", ..." if len(held) > 3 else "")
        raise OnesyncError(
            f"{directory} is not empty ({shown}); init writes a new project into an empty or "
            "new folder (name one: onesync init DIR)"
        )


@click.command(short_help="Scaffold a project with an embedded DuckDB demo database.")
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path) -> None:
    """Scaffold a project that runs against an embedded DuckDB demo database.

    DIRECTORY must be new or empty (a .git folder is fine).
    """
    _check_empty(directory)
    try:
        written = api.init_project(directory)
    except OSError as exc:
        where = exc.filename or directory
        raise OnesyncError(
            f"cannot create the project in {directory}: {where}: {exc.strerror or exc}"
        ) from None
    for path in written:
        echo(f"created {path}")
    echo(f"next: cd {directory} && onesync validate && onesync plan")


@click.command()
@project_option
@allow_outside_option
@click.option("--offline", is_flag=True, help="Do not connect to sources; skip catalogue checks.")
def validate(project: Path, allow_outside: bool, offline: bool) -> None:
    """Load and check every spec; nothing is read from any database.

    Warnings go to stderr and do not change the exit code (0).
    """
    result = api.validate(project, offline=offline, allow_outside=allow_outside)
    for warning in result.warnings:
        echo(str(warning), err=True)
    for reason in result.skipped:
        echo(f"skipped: {reason}")
    syncs, sources = counted(len(result.project.syncs), "sync"), len(result.project.sources)
    echo(f"ok: {syncs} valid ({counted(sources, 'source')})")


@click.command(name="compile")
@project_option
@allow_outside_option
@syncs_argument
@click.option(
    "--dialect",
    type=click.Choice(DIALECTS),
    help="Write the SQL in this dialect instead of the source's.",
)
@click.option("--offline", is_flag=True, help="Do not connect to sources.")
def compile_(
    project: Path, allow_outside: bool, syncs: tuple[str, ...], dialect: str | None, offline: bool
) -> None:
    """Print the SQL that each sync will run, in its source's dialect.

    Without SYNC, every sync of the project.
    """
    for compiled in api.compile_project(
        project, syncs, dialect=dialect, offline=offline, allow_outside=allow_outside
    ):
        echo(f"-- sync: {compiled.sync.name} ({compiled.dialect}, {compiled.sync.file})")
        echo(compiled.sql + ";\n", plain=True)


COMMANDS = [init, validate, compile_]


@click.command(short_help="Rehearse the demo project against an in-process sandbox.")
@project_option
def demo(project: Path) -> None:
    """Seed the demo DuckDB shop and rehearse every sync against a local sandbox.

    Nothing leaves this machine: the sandbox is an in-process OneSignal-compatible server and the
    state of the rehearsal lives in a temporary directory.
    """
    import dataclasses
    import os
    import tempfile

    import duckdb

    from onesync.apply import plan_and_apply
    from onesync.render import render_text
    from onesync.sandbox import Sandbox, SandboxConfig

    def step(title: str) -> None:
        echo()
        heading(f"== {title}")

    root = project.parent if project.is_file() else project
    if not (project.is_file() or (root / "onesync.yaml").is_file()):
        raise OnesyncError(  # before seeding: nothing is written into a folder without a project
            f"no onesync.yaml in {root}; make the demo project with `onesync init DIR`, then run "
            "`onesync demo -p DIR`"
        )
    db = api.seed_demo(root, force=True)
    echo(f"seeded {db} from data/seed.sql")
    with Sandbox(SandboxConfig()) as sandbox, tempfile.TemporaryDirectory() as tmp:
        cfg = sandbox.config
        os.environ.update(
            ONESIGNAL_APP_ID=cfg.app_id,
            ONESIGNAL_API_KEY=cfg.api_key,
            ONESIGNAL_API_URL=sandbox.url,
        )
        echo(f"sandbox listening on {sandbox.url} (app {cfg.app_id})")

        step("onesync validate")
        result = api.validate(project)
        echo(f"ok: {counted(len(result.project.syncs), 'sync')} valid")
        proj = dataclasses.replace(
            result.project,
            state=dataclasses.replace(result.project.state, url=str(Path(tmp) / "state.duckdb")),
        )

        step("onesync compile customer_profile")
        compiled = api.compile_project(project, ["customer_profile"])[0]
        echo(
            compiled.sql.split("\nFROM (")[0] + "\nFROM (... each value normalised ...)", plain=True
        )

        def rehearse(title: str) -> None:
            step(f"onesync plan  ({title})")
            plan, report = plan_and_apply(proj)
            echo(render_text(plan))
            step("onesync apply")
            if report is None:
                echo("nothing to apply")
                return
            for sync in report.syncs:
                counts = " ".join(f"{k}={v}" for k, v in sync.counts.items())
                echo(f"{sync.name}: {counts}")
            for row in report.rejected:
                echo(f"  rejected {row}")

        rehearse("first run")
        with duckdb.connect(str(db)) as conn:
            conn.execute("update crm.customers set plan = 'team', ltv = 20.5 where id = 'c-1002'")
            conn.execute("insert into shop.orders values ('o-5004', 'c-1002', 20.50, 'USD', now())")
        rehearse("after Grace upgraded and placed an order")
        rehearse("nothing changed since")

        step("what the sandbox holds now")
        snap = sandbox.snapshot()
        held = [
            counted(len(snap["users"]), "user"),
            counted(len(snap["events"]), "event"),
            counted(len(snap["notifications"]), "notification"),
            counted(snap["requests"], "API request"),
        ]
        echo(", ".join(held))
        grace = sandbox.user("external_id", "c-1002") or {}
        echo(f"c-1002 tags: {grace.get('properties', {}).get('tags')}")
    echo(
        "\nnext: `onesync sandbox` to keep a sandbox running, then `onesync plan` / `onesync apply`"
    )


COMMANDS.append(demo)
