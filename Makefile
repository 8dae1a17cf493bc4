# Everything a fresh machine needs: `make lab` opens the course, `make test` runs every test.
# Both create (once) and reuse a virtualenv in .venv with the course and its tools installed.
# Tests run numpy single-threaded: the same sums in the same order as the reference outputs,
# and no threads fighting over two cores while notebooks run side by side.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# JupyterLite's tools live in a virtualenv of their own: its extension, installed where
# JupyterLab looks, would make every page of `make lab` fail to load a module that only Lite has.
# (Lite indexes the notebooks with jupyter_server, which JupyterLab, the lab extra, brings.)
LITE_VENV ?= .venv-lite
LITE_BIN := $(LITE_VENV)/bin
# Jupyter refuses to run as root without --allow-root (containers, Binder-like machines).
LAB_COMMAND = $(BIN)/jupyter lab$(if $(filter 0,$(shell id -u)), --allow-root) notebooks/

.PHONY: lab print-lab-command test bench lite system-packages clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

$(LITE_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(LITE_VENV)
	$(LITE_BIN)/python -m pip install --quiet --upgrade pip
	$(LITE_BIN)/python -m pip install --quiet '.[lab,lite]'
	touch $@

lab: $(VENV)/.installed
	$(LAB_COMMAND)

# What `make lab` runs, for tests/test_lab.py.
print-lab-command:
	@echo '$(LAB_COMMAND)'

test: $(VENV)/.installed $(LITE_VENV)/.installed system-packages
	$(BIN)/ruff check coursekit tests benchmarks
	OPENBLAS_NUM_THREADS=1 $(BIN)/python -m pytest --durations=15

# Debian packages the tests need: Chromium, which tests/test_browser.py drives, and bubblewrap,
# the sandbox grading runs kernels in. Installed when missing, if run as root; apt's and dpkg's
# output goes to build/apt.log.
system-packages:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v bwrap >/dev/null || missing="$$missing bubblewrap"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "Missing:$$missing. Installing needs root; the tests that need them will skip"; \
		exit 0; fi; \
	mkdir -p build; echo "Installing$$missing (log: build/apt.log)"; \
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; } \
		>build/apt.log 2>&1 || echo "Installing$$missing failed: see build/apt.log"

# The course as a static JupyterLite site in build/lite/site.
lite: $(LITE_VENV)/.installed
	rm -rf build/lite
	$(LITE_BIN)/python -m pip wheel --quiet --no-deps --wheel-dir build/lite/wheels .
	cd build/lite && $(abspath $(LITE_BIN))/jupyter lite build --lite-dir . --output-dir site \
		--contents $(CURDIR)/notebooks --piplite-wheels wheels/coursekit-*.whl --no-sourcemaps

bench: $(VENV)/.installed
	@for script in benchmarks/*.py; do \
		printf '\n== %s ==\n' "$$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) $(LITE_VENV)
