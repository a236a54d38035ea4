# The two commands of the README: `make demo` and `make test`. Everything installs from here.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
DEMO   ?= demo-data

# Debian packages the tests need: Go's note/tlog packages as an independent peer implementation.
DEB_TEST_PACKAGES := golang-go golang-golang-x-mod-dev
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test bench venv clean debian-test-deps

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

debian-test-deps:
	@if ! command -v go >/dev/null || [ ! -d /usr/share/gocode/src/golang.org/x/mod/sumdb ]; then \
		echo "installing Debian packages for the tests: $(DEB_TEST_PACKAGES)"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(DEB_TEST_PACKAGES) >/dev/null; \
	fi

test: $(VENV)/.installed-test debian-test-deps
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
