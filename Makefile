# Two commands on a fresh machine: `make demo` and `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PO     := $(wildcard signage/translations/*/LC_MESSAGES/messages.po)
MO     := $(PO:.po=.mo)
PYTHON ?= python3
NPM_STAMP := node_modules/.installed
# The OpenID Connect provider the SSO tests run (tests/oidc): its own small package.
OIDC_STAMP := tests/oidc/node_modules/.installed
CHROMIUM  := /usr/bin/chromium

.PHONY: install demo serve test test-postgres lint format clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,postgres,redis,server]"
	touch $(STAMP)

# The kiosk's browser libraries and eslint, exactly as package-lock.json pins them.
$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NPM_STAMP)

$(OIDC_STAMP): tests/oidc/package.json tests/oidc/package-lock.json
	cd tests/oidc && npm ci --no-audit --no-fund --loglevel=error
	touch $(OIDC_STAMP)

# The browser tests drive Debian's Chromium (Playwright cannot download its own here).
$(CHROMIUM):
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium

%.mo: %.po $(STAMP)
	$(VENV)/bin/pybabel compile --use-fuzzy -i $< -o $@

install: $(STAMP) $(MO) $(NPM_STAMP) $(OIDC_STAMP)

demo: install
	$(VENV)/bin/signage demo

serve: install
	$(VENV)/bin/signage serve

lint: install
	$(VENV)/bin/ruff check signage tests bench migrations
	$(VENV)/bin/ruff format --check signage tests bench migrations
	$(VENV)/bin/mypy
	node_modules/.bin/eslint static/player static/console static/public

format: install
	$(VENV)/bin/ruff check --fix signage tests bench migrations
	$(VENV)/bin/ruff format signage tests bench migrations

# The suite on as many workers as the machine has cores (pytest-xdist); each worker
# makes its own templates and databases (tests/databases.py). WORKERS=0 runs it in one.
WORKERS ?= auto

test: lint $(CHROMIUM)
	$(VENV)/bin/pytest -n $(WORKERS)

# The same suite with PostgreSQL as every test's database (tests/databases.py; the server
# at SIGNAGE_TEST_POSTGRES_URL, by default 127.0.0.1:5432 as postgres). CI runs both.
test-postgres: install $(CHROMIUM)
	SIGNAGE_TEST_DATABASE=postgresql $(VENV)/bin/pytest -n $(WORKERS)

clean:
	rm -rf $(VENV) node_modules tests/oidc/node_modules instance .pytest_cache .mypy_cache .ruff_cache $(MO)
