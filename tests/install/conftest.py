"""The ``install`` marker: tests that build the package and install it into a fresh venv."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "install: builds the sdist and wheel and installs the wheel into a fresh venv "
        "(needs the setuptools build backend from PyPI or pip's cache; fails under CI=true "
        "when it cannot get it)",
    )
