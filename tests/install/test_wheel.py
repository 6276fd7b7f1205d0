"""The package as a user installs it: ``pip install .`` (a wheel, not editable) and the sdist.

The module fixture copies the source tree (symlinks kept, as git checks them out) into a temp
dir, so building never writes into the checkout, and builds it the way pip and ``python -m
build`` do: the PEP 517 hooks of the declared build backend, fetched by pip into its own folder.
It builds the sdist, a wheel from the tree (what ``pip install .`` installs) and a wheel from the
sdist (what ``pip install onesync`` from an index installs), then installs the first into a
fresh venv that has no onesync at all. The dependencies are the current venv's, seen through a
``.pth`` folder of links that leaves out onesync itself and its editable hook; pip still checks
that they satisfy the wheel's requirements (``--no-index``: it fetches nothing). Every command
then runs from a folder outside the checkout, as the README's quickstart does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
VERSION = PYPROJECT["project"]["version"]
SPECS = sorted(p.name for p in (ROOT / "specs").glob("*.yaml"))
SCHEMAS = sorted(p.name for p in (ROOT / "schemas").glob("*.schema.json"))
PACKAGE_DATA = [
    "onesync/py.typed",
    "onesync/demo/onesync.yaml",
    "onesync/demo/seed.sql",
    *(f"onesync/demo/specs/{name}" for name in SPECS),
    *(f"onesync/schemas/{name}" for name in SCHEMAS),
]
# What a checkout may hold that is no part of the source (caches, builds, local databases).
LOCAL = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
    ".ruff_cache", ".mypy_cache", ".onesync", "*.duckdb", "*.duckdb.wal",
)  # fmt: skip

pytestmark = pytest.mark.install


@dataclass(frozen=True)
class Installed:
    wheel: Path
    sdist: Path
    sdist_wheel: Path
    venv: Path
    work: Path  # an empty folder outside the checkout

    def run(
        self, *args: str, cwd: Path | None = None, **env: str
    ) -> subprocess.CompletedProcess[str]:
        """``args`` in the fresh venv (its bin/ first on PATH), no PYTHONPATH, CI unset."""
        environ = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CI")}
        environ.update(
            PATH=f"{self.venv / 'bin'}{os.pathsep}{environ.get('PATH', '')}",
            VIRTUAL_ENV=str(self.venv),
            NO_COLOR="1",
            **env,
        )
        return subprocess.run(
            args, cwd=cwd or self.work, env=environ, capture_output=True, text=True, timeout=120
        )


def _call(args: list[str | Path], **kwargs: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)  # type: ignore[call-overload]
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done


def _backend(target: Path) -> Path:
    """The build-system requirements, installed by pip into ``target`` (PyPI or pip's cache)."""
    requires = PYPROJECT["build-system"]["requires"]
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--target", str(target), *requires],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        reason = f"cannot install the build backend {requires}: {done.stderr.strip()[-500:]}"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{reason} (CI=true: the package must be built)")
        pytest.skip(reason)
    return target


def _hook(python: Path, backend: Path, cwd: Path, hook: str, out: Path) -> Path:
    """Run one PEP 517 hook of the declared backend in ``cwd``; the file it built."""
    name = PYPROJECT["build-system"]["build-backend"]
    code = f"import {name} as b, sys; print(b.{hook}(sys.argv[1]))"
    env = {**os.environ, "PYTHONPATH": str(backend)}
    done = _call([python, "-c", code, str(out)], cwd=cwd, env=env)
    return out / done.stdout.strip().splitlines()[-1]


def _deps_folder(folder: Path) -> Path:
    """Links to everything in this venv's site-packages but onesync, its editable hook and
    the .pth files (a folder named in a .pth gets none of its own .pth files run)."""
    folder.mkdir()
    for site in dict.fromkeys(Path(sysconfig.get_path(k)) for k in ("purelib", "platlib")):
        for entry in site.iterdir():
            name = entry.name.lower()
            if name.startswith(("onesync", "__editable__")) or name.endswith(".pth"):
                continue
            if not (folder / entry.name).exists():
                (folder / entry.name).symlink_to(entry)
    return folder


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    tmp = tmp_path_factory.mktemp("install")
    src = tmp / "src"
    shutil.copytree(ROOT, src, symlinks=True, ignore=LOCAL)
    backend = _backend(tmp / "backend")
    venv = tmp / "venv"
    _call([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"

    dist = tmp / "dist"
    sdist = _hook(python, backend, src, "build_sdist", dist)
    wheel = _hook(python, backend, src, "build_wheel", dist)
    with tarfile.open(sdist) as tar:
        tar.extractall(tmp / "unpacked", filter="data")
    unpacked = tmp / "unpacked" / sdist.name.removesuffix(".tar.gz")
    sdist_wheel = _hook(python, backend, unpacked, "build_wheel", tmp / "dist-from-sdist")

    purelib = _call([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"])
    Path(purelib.stdout.strip(), "_onesync_test_deps.pth").write_text(
        f"{_deps_folder(tmp / 'deps')}\n"
    )
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-index"]
    _call([*pip, wheel])
    work = tmp / "work"
    work.mkdir()
    return Installed(wheel, sdist, sdist_wheel, venv, work)


def test_the_wheel_and_the_sdist_carry_the_demo_project_and_the_schemas(
    installed: Installed,
) -> None:
    assert len(SPECS) >= 3 and len(SCHEMAS) == 2  # the lists below are not empty by accident
    with zipfile.ZipFile(installed.wheel) as whl:
        in_wheel = set(whl.namelist())
    assert [f for f in PACKAGE_DATA if f not in in_wheel] == []
    with tarfile.open(installed.sdist) as tar:
        prefix = installed.sdist.name.removesuffix(".tar.gz") + "/"
        members = {m.name.removeprefix(prefix): m for m in tar.getmembers()}
    assert [f for f in PACKAGE_DATA if f not in members] == []
    links = [name for name in PACKAGE_DATA if not members[name].isfile()]
    assert links == [], "the sdist must hold the files, not the repository's symlinks"
    with zipfile.ZipFile(installed.sdist_wheel) as whl:
        assert sorted(whl.namelist()) == sorted(in_wheel), "a wheel built from the sdist differs"


def test_the_installed_onesync_is_the_wheel_not_the_checkout(installed: Installed) -> None:
    code = "import onesync, importlib.metadata as m; print(onesync.__file__, m.version('onesync'))"
    done = installed.run("python", "-c", code)
    assert done.returncode == 0, done.stderr
    where, version = done.stdout.split()
    assert Path(where).is_relative_to(installed.venv), where
    assert version == VERSION
    assert installed.run("onesync", "--version").stdout == f"onesync {VERSION}\n"


def test_the_readme_quickstart_runs_from_the_wheel(installed: Installed) -> None:
    init = installed.run("onesync", "init", "myproject")
    assert init.returncode == 0, init.stderr
    project = installed.work / "myproject"
    assert sorted(p.name for p in (project / "specs").iterdir()) == SPECS
    assert (project / "data" / "demo.duckdb").is_file()

    validate = installed.run("onesync", "validate", cwd=project)
    assert validate.returncode == 0, validate.stderr
    assert validate.stdout == f"ok: {len(SPECS)} syncs valid (1 source)\n"

    compiled = installed.run("onesync", "compile", "customer_profile", cwd=project)
    assert compiled.returncode == 0, compiled.stderr
    assert compiled.stdout.startswith("-- sync: customer_profile (duckdb, ")
    assert "__fingerprint" in compiled.stdout

    from_outside = installed.run("onesync", "validate", "-p", "myproject")
    assert from_outside.returncode == 0, from_outside.stderr


def test_the_demo_runs_from_the_wheel(installed: Installed) -> None:
    assert installed.run("onesync", "init", "demo").returncode == 0
    demo = installed.run("onesync", "demo", cwd=installed.work / "demo")
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr
    assert f"ok: {len(SPECS)} syncs valid" in demo.stdout
    assert "+ user c-1001" in demo.stdout
    assert "\x1b[" not in demo.stdout  # NO_COLOR
    assert demo.stdout.rstrip().endswith("`onesync plan` / `onesync apply`")
