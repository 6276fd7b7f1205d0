# The two set-up commands: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format bench clean

# fakesnow (the Snowflake the tests talk to) pins its own sqlglot and DuckDB, so it gets a venv
# of its own and runs as a server the real Snowflake connector reaches over loopback. fakesnow
# 0.12.1 imports snowflake.connector.converter, which connector 5 (the Rust rewrite) dropped.
FAKESNOW := .venv-fakesnow

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	$(PY) -m venv $(FAKESNOW)
	$(FAKESNOW)/bin/pip install -q 'fakesnow[server]==0.12.1' 'snowflake-connector-python<5'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/onesync demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -q -n auto

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) $(FAKESNOW) .onesync .pytest_cache build *.egg-info
