# The two commands a newcomer needs: `make run` and `make test`. Needs only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run serve test lint bench bench-datasette loadtest screenshots clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (PYTHON=python3.x make …)")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

# Local mode: debug on, a secret key and an admin password made once and kept in .env.
.env:
	@$(PYTHON) -c 'import secrets; print("DJANGO_DEBUG=1"); print("DJANGO_SECRET_KEY=" + secrets.token_urlsafe(50)); print("LOCAL_ADMIN_PASSWORD=" + secrets.token_urlsafe(12))' > $@
	@echo "Wrote .env (local settings: debug on, a secret key, the admin password)."

run: $(VENV)/.installed .env
	$(PY) manage.py migrate --noinput
	PORT=$(PORT) $(PY) manage.py setup_local
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# Production: gunicorn (workers from the CPU count), WhiteNoise's compressed, hashed static
# files, debug off, a JSON log line for each request. Secrets, hosts and DATABASE_URL come from
# the environment (or .env); behind a TLS-terminating proxy set DJANGO_HTTPS_PROXY=1.
SERVE_ENV := DJANGO_DEBUG=0 DJANGO_STATIC_MANIFEST=1
serve: $(VENV)/.installed
	$(SERVE_ENV) $(PY) manage.py collectstatic --noinput --verbosity 0
	$(SERVE_ENV) $(PY) manage.py migrate --noinput
	$(SERVE_ENV) DJANGO_ACCESS_LOG=1 PORT=$(PORT) $(VENV)/bin/gunicorn --config project/gunicorn.conf.py project.wsgi

# The browser and markup tests' tools from npm, as package-lock.json pins them: axe-core and the
# Nu Html Checker (its install script, which would fetch a Java, is not run). Without npm,
# Chromium or Java those tests skip and say so; CI (.ci/run) installs all three.
node_modules/.installed: package.json package-lock.json
	@if ! command -v npm >/dev/null; then \
	  echo "npm not found: the accessibility and markup tests will skip (CI runs them)."; \
	elif npm ci --ignore-scripts --no-audit --no-fund --loglevel=error; then touch $@; \
	elif [ -n "$$CI" ]; then exit 1; \
	else echo "npm ci failed (offline?): the accessibility and markup tests will skip."; fi

# Tests run with debug off, as in production; they need a key but never a real one. They run in
# TEST_WORKERS processes (pytest-xdist; each has its own test database; 0: in this process
# alone), a test group marked xdist_group kept on one worker. PYTEST_ARGS picks tests (-k …).
# The slowest 15 are named at the end: where the suite's time goes.
TEST_WORKERS ?= 2
test: $(VENV)/.installed node_modules/.installed
	DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-test-only-not-secret} $(PY) -m pytest \
	  -n $(TEST_WORKERS) --dist loadgroup --durations=15 $(PYTEST_ARGS)

# Benchmarks run on PostgreSQL unless DATABASE_URL says otherwise, in a throwaway database; the
# page benchmark on SQLite and on PostgreSQL (DATABASE_URL's if it is one), side by side; then
# the project against Datasette on one SQLite file (Datasette is installed for this only).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
$(VENV)/.installed-bench: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	@touch $@

bench: $(VENV)/.installed-bench
	DATABASE_URL=$${DATABASE_URL:-$(BENCH_DATABASE_URL)} $(PY) bench/bundle_import.py
	DATABASE_URL=$${DATABASE_URL:-$(BENCH_DATABASE_URL)} $(PY) bench/reanchor.py
	$(PY) bench/closest.py
	$(PY) bench/extract.py
	DATABASE_URL=$${DATABASE_URL:-$(BENCH_DATABASE_URL)} $(PY) bench/pages.py
	$(PY) bench/datasette.py

# The Datasette comparison alone (BENCH_PAGE_CLAIMS, BENCH_KEEP_DB=1 to reuse the generated file).
bench-datasette: $(VENV)/.installed-bench
	$(PY) bench/datasette.py

# 32 readers and 4 curators for 60 seconds against `make serve`'s setting, on a throwaway
# PostgreSQL database of demo data; stops by itself, fails on any error or broken promise.
$(VENV)/.installed-load: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[dev,load]'
	@touch $@

loadtest: $(VENV)/.installed-load
	DATABASE_URL=$${DATABASE_URL:-$(BENCH_DATABASE_URL)} $(PY) bench/loadtest.py

# PNGs of every public page kind (desktop, phone, some dark) and the curation screens, into
# docs/screenshots/, from a throwaway database of the seed data. Needs Debian's chromium.
screenshots: $(VENV)/.installed
	$(PY) docs/screenshots.py

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) node_modules .pytest_cache .hypothesis
