"""Projects written from a dict of files into a temp dir, loaded from inside it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from onesync.errors import SpecError
from onesync.validate import load_project_report

ENV = {"DATABASE_URL": "postgresql://app@db.example/prod", "ONESIGNAL_API_KEY": "key-1"}

PROJECT = """\
version: 1
sources:
  warehouse:
    dialect: postgres
    url: ${env:DATABASE_URL}
  local:
    dialect: duckdb
    path: data/shop.duckdb
destination:
  app_id: 5eb5a37e-0000-4000-8000-0000000000a1
  api_key: ${env:ONESIGNAL_API_KEY}
specs: specs/
"""

CUSTOMERS = """\
sync: customers
source: warehouse
model:
  sql: |
    select id, sf_id, email, first_name, plan
    from crm.customers
identity:
  external_id: id
tags:
  plan: plan
"""

BASE = {"onesync.yaml": PROJECT, "specs/customers.yaml": CUSTOMERS}


def write(root: Path, files: dict[str, str | None]) -> None:
    for rel, text in {**BASE, **files}.items():
        if text is None:
            continue
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.fixture
def problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., list[str]]:
    """Write BASE plus ``files`` (None drops a base file), load, return the error lines."""

    def run(files: dict[str, str | None], **kwargs: object) -> list[str]:
        write(tmp_path, files)
        monkeypatch.chdir(tmp_path)
        try:
            load_project_report(".", env=kwargs.pop("env", ENV), **kwargs)  # type: ignore[arg-type]
        except SpecError as e:
            return [str(d) for d in e.diagnostics]
        return []

    return run
