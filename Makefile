# Spoedinzage: `make run` for the demo, `make test` for the whole suite.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

# Tests always run against real PostgreSQL and Redis: the ones in
# DATABASE_URL / REDIS_URL when set, otherwise local servers that
# scripts/ensure-services.sh starts (and installs) as needed.
TEST_DATABASE_URL := $(or $(DATABASE_URL),postgres://postgres:postgres@127.0.0.1:5432/spoedinzage)
TEST_REDIS_URL := $(or $(REDIS_URL),redis://127.0.0.1:6379/0)

# The suite runs with production settings (DEBUG off, hashed static files).
TEST_ENV := DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) DEBUG=0 \
	SECRET_KEY=test-only-secret-key-not-for-production-0123456789 \
	PRACTICE_TOKEN_KEYS=dGVzdC1vbmx5LXByYWN0aWNlLXRva2VuLWtleS0wMDA=

.PHONY: run test install lint lock messages clean bench-ingest bench-lookup bench-registry bench-oversight bench-reports vendor-css

$(VENV)/.installed: pyproject.toml requirements.lock
	scripts/bootstrap-venv.sh $(PYTHON) $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	touch $@

install: $(VENV)/.installed

run: install
	scripts/run-demo.sh

test: install
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) scripts/ensure-services.sh
	scripts/ensure-system-packages.sh
	$(TEST_ENV) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(TEST_ENV) $(BIN)/python -m pytest $(PYTEST_ARGS)
	$(BIN)/ruff check .
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pip check

# Benchmarks are not tests: they print figures for docs/performance.md.
bench-ingest: install
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) scripts/ensure-services.sh
	$(BIN)/python bench/ingest.py

bench-lookup: install
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) scripts/ensure-services.sh
	command -v wrk >/dev/null || { source scripts/apt.sh && apt_install wrk; }
	$(BIN)/python bench/lookup.py

bench-registry: install
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) scripts/ensure-services.sh
	command -v wrk >/dev/null || { source scripts/apt.sh && apt_install wrk; }
	$(BIN)/python bench/registry.py

# Makes its own two organisations' month (30,000 events, about a minute) each run.
bench-reports: install
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) scripts/ensure-services.sh
	scripts/ensure-system-packages.sh
	$(BIN)/python bench/reports.py

# Generates its two ledgers (1M and 10M events) on the first run (~40 minutes here); keeps them.
bench-oversight: install
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) scripts/ensure-services.sh
	command -v wrk >/dev/null || { source scripts/apt.sh && apt_install wrk; }
	$(BIN)/python bench/oversight.py --reuse

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

lock: install
	$(BIN)/pip freeze --exclude-editable > requirements.lock.new
	{ sed -n '1,2p' requirements.lock; cat requirements.lock.new; } > requirements.lock.tmp
	mv requirements.lock.tmp requirements.lock && rm requirements.lock.new

# The .po file is the one table of translations: edit it (no fuzzy entries), then compile.
messages: install
	DEBUG=1 $(BIN)/python manage.py makemessages --locale nl --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*'
	DEBUG=1 $(BIN)/python manage.py compilemessages --locale nl --ignore '.venv/*'

# The NL Design System CSS, vendored: only what our pages use (static/vendor/utrecht/README.md).
# Run after using a component class the stylesheet lacks (tests/test_static_css.py says so).
vendor-css: install
	rm -rf var/npm var/purged && mkdir -p var/npm var/purged
	cd var/npm && npm pack --silent @utrecht/component-library-css@9.0.4 @utrecht/design-tokens@5.0.1
	cd var/npm && for f in *.tgz; do mkdir -p "$${f%.tgz}" && tar -xzf "$$f" -C "$${f%.tgz}"; done
	npx --yes purgecss@8.0.0 --config scripts/purgecss.config.cjs
	{ echo "/* NL Design System (Utrecht): @utrecht/design-tokens 5.0.1 theme.css, @utrecht/component-library-css 9.0.4 index.css and html.css, EUPL-1.2; only the rules our pages use (make vendor-css). */"; \
	  cat var/purged/theme.css var/purged/index.css var/purged/html.css; } > static/vendor/utrecht/utrecht-used.css

clean:
	rm -rf $(VENV) var/
