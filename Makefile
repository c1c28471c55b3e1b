# newsmon: `make demo`, `make test`, `make lint`. Each creates .venv from the lock file on
# first use; `make test-latest` runs the suite on the newest versions pyproject allows.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements/dev.txt
LATEST := .venv-latest
LATEST_STAMP := $(LATEST)/.installed

# Two phases: most of the suite on 2 workers (its end-to-end tests wait on servers and
# subprocesses as much as on the CPU), then the timing-sensitive multi-process tests away from
# that load: the daemon's on one worker, the distributed ones on the other (they mostly wait).
# tests/scheduling.py says how the work is shared.
define run_suite
	$(1)/python -m pytest -n 2 --dist loadfile -m "not serial"
	$(1)/python -m pytest -n 2 --dist loadfile -m serial
endef

.PHONY: demo test test-latest lint lock check-install bench clean

# The lock pins every package with its hashes; the project itself goes in without
# dependencies, so nothing unpinned slips in.
$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "newsmon needs Python 3.11+"'
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

$(LATEST_STAMP): pyproject.toml
	rm -rf $(LATEST)
	$(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/python -m pip install --quiet --upgrade --upgrade-strategy eager -e '.[test]'
	@touch $(LATEST_STAMP)

demo: $(STAMP)
	$(BIN)/newsmon demo

test: $(STAMP)
	$(call run_suite,$(BIN))

# The suite on the newest versions the ranges allow (no lock): an upstream change shows here
# before a user meets it.
test-latest: $(LATEST_STAMP)
	$(call run_suite,$(LATEST)/bin)

lint: $(STAMP)
	$(BIN)/ruff check crawler storage migrations demo tests $(wildcard benchmarks) .ci
	$(BIN)/mypy
	$(BIN)/deptry .
	$(BIN)/lint-imports

# What a user gets: a plain `pip install .` in a fresh venv, then a crawl of the demo site.
check-install:
	PYTHON=$(PYTHON) bash .ci/plain-install

# Re-pin every package (after a change of pyproject's dependencies).
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --all-extras --generate-hashes --strip-extras --allow-unsafe \
	  --no-emit-index-url --no-emit-find-links -o $(LOCK) pyproject.toml

bench: $(STAMP)
	$(BIN)/python benchmarks/crawl.py

clean:
	rm -rf $(VENV) $(LATEST) demo-out .pytest_cache .mypy_cache .ruff_cache
