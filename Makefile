# The two commands of the README: `make demo` and `make test`. Everything installs from here.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
DEMO   ?= demo-data
PORT   ?= 8000

# Debian packages the journal needs at run time: WeasyPrint's libraries and fonts with Cyrillic
# for PDF/A printouts.
DEB_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
	fonts-liberation2 fonts-paratype
# ...to build the native fast path of log verification at install (hatch_build.py; without
# them the install goes on and verification is about five times slower)...
DEB_BUILD_PACKAGES := gcc libssl-dev
# ...and the tests: Go's note/tlog packages (an independent peer implementation), Chromium for
# browser tests, poppler-utils and qpdf to read and check PDFs, systemd for systemd-analyze
# verify of the generated service units. (npm, for axe-core, comes with the machine's Node.js;
# Debian's npm package conflicts with it.)
DEB_TEST_PACKAGES := $(DEB_PACKAGES) golang-go golang-golang-x-mod-dev chromium poppler-utils \
	qpdf systemd
AXE_VERSION := 4.14.1
AXE := .cache/axe/node_modules/axe-core/axe.min.js
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# `make test` runs the tests that need root (the real `ejournal install-service`) and walks
# docs/INSTALL.md as root (scripts/run_install_doc.py, about 2 min: two fresh venvs); not root,
# through sudo. `make test EJOURNAL_REQUIRE_ROOT_TESTS=0` accepts not running them, and says so.
EJOURNAL_REQUIRE_ROOT_TESTS ?= 1
# pytest runs in TEST_WORKERS processes (pytest-xdist), a test file's tests all in one of them
# (their module fixtures are built once); the walk runs beside it, its output kept in a file
# and shown at the end. `make test TEST_WORKERS=0` runs pytest in one process.
TEST_WORKERS ?= 2

.PHONY: demo test bench venv clean debian-deps debian-test-deps debian-build-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The native scanner is compiled by the install (hatch_build.py): a changed source reinstalls.
NATIVE := ejournal/log/_scan.c hatch_build.py

$(VENV)/.installed-test: pyproject.toml $(NATIVE) | $(BIN)/python debian-build-deps
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

$(VENV)/.installed: pyproject.toml $(NATIVE) | $(BIN)/python debian-build-deps
	$(BIN)/python -m pip install --quiet -e .
	touch $@

venv: $(VENV)/.installed

# Install whichever of the listed Debian packages is missing (dpkg-query asks no network).
define apt_install
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
		| grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:" $$missing; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

debian-build-deps:
	$(call apt_install,$(DEB_BUILD_PACKAGES))

debian-deps:
	$(call apt_install,$(DEB_PACKAGES))

debian-test-deps:
	$(call apt_install,$(DEB_TEST_PACKAGES))

$(AXE):
	npm install --silent --no-audit --no-fund --prefix .cache/axe axe-core@$(AXE_VERSION)

test: $(VENV)/.installed-test debian-test-deps $(AXE)
	@walk_log=$$(mktemp); walk_pid=; \
	if [ "$(EJOURNAL_REQUIRE_ROOT_TESTS)" != 0 ]; then \
		echo "scripts/run_install_doc.py runs beside pytest; its output comes at the end"; \
		$(if $(SUDO),$(SUDO) -v;) \
		$(SUDO) $(BIN)/python scripts/run_install_doc.py >"$$walk_log" 2>&1 </dev/null & \
		walk_pid=$$!; \
	fi; \
	EJOURNAL_REQUIRE_ROOT_TESTS=$(EJOURNAL_REQUIRE_ROOT_TESTS) $(BIN)/python -m pytest -q \
		$(if $(filter-out 0,$(TEST_WORKERS)),-n $(TEST_WORKERS) --dist loadfile); \
	tests=$$?; walk=0; \
	if [ -z "$$walk_pid" ]; then \
		echo "NOT RUN: scripts/run_install_doc.py (EJOURNAL_REQUIRE_ROOT_TESTS=0)"; \
	else \
		wait $$walk_pid; walk=$$?; \
		echo "--- scripts/run_install_doc.py (exit code $$walk) ---"; cat "$$walk_log"; \
	fi; \
	rm -f "$$walk_log"; \
	if [ $$tests != 0 ]; then echo "make test: pytest FAILED (exit code $$tests)"; fi; \
	if [ $$walk != 0 ]; then echo "make test: run_install_doc.py FAILED (exit code $$walk)"; fi; \
	[ $$tests = 0 ] && [ $$walk = 0 ]

demo: $(VENV)/.installed debian-deps
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
	rm -rf $(VENV) .pytest_cache .hypothesis .cache build ejournal/log/_scan.so
