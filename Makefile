# ebrains-curation: the two commands are `make demo` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test

.PHONY: demo test lint format bench clean venv

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=python3"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PIP) install --quiet -e .
	@touch $@

$(TSTAMP): pyproject.toml | $(PY)
	$(PIP) install --quiet -e '.[test]'
	@touch $@ $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(PY) -m ebrains_curation demo

# the static checks run before the tests: style, format, types (config in pyproject.toml) and the layers
test: lint
	$(PY) -m pytest -q

lint: $(TSTAMP)
	$(PY) -m ruff check ebrains_curation tests benchmarks tools
	$(PY) -m ruff format --check ebrains_curation tests benchmarks tools
	$(PY) -m mypy
	$(VENV)/bin/lint-imports

format: $(TSTAMP)
	$(PY) -m ruff format ebrains_curation tests benchmarks tools
	$(PY) -m ruff check --fix ebrains_curation tests benchmarks tools

bench: $(STAMP)
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
