"""The ``contract`` fixture for tests in this package (other packages call ``make_contract()``)."""

from __future__ import annotations

import pytest

from .openapi import Contract, RequestValidator, default_validator, make_contract, require_spec


@pytest.fixture
def contract() -> Contract:
    """A fresh recorder per test; skips (fails when CI=true) if the spec file is missing."""
    return make_contract()


@pytest.fixture
def validator() -> RequestValidator:
    """The shared validator over the patched spec (built once per session)."""
    require_spec()
    return default_validator()
