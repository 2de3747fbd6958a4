# The two commands: `make up` (run the system) and `make test` (run the suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: up demo test lint install lock clean openapi screenshots

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

up: install
	$(BIN)/chibo db init
	$(BIN)/chibo up

# The demo ward and one account per kind of user (password chibo-demo-2026).
demo: install
	$(BIN)/chibo db init
	$(BIN)/chibo demo

test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

# Regenerate docs/openapi.json from the app (after adding or changing a route).
openapi: install
	CHIBO_UPDATE_OPENAPI=1 $(BIN)/pytest -q tests/test_openapi.py

# Retake docs/screenshots/ (a plain test run writes its screenshots elsewhere).
screenshots: install
	CHIBO_UPDATE_SCREENSHOTS=1 $(BIN)/pytest -q tests/browser

# Re-pin every dependency to what is installed now.
lock:
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^chibo' > constraints.txt

clean:
	rm -rf $(VENV) var
