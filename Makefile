# The two commands a newcomer needs: `make demo` (set up, then parse the seed report) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
SEED   := corpus/docs/000_43d4097de7ba60ac.txt

.PHONY: demo setup test lint bench clean

demo: setup
	$(VENV)/bin/baocao parse --pretty $(SEED)

setup: $(VENV)/.installed

# Reinstalled whenever pyproject.toml changes. No Debian package is needed for plain-text input.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

test: setup
	$(PY) -m pytest
	$(VENV)/bin/ruff check .

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: setup
	$(PY) bench/rules_throughput.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
