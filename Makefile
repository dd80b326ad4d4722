# Two commands do all set-up: `make demo` runs the cookbook, `make test` runs the test suite.
# Both create .venv and install the project on first use; no database is needed
# (an embedded PostgreSQL starts unless DATABASE_URL is set).
# Other interpreters/Django releases: make test PYTHON=python3.13 VENV=.venv-313 DJANGO='django>=6.1'
PYTHON ?= python3
VENV ?= .venv
DJANGO ?=
# DRIVER=psycopg2 swaps psycopg 3 for psycopg2 in that venv.
DRIVER ?=
BIN := $(VENV)/bin
# setuptools' "Editable installation" notice (a warning block on every first run) is not for us.
EDITABLE := PYTHONWARNINGS='ignore:Editable installation' $(BIN)/python -m pip install -q -e
# The install step is redone when pyproject.toml or this Makefile changes.
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml Makefile | cksum | cut -d' ' -f1)
TYPING_STAMP := $(VENV)/.typing-$(shell cksum pyproject.toml | cut -d' ' -f1)
# django-pgtrigger 4.17.0 from the package index, run beside this package by the "as in 4.x" tests
# (tests/pgtrigger417.py) and compared side by side by benchmarks.versus417: its own venv (both
# import as pgtrigger), on the Django release of $(VENV), so one per $(VENV).
VENV417 ?= $(VENV)-pgtrigger417
STAMP417 := $(VENV417)/.installed-4.17.0

.PHONY: demo test venv lint docs docs-check bench

# tests/pghistory_app runs django-pghistory unchanged, tests/pgpubsub_suite django-pgpubsub's
# own suite; --no-deps, or their requirement would install django-pgtrigger 4.x from PyPI over
# this package.
$(STAMP):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(EDITABLE) '.[dev,docs,bench]' $(foreach p,$(DJANGO),'$(p)')
	$(BIN)/python -m pip install -q --no-deps django-pghistory==3.9.2
	$(BIN)/python -m pip install -q --no-deps django-pgpubsub==1.3.1
	$(if $(filter psycopg2,$(DRIVER)),$(BIN)/python -m pip install -q psycopg2-binary && \
		$(BIN)/python -m pip uninstall -q -y psycopg psycopg-binary)
	scripts/ensure_pgbouncer.sh
	rm -f $(VENV)/.installed-*
	touch $@

demo: $(STAMP)
	$(BIN)/python -m cookbook $(PAGE)

# The venvs `make test` uses, without running it (.ci/run builds the other legs' meanwhile).
venv: $(STAMP) $(STAMP417)

# In parallel, a worker per core (ARGS="-n 3" sets the count, ARGS="-n 0" runs in one process);
# an idle worker takes tests queued for the other, so the long ones do not make a tail.
test: $(STAMP) $(STAMP417)
	PGTRIGGER417_PYTHON=$(VENV417)/bin/python $(BIN)/python -m pytest -n auto --dist worksteal $(ARGS)

# Type checkers only where linting runs: the stubs follow the newest Django.
$(TYPING_STAMP): $(STAMP)
	$(EDITABLE) '.[typing]'
	touch $@

# django-stubs imports the test settings, which would boot a server without DATABASE_URL; mypy
# connects to none.
lint: $(TYPING_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DATABASE_URL=postgresql://unused/unused $(BIN)/mypy
	$(BIN)/lint-imports --no-logo

docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

$(STAMP417): $(STAMP)
	$(PYTHON) -m venv $(VENV417)
	$(VENV417)/bin/python -m pip install -q django-pgtrigger==4.17.0 'psycopg[binary]' \
		"django==$$($(BIN)/python -c 'import django; print(django.__version__)')"
	touch $@

bench: $(STAMP) $(STAMP417)
	PGTRIGGER417_PYTHON=$(VENV417)/bin/python $(BIN)/python -m benchmarks $(ARGS)
