# Two commands on a fresh machine: `make demo` and `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PO     := $(wildcard signage/translations/*/LC_MESSAGES/messages.po)
MO     := $(PO:.po=.mo)
PYTHON ?= python3

.PHONY: install demo serve test lint format clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,postgres,redis,server]"
	touch $(STAMP)

%.mo: %.po $(STAMP)
	$(VENV)/bin/pybabel compile --use-fuzzy -i $< -o $@

install: $(STAMP) $(MO)

demo: install
	$(VENV)/bin/signage demo

serve: install
	$(VENV)/bin/signage serve

lint: install
	$(VENV)/bin/ruff check signage tests bench migrations
	$(VENV)/bin/ruff format --check signage tests bench migrations
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff check --fix signage tests bench migrations
	$(VENV)/bin/ruff format signage tests bench migrations

test: lint
	$(VENV)/bin/pytest

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache $(MO)
