"""Commands that work on the specs alone: init, validate, compile, and the demo."""

from __future__ import annotations

from pathlib import Path

import click

from onesync import api
from onesync.cli.options import project_option


@click.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path) -> None:
    """Scaffold a project that runs against an embedded DuckDB demo database."""
    written = api.init_project(directory)
    for path in written:
        click.echo(f"created {path}")
    click.echo(f"next: cd {directory} && onesync validate && onesync plan")


@click.command()
@project_option
@click.option("--offline", is_flag=True, help="Do not connect to sources; skip catalogue checks.")
def validate(project: Path, offline: bool) -> None:
    """Load and check every spec; nothing is read from any database.

    Warnings go to stderr and do not change the exit code (0).
    """
    result = api.validate(project, offline=offline)
    for warning in result.warnings:
        click.echo(str(warning), err=True)
    for reason in result.skipped:
        click.echo(f"skipped: {reason}")
    n = len(result.project.syncs)
    click.echo(f"ok: {n} sync{'s' if n != 1 else ''} valid ({len(result.project.sources)} sources)")


@click.command(name="compile")
@project_option
@click.argument("syncs", nargs=-1)
@click.option("--dialect", help="Write the SQL in this dialect instead of the source's.")
@click.option("--offline", is_flag=True, help="Do not connect to sources.")
def compile_(project: Path, syncs: tuple[str, ...], dialect: str | None, offline: bool) -> None:
    """Print the SQL that each sync will run, in its source's dialect."""
    for compiled in api.compile_project(project, syncs, dialect=dialect, offline=offline):
        click.echo(f"-- sync: {compiled.sync.name} ({compiled.dialect}, {compiled.sync.file})")
        click.echo(compiled.sql + ";\n")


COMMANDS = [init, validate, compile_]


@click.command()
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
        click.secho(f"\n== {title}", bold=True)

    root = project.parent if project.is_file() else project
    db = api.seed_demo(root, force=True)
    click.echo(f"seeded {db} from data/seed.sql")
    with Sandbox(SandboxConfig()) as sandbox, tempfile.TemporaryDirectory() as tmp:
        cfg = sandbox.config
        os.environ.update(
            ONESIGNAL_APP_ID=cfg.app_id,
            ONESIGNAL_API_KEY=cfg.api_key,
            ONESIGNAL_API_URL=sandbox.url,
        )
        click.echo(f"sandbox listening on {sandbox.url} (app {cfg.app_id})")

        step("onesync validate")
        result = api.validate(project)
        click.echo(f"ok: {len(result.project.syncs)} syncs valid")
        proj = dataclasses.replace(
            result.project,
            state=dataclasses.replace(result.project.state, url=str(Path(tmp) / "state.duckdb")),
        )

        step("onesync compile customer_profile")
        compiled = api.compile_project(project, ["customer_profile"])[0]
        click.echo(compiled.sql.split("\nFROM (")[0] + "\nFROM (... each value normalised ...)")

        def rehearse(title: str) -> None:
            step(f"onesync plan  ({title})")
            plan, report = plan_and_apply(proj)
            click.echo(render_text(plan))
            step("onesync apply")
            if report is None:
                click.echo("nothing to apply")
                return
            for sync in report.syncs:
                counts = " ".join(f"{k}={v}" for k, v in sync.counts.items())
                click.echo(f"{sync.name}: {counts}")
            for row in report.rejected:
                click.echo(f"  rejected {row.key}: {row.reason}")

        rehearse("first run")
        with duckdb.connect(str(db)) as conn:
            conn.execute("update crm.customers set plan = 'team', ltv = 20.5 where id = 'c-1002'")
            conn.execute("insert into shop.orders values ('o-5004', 'c-1002', 20.50, 'USD', now())")
        rehearse("after Grace upgraded and placed an order")
        rehearse("nothing changed since")

        step("what the sandbox holds now")
        snap = sandbox.snapshot()
        click.echo(
            f"{len(snap['users'])} users, {len(snap['events'])} events, "
            f"{len(snap['notifications'])} notifications, {snap['requests']} API requests"
        )
        grace = sandbox.user("external_id", "c-1002") or {}
        click.echo(f"c-1002 tags: {grace.get('properties', {}).get('tags')}")
    click.echo(
        "\nnext: `onesync sandbox` to keep a sandbox running, then `onesync plan` / `onesync apply`"
    )


COMMANDS.append(demo)
