# ebrains-curation: the two commands are `make demo` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test

.PHONY: demo test lint format bench clean venv chromium

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

# Headless Chromium (Debian's package) for the browser tests: installed when root, else they skip.
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	{ if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium (Debian package) for the browser tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 \
	      || echo "could not install chromium: the browser tests will skip"; \
	  else echo "chromium is not installed: the browser tests will skip"; fi; }

# the static checks run before the tests: style, format, types (config in pyproject.toml) and the layers
test: lint chromium
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
