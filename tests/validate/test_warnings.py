# ruff: noqa: E501  (expected lines are compared whole, so they stay on one line)
"""Warnings: one spec, the exact warning lines; they never fail validation.

Warnings live on ``Project.warnings``; ``onesync validate`` prints them on stderr and exits 0.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from onesync.cli import main
from onesync.errors import Diagnostic, SpecError
from onesync.validate import load_project

from .conftest import ENV, write

P = "specs/x.yaml"
HEAD = "sync: x\nsource: warehouse\nmodel: {sql: 'select id, first_name from t'}\nidentity: {external_id: id}\n"
EMAIL = "message:\n  key: id\n  channel: email\n  subject: {en: Hello}\n"
NO_LINK = (
    "specs/x.yaml:{line}:{col}: warning: contents.{lang}: an email body without [unsubscribe_url]; "
    'OneSignal requires an unsubscribe link in marketing email (add <a href="[unsubscribe_url]">'
    "Unsubscribe</a>, or use a template_id)"
)

CASES = {
    "email_without_link": (
        EMAIL + "  contents: {en: 'Hi {{ first_name }}'}\n",
        [NO_LINK.format(line=9, col=18, lang="en")],
    ),
    "email_with_link": (
        EMAIL + "  contents: {en: 'Hi. <a href=\"[unsubscribe_url]\">Stop</a>'}\n",
        [],
    ),
    "email_one_language_without": (
        EMAIL + "  contents:\n    en: 'Hi [unsubscribe_url]'\n    fr: Salut\n",
        [NO_LINK.format(line=11, col=9, lang="fr")],
    ),
    "email_template": (
        "message: {key: id, channel: email, template_id: be4a8044-bbd6-11e4-a581-000c2940e62c}\n",
        [],
    ),
    "email_template_and_contents": (
        "message: {key: id, channel: email, template_id: be4a8044-bbd6-11e4-a581-000c2940e62c, contents: {en: hi}}\n",
        [],
    ),
    "push_without_link": ("message: {key: id, contents: {en: hi}}\n", []),
    "sms_without_link": ("message: {key: id, channel: sms, contents: {en: hi}}\n", []),
}


@pytest.fixture
def project_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("name", sorted(CASES))
def test_warning(name: str, project_dir: Path) -> None:
    body, expected = CASES[name]
    write(project_dir, {P: HEAD + body})
    project = load_project(".", env=ENV)
    assert [str(w) for w in project.warnings] == expected
    assert all(w.severity == "warning" for w in project.warnings)
    assert project.sync("x").message is not None  # the spec is valid all the same


def test_errors_come_alone(project_dir: Path) -> None:
    """While a project has errors, only they are shown: the warnings wait for a valid project."""
    write(project_dir, {P: HEAD + EMAIL + "  contents: {en: hi}\nmode: mirorr\n"})
    with pytest.raises(SpecError) as err:
        load_project(".", env=ENV)
    assert [d.severity for d in err.value.diagnostics] == ["error"]
    assert "warning" not in str(err.value)


def test_diagnostic_prints_its_severity() -> None:
    assert str(Diagnostic("a.yaml", 1, 2, "m", "h")) == "a.yaml:1:2: error: m (h)"
    assert str(Diagnostic("a.yaml", 1, 2, "m", severity="warning")) == "a.yaml:1:2: warning: m"


def test_validate_prints_warnings_on_stderr_and_exits_0(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    write(project_dir, {P: HEAD + EMAIL + "  contents: {en: hi}\n"})
    result = CliRunner().invoke(main, ["validate", "--offline"])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [NO_LINK.format(line=9, col=18, lang="en")]
    assert result.stdout.splitlines() == ["ok: 2 syncs valid (2 sources)"]
