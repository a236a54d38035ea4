# The two commands of the README: `make demo` and `make test`. Everything installs from here.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
DEMO   ?= demo-data
PORT   ?= 8000

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
	@if [ ! -d "$(DEMO)/feeds" ]; then \
		$(BIN)/ejournal demo "$(DEMO)"; \
	elif [ ! -f "$(DEMO)/demo-logins.txt" ]; then \
		echo "./$(DEMO) holds a school that is not the demo: remove it and run make demo again."; \
		exit 2; \
	elif [ ! -f "$(DEMO)/demo-accounts.txt" ]; then \
		$(BIN)/ejournal demo-accounts "$(DEMO)"; \
	else \
		cat "$(DEMO)/demo-accounts.txt"; \
	fi
	$(BIN)/ejournal verify -q "$(DEMO)"
	@echo ""
	@echo "The demo school's data directory is $(DEMO) (ejournal verify: OK)."
	@echo "Open http://127.0.0.1:$(PORT)/login and sign in with a login and password above."
	$(BIN)/ejournal serve "$(DEMO)" --port $(PORT)

bench: $(VENV)/.installed
	$(BIN)/python bench/bench_log.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
