# Two commands do all set-up: `make demo` runs the cookbook, `make test` runs the test suite.
# Both create .venv and install the project on first use; no database is needed
# (an embedded PostgreSQL starts unless DATABASE_URL is set).
PYTHON ?= python3
VENV ?= .venv
DJANGO ?=
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)$(subst $(eval) ,,$(subst <,lt,$(subst >,gt,$(subst =,,$(DJANGO)))))

.PHONY: demo test lint docs docs-check bench

$(STAMP):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,docs]' $(if $(DJANGO),'$(DJANGO)')
	rm -f $(VENV)/.installed-*
	touch $@

demo: $(STAMP)
	$(BIN)/python -m cookbook $(PAGE)

test: $(STAMP)
	$(BIN)/python -m pytest $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

docs: $(STAMP)
	$(BIN)/mkdocs build --strict

bench: $(STAMP)
	$(BIN)/python -m benchmarks $(ARGS)
