# `make test` and `make demo` set themselves up on a fresh machine: a .venv with the package
# and the extras they need, and Graphviz's `dot` binary when it is missing and we may install it.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Every Python that requires-python (>= 3.10) admits: the one of .venv runs the full suite, each other one
# the engine, nn, trust and compile suites in its own .venv-X.Y (tools/test_versions.sh; missing: WARNING).
PYTHON_VERSIONS ?= 3.10 3.11 3.12 3.13

.PHONY: test test-versions demo bench lint typecheck dot chromium notebooks screenshots site serve clean

test: $(VENV)/.installed-dev dot chromium site
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy --strict autograd_tiny
	$(VENV)/bin/lint-imports
	$(PY) -m pytest --nbmake --nbmake-timeout=300 tests notebooks
	$(PY) -m pytest -p no:nbmake --markdown-docs README.md docs/*.md
	bash tools/test_versions.sh $(PY) $(PYTHON_VERSIONS)

test-versions: | $(PY)
	bash tools/test_versions.sh $(PY) $(PYTHON_VERSIONS)

demo: $(VENV)/.installed-demo dot
	$(PY) -m autograd_tiny train --compile --out-dir demo_output

bench: $(VENV)/.installed-bench
	$(PY) benchmarks/bench.py --json benchmarks/results.json

# The playground page (site/): Pyodide and viz-js fetched from npm into site/build/ (git-ignored).
site: $(VENV)/.installed-dev
	bash site/build.sh $(PY)

serve: site
	$(PY) -m http.server --bind 127.0.0.1 --directory site/build 8000

notebooks: $(VENV)/.installed-dev dot
	$(PY) notebooks/build.py

# The README's screenshots (docs/*.png): the step page, steps_widget in JupyterLab, the network view.
screenshots: $(VENV)/.installed-dev dot chromium
	$(PY) docs/screenshots.py

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.installed-%: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[$(subst demo,viz$(comma)train,$*)]'
	touch $@

comma := ,

# Graphviz's `dot` renders the computation graphs; the Python package only writes DOT text.
dot:
	@if command -v dot >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Graphviz (the dot binary) with apt-get"; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Graphviz (the dot binary) with sudo apt-get"; \
		sudo DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	else \
		echo "WARNING: Graphviz's 'dot' is not installed and I cannot install it here."; \
		echo "  Install it yourself: 'sudo apt-get install graphviz' (Debian/Ubuntu),"; \
		echo "  'brew install graphviz' (macOS) or 'conda install -c conda-forge graphviz'."; \
		echo "  Until then, graph rendering is unavailable and its tests are skipped."; \
	fi

# Debian's Chromium runs the browser tests (through Playwright; no browser is ever downloaded).
chromium:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Chromium for the browser tests with apt-get"; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Chromium for the browser tests with sudo apt-get"; \
		sudo DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "WARNING: /usr/bin/chromium is not installed and I cannot install it here:"; \
		echo "  the browser tests (tests/test_browser.py, tests/test_jupyterlab.py) will be SKIPPED."; \
		echo "  Install it yourself: 'sudo apt-get install chromium' (Debian/Ubuntu)."; \
	fi

clean:
	rm -rf $(VENV) .venv-3.* demo_output site/build .pytest_cache .mypy_cache .ruff_cache .hypothesis
