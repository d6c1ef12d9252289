# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
LOCALSTRIPE_PORT ?= 8420
export FLASK_APP := storefront.app:create_app_or_exit

.PHONY: run run-local-payments test test-browser browser-deps install install-test translations migrate demo serve bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Re-install when the project's metadata or the pinned versions change.
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml constraints.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

install: $(VENV)/.installed translations
install-test: $(VENV)/.installed-test translations

# Compile the gettext catalogs (translations/<lang>/LC_MESSAGES/messages.mo).
translations: $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d translations 2>&1 | grep -v '^$$' || true
	@ls translations/*/LC_MESSAGES/messages.mo >/dev/null

# Refresh messages.pot and the .po files after changing user-facing strings (babel.cfg's
# patterns are relative to the project root, so extract from there).
extract: $(VENV)/.installed
	$(BIN)/pybabel extract -F translations/babel.cfg -k N_ -k _l -o translations/messages.pot --no-location --sort-output \
		--project storefront --version 0.1 .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete --width 120

migrate: install
	$(BIN)/flask db upgrade

demo: migrate
	$(BIN)/flask storefront demo load --if-empty
	$(BIN)/flask storefront catalog index
	$(BIN)/flask storefront catalog refresh

run: demo
	PORT=$(PORT) $(BIN)/gunicorn --config config/gunicorn.conf.py 'storefront:create_app()'

# make run, paying on a private localstripe (a test extra) on LOCALSTRIPE_PORT, its state in instance/,
# and Stripe Tax on a local fake (STRIPE_TAX_PORT, default a free port; TAX_PROVIDER=stripe); README, "Paying locally".
run-local-payments: install-test demo
	PORT=$(PORT) LOCALSTRIPE_PORT=$(LOCALSTRIPE_PORT) $(BIN)/python -m storefront.devtools.local_payments

# The suite in TEST_WORKERS processes (pytest-xdist; each has its own databases and servers):
# 6 min instead of 9 on two CPUs. TEST_WORKERS=0 runs it in this process.
TEST_WORKERS ?= 3
test: install-test browser-deps
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

# The console's browser tests (tests/browser) need Debian's chromium and chromium-driver. In CI
# (CI=true, running as root) they are installed when missing (with a Japanese font, for legible
# screenshots); elsewhere the tests skip without them.
browser-deps:
	@if [ "$$CI" = "true" ] && ! { command -v chromium >/dev/null && command -v chromedriver >/dev/null; }; then \
		if [ "$$(id -u)" != 0 ]; then echo "CI=true: chromium and chromium-driver are missing and only root can install them" >&2; exit 1; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-ipafont-gothic >/dev/null; \
	fi

# Only the browser tests (real headless Chromium against the served app).
test-browser: install-test browser-deps
	$(BIN)/python -m pytest -m browser tests/browser

bench: install-test
	$(BIN)/python bench/reprice.py
	$(BIN)/python bench/listing.py

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis
