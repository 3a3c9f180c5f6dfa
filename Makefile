# Two commands do all set-up on a fresh machine (see README.md):
#   make run    install into .venv, build the index of docs/corpus, serve on http://127.0.0.1:8000
#   make test   install with test tools (and Debian's chromium and postgresql for their tests), run every test
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
# --no-cache-dir: a fresh machine installs once, so a cache only holds every downloaded wheel a second time
# (a CI run once stopped with "No space left on device" during this install).
PIP := $(BIN)/python -m pip --disable-pip-version-check --no-cache-dir

.PHONY: run test lint install install-test screenshots eval clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch is installed first, pinned, so pip takes the local CPU wheel and never a CUDA build.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -q "torch==2.13.0"
	$(PIP) install -q -e ".[ocr]"
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PIP) install -q -e ".[ocr,test]"
	@# Chromium drives the widget and console tests; a CJK font makes their screenshots show Chinese, not boxes.
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian chromium and fonts-noto-cjk for the browser tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) \
	      || echo "warning: could not install chromium/fonts-noto-cjk; browser tests may be skipped"; \
	  else echo "warning: chromium or a CJK font missing and not root: browser tests may be skipped"; fi; \
	fi
	@# PostgreSQL's server: the shared-database tests start a throwaway cluster (tests/postgres.py); required under CI.
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian postgresql for the database tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
	      || echo "warning: could not install postgresql; the PostgreSQL tests will be skipped (failed under CI)"; \
	  else echo "warning: PostgreSQL missing and not root: the PostgreSQL tests will be skipped (failed under CI)"; fi; \
	fi
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: $(VENV)/.installed
	$(BIN)/youju build
	$(BIN)/youju serve

test: lint
	$(BIN)/python -m pytest -q

# ruff (lint and format), mypy (the tests too), and the layers contract (import-linter; contracts in pyproject.toml).
lint: $(VENV)/.installed-test
	$(BIN)/ruff check index service eval tests
	$(BIN)/ruff format --check index service eval tests
	$(BIN)/mypy index service eval tests
	$(BIN)/lint-imports

screenshots: $(VENV)/.installed-test
	$(BIN)/python -m service.screenshots --out docs/screenshots

eval: $(VENV)/.installed-test
	$(BIN)/youju eval

clean:
	rm -rf $(VENV) var build *.egg-info
