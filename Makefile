# The two commands of the README: `make demo` and `make test`. Everything installs from here.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
DEMO   ?= demo-data

.PHONY: demo test bench venv clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

venv: $(VENV)/.installed

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q

demo: $(VENV)/.installed
	@if [ ! -d "$(DEMO)/feeds" ]; then $(BIN)/ejournal init "$(DEMO)"; fi
	$(BIN)/ejournal verify "$(DEMO)"
	@echo ""
	@echo "The demo school's data directory is ./$(DEMO)."
	@echo "The web journal is not built yet (issue #4): nothing to serve and no logins so far."

bench: $(VENV)/.installed
	$(BIN)/python bench/bench_log.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
