# Civic — the two commands: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app civic
STAMP := $(VENV)/.installed
VENDOR := static/vendor
VENDOR_STAMP := $(VENDOR)/.installed

.PHONY: run serve install vendor translations migrate seed test test-fast test-pg lint typecheck importlint \
        test-browser i18n-extract i18n-update bench clean

PORT ?= 5000
DEV_ENV := CIVIC_ENV=development CIVIC_BASE_URL=http://127.0.0.1:$(PORT)

# The demo is development: e-mail links point at this port; migrate and seed run with the same settings.
# The worker (background counts) runs beside the server: started in the background (where the terminal's
# Ctrl+C does not reach it), it is stopped with SIGTERM when the server ends, however the recipe ends.
run: export CIVIC_ENV := development
run: export CIVIC_BASE_URL := http://127.0.0.1:$(PORT)
run: install vendor translations migrate seed
	@$(FLASK) civic demo-logins
	@echo "Serving Civic on http://127.0.0.1:$(PORT) (Ctrl+C to stop)"
	$(DEV_ENV) $(FLASK) civic worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; trap 'exit 130' INT TERM; \
	$(DEV_ENV) CIVIC_COOKIE_SECURE=0 CIVIC_TOWN_NAME="$${CIVIC_TOWN_NAME:-Saint-Aubin-des-Communs}" $(FLASK) run --host 127.0.0.1 --port $(PORT)

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

vendor: $(VENDOR_STAMP)

$(VENDOR_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)/htmx $(VENDOR)/pico $(VENDOR)/sortable
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	cp node_modules/@picocss/pico/css/pico.min.css $(VENDOR)/pico/
	cp node_modules/sortablejs/Sortable.min.js $(VENDOR)/sortable/
	touch $(VENDOR_STAMP)

translations: install
	$(BIN)/pybabel compile -d translations

migrate: install
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) civic seed-demo

lint: install
	$(BIN)/ruff check civic tests bench

importlint: install
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy --follow-imports=silent civic/tally civic/accounts/permissions.py civic/accounts/roles.py civic/core/money.py civic/processes/phases.py civic/proposals/permissions.py civic/proposals/statuses.py civic/moderation/permissions.py civic/preselection/rules.py civic/analysis/rules.py civic/voting/ballot_rules.py civic/voting/board.py civic/commons/ledger_rules.py

# The whole suite: lint, import contract, types of the pure packages, unit, HTTP and browser tests.
test: install vendor translations lint importlint typecheck
	$(BIN)/pytest

# The database-backed tests again, against the server named by DATABASE_URL (PostgreSQL in CI).
test-pg: install vendor translations
	@test -n "$(DATABASE_URL)" || (echo "Set DATABASE_URL=postgresql://… to run the PostgreSQL suite" && exit 2)
	$(BIN)/pytest -m "not browser" --ignore=tests/tally --ignore=tests/browser tests

test-browser: install vendor translations
	$(BIN)/pytest -m browser

i18n-extract: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs ".* node_modules __pycache__" -o translations/messages.pot .

i18n-update: i18n-extract
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching
	$(BIN)/python tools/i18n_fill_en.py

bench: install
	$(BIN)/python bench/argon2_cost.py

clean:
	rm -rf $(VENV) node_modules $(VENDOR) .pytest_cache .ruff_cache .mypy_cache
