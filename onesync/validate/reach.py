"""Checks against the databases themselves: each source opens, each model runs there.

``validate`` (unless offline) asks the catalogue (``onesync.sources.Catalog``, injected by the
API so this stage never imports the connectors) to describe every model. A table or column the
database does not know is an error at the spec's own line; a source that cannot be opened (a
missing DuckDB file, a closed port, a refused login) is one error at the source in
``onesync.yaml``, with the database's own words and never a password.
"""

from __future__ import annotations

import re
from pathlib import Path

from onesync.errors import Diagnostic, OnesyncError, redact
from onesync.model import Pos, Source
from onesync.validate.context import Context, Spec
from onesync.validate.sql import database_text, locate

__all__ = ["check_model", "source_problems"]

_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")  # md:, s3://: not a local file to look for
_FILES = ("duckdb", "sqlite", "clickhouse")  # build.FILE_DIALECTS; clickhouse: a chDB folder


def _database_file(source: Source, root: Path) -> Path | None:
    """The local file a duckdb/sqlite source opens, resolved as its connector resolves it.

    None for ``:memory:``, servers and URI-like paths (the connector reports those itself).
    """
    path, url = source.path, source.url
    if path is None and url:  # the same rules as DuckDBConnector and SQLiteConnector
        if source.dialect == "duckdb":
            path = url.removeprefix("duckdb://").removeprefix("/")
            path = url.removeprefix("duckdb://") if url.startswith("duckdb:///") else path
        elif source.dialect == "sqlite":
            path = url.removeprefix("sqlite:///")
    if source.dialect not in _FILES or not path or path.startswith(":memory:"):
        return None
    if _URI.match(path) and not Path(path).is_absolute():
        return None
    p = Path(path).expanduser()
    return p if p.is_absolute() else root / p


def _misconfigured(ctx: Context, source: Source) -> bool:
    """The project file already has an error about how to reach ``source`` (an unset
    variable, both or neither of url and path): connecting would only repeat it."""
    doc = ctx.project
    if source.sheet is not None:  # reached through sheet:, never a url or path
        here = ("sources", source.name, "sheet")
        return doc is not None and any(k[:3] == here for k in doc.unresolved)
    if (source.url is None) == (source.path is None):
        return True
    if source.path is not None and source.dialect not in _FILES:
        return True
    keys = (("sources", source.name, "url"), ("sources", source.name, "path"))
    return doc is not None and any(k in doc.unresolved for k in keys)


def _at_source(ctx: Context, source: Source, message: str, hint: str) -> Diagnostic:
    """A diagnostic at the source's ``path:`` or ``url:`` in onesync.yaml (else its name)."""
    doc = ctx.project
    if doc is None:  # a Context built by hand, without the project document
        pos = source.pos or Pos("onesync.yaml", 1, 1)
        return Diagnostic(pos.file, pos.line, pos.col, message, hint)
    key = "sheet" if source.sheet else "path" if source.path is not None else "url"
    return doc.diag(("sources", source.name, key), message, hint)


def _reach(ctx: Context, source: Source) -> Diagnostic | None:
    """The source's connection problem, found once; None when it opened (or cannot be told)."""
    if source.name in ctx.reached:
        return ctx.reached[source.name]
    problem = None
    file = _database_file(source, ctx.root)
    if file is not None and not file.exists():
        # checked here, before the catalogue: opening a DuckDB or SQLite file creates it
        problem = _at_source(
            ctx,
            source,
            f"source '{source.name}': database file {source.path or source.url} does not exist",
            "fix path: (it is relative to the project), or create the database; "
            "validate --offline skips connection checks",
        )
    ctx.reached[source.name] = problem
    return problem


def _unreachable(ctx: Context, source: Source) -> Diagnostic | None:
    """After the catalogue returned None: the reason it gives, as an error at the source."""
    failure = getattr(ctx.catalog, "failure", None)
    why = failure(source) if callable(failure) else None
    if not why:
        return None
    text = redact(database_text(" ".join(str(why).split())))
    check = (
        "check its sheet: (link, id, credentials)"
        if source.sheet
        else "check its url or path, the credentials, and that the database runs"
    )
    problem = _at_source(
        ctx,
        source,
        f"source '{source.name}' ({source.kind}) cannot be reached: {text}",
        f"{check}; validate --offline skips connection checks",
    )
    ctx.reached[source.name] = problem
    return problem


def _rejected(spec: Spec, source: Source, error: OnesyncError) -> Diagnostic:
    """The database refused the model: point at the name it failed on, in the spec's own SQL."""
    text = redact(database_text(" ".join(str(error).split())))
    model, doc = spec.model, spec.doc
    assert model is not None
    where = f"source '{source.name}' ({source.kind})"
    if model.table:
        return doc.diag(
            ("model", "table"),
            f"model: {where} cannot read table '{model.table}': {text}",
            "check the table's name and schema in the database",
        )
    hint = "the model's tables and columns must exist in the database"
    at = locate(model.sql or "", source.dialect, text)
    if model.file and model.sql_pos is not None:
        line, col = at or (1, 1)
        return Diagnostic(model.sql_pos.file, line, col, f"model: {where}: {text}", hint)
    span = doc.spans.get(("model", "sql"))
    if at is not None and span is not None:
        line, col = span.map(*at)
    elif model.sql_pos is not None:
        line, col = model.sql_pos.line, model.sql_pos.col
    else:
        line, col = doc.at(("model", "sql"))
    return Diagnostic(doc.file, line, col, f"model: {where}: {text}", hint)


def check_model(
    ctx: Context, spec: Spec, source: Source, *, known: bool
) -> tuple[list[str] | None, list[Diagnostic]]:
    """Describe the spec's model in its database: (output columns or None, problems).

    ``known`` says the SQL alone names the columns; only when it does not is a check that
    could not run recorded in ``ctx.skipped`` (the column checks it would have enabled).
    """
    model = spec.model
    assert model is not None
    why: str | None = None
    if ctx.offline:
        why = "offline"
    elif ctx.catalog is None:
        why = "no database catalogue"
    elif _misconfigured(ctx, source) or _reach(ctx, source) is not None:
        return None, []  # reported once, at the source
    else:
        try:
            columns = ctx.catalog(source, model.table or model.sql or "")
        except OnesyncError as e:
            return None, [_rejected(spec, source, e)]
        if columns is not None:
            return columns, []
        if _unreachable(ctx, source) is not None:
            return None, []
        why = f"source '{source.name}' unreachable"
    if not known:
        kind = f"table {model.table}" if model.table else "a select *"
        ctx.skipped.append(f"{spec.name}: column checks skipped (model is {kind}; {why})")
    return None, []


def source_problems(ctx: Context) -> list[Diagnostic]:
    """Every source that could not be opened, one diagnostic each."""
    return [d for d in ctx.reached.values() if d is not None]
