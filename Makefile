# The two commands a newcomer needs: `make demo` (set up, then parse the seed report) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
SEED   := corpus/docs/000_43d4097de7ba60ac.txt

# Debian packages: tesseract with the Vietnamese model (scans), LibreOffice Writer (.doc input, and
# the tests' PDF fixtures), fonts with Vietnamese glyphs for LibreOffice's PDFs.
# Chromium renders the review page in its test.
DEBIAN_PACKAGES := tesseract-ocr tesseract-ocr-vie libreoffice-writer-nogui fonts-dejavu-core chromium

.PHONY: demo setup system-deps test lint bench clean

demo: setup
	$(VENV)/bin/baocao parse --pretty $(SEED)

setup: system-deps $(VENV)/.installed

# Installs only what is missing; needs root or sudo. On a machine without apt, says what to install.
system-deps:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
		echo "please install: $$missing (tesseract with Vietnamese, LibreOffice Writer)"; exit 0; fi; \
	sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	echo "installing Debian packages:" $$missing; \
	$$sudo apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing

# Reinstalled whenever pyproject.toml changes.
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
	$(PY) bench/pipeline_throughput.py
	$(PY) bench/names_throughput.py
	$(PY) bench/readers_throughput.py
	$(PY) bench/batch_throughput.py --quick

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
