# Everything a fresh machine needs: `make lab` opens the course, `make test` runs every test.
# Both create (once) and reuse a virtualenv in .venv with the course and its tools installed.
# Tests run numpy single-threaded: the same sums in the same order as the reference outputs,
# and no threads fighting over two cores while notebooks run side by side.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: lab test bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[lab,test,bench]'
	touch $@

lab: $(VENV)/.installed
	$(BIN)/jupyter lab notebooks/

test: $(VENV)/.installed
	$(BIN)/ruff check coursekit tests benchmarks
	OPENBLAS_NUM_THREADS=1 $(BIN)/python -m pytest

bench: $(VENV)/.installed
	for script in benchmarks/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV)
