# Everything a fresh machine needs: `make lab` opens the course, `make test` runs every test.
# Both create (once) and reuse a virtualenv in .venv with the course and its tools installed.
# Tests run numpy single-threaded: the same sums in the same order as the reference outputs,
# and no threads fighting over two cores while notebooks run side by side.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: lab test bench lite browser clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

lab: $(VENV)/.installed
	$(BIN)/jupyter lab notebooks/

test: $(VENV)/.installed browser
	$(BIN)/ruff check coursekit tests benchmarks
	OPENBLAS_NUM_THREADS=1 $(BIN)/python -m pytest

# Debian's Chromium, which tests/test_browser.py drives; installed when missing, if run as root.
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq \
		&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } \
		|| echo "Chromium is missing and needs root to install: the browser tests will skip"

# The course as a static JupyterLite site in build/lite/site.
lite: $(VENV)/.installed
	rm -rf build/lite
	$(BIN)/python -m pip wheel --quiet --no-deps --wheel-dir build/lite/wheels .
	cd build/lite && $(abspath $(BIN))/jupyter lite build --lite-dir . --output-dir site \
		--contents $(CURDIR)/notebooks --piplite-wheels wheels/coursekit-*.whl --no-sourcemaps

bench: $(VENV)/.installed
	for script in benchmarks/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV)
