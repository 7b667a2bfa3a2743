# GrønnJobb: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
export DJANGO_ENV ?= development
# Two workers: the suite spends most of its time waiting on a browser or the sandbox.
PYTEST_ARGS ?= -n 2
# `make scale`: companies and employees per company (the issue's scale by default).
SCALE_COMPANIES ?= 200
SCALE_EMPLOYEES ?= 50

.PHONY: run test install install-dev migrate seed lint messages clean sandbox bench bench-report-plans load scale mutation

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/python manage.py migrate --no-input

seed: migrate
	$(BIN)/python manage.py seed_demo

## Serve the app on http://127.0.0.1:8000 with the demo company, a real Celery worker and beat, and
## the offline Tripletex sandbox on http://127.0.0.1:8089 (its demo key is printed first). Without
## DATABASE_URL and CELERY_BROKER_URL: SQLite and an embedded broker (files under var/).
run: seed
	@export CELERY_BROKER_URL=$${CELERY_BROKER_URL:-filesystem://}; \
	$(BIN)/python manage.py tripletex_sandbox --port 8089 & sandbox=$$!; \
	$(BIN)/celery -A grønnjobb worker --loglevel INFO --concurrency 1 & worker=$$!; \
	$(BIN)/celery -A grønnjobb beat --loglevel INFO --schedule var/celerybeat-schedule & beat=$$!; \
	trap 'kill $$sandbox $$worker $$beat 2>/dev/null' EXIT INT TERM; \
	sleep 3; \
	echo "Paste the «employee token» above into «Koble til Tripletex» (Selskapsinnstillinger → Generelt)."; \
	$(BIN)/python manage.py runserver 127.0.0.1:8000 --noreload

## The offline Tripletex sandbox alone, on http://127.0.0.1:8089/v2.
sandbox: install
	$(BIN)/python manage.py tripletex_sandbox --port 8089

## Benchmarks (not tests): the client listing 10,000 employees and projects; the wizard on that company;
## 10,000 approved entries sent to Tripletex by a real worker (needs PostgreSQL and Redis on 127.0.0.1);
## the week grid of «Mine timer» with 2 and 20 rows; «Rapporter» exporting a year of 100 and 500 people.
bench: install-dev
	$(BIN)/python benchmarks/bench_client.py
	$(BIN)/python benchmarks/bench_wizard.py
	$(BIN)/python benchmarks/bench_transfer.py
	$(BIN)/python benchmarks/bench_week.py
	$(BIN)/python benchmarks/bench_reports.py

## «Rapporter» over a month of a company's year in PostgreSQL, with the query plans (docs/performance.md).
bench-report-plans: install-dev
	$(BIN)/python benchmarks/bench_report_plans.py

## Load test (not a test; README «Load and scale»): the product as in production (gunicorn, 3 workers,
## PostgreSQL database gj_load, Redis db 6, a Celery worker and beat, the sandbox with 20 ms latency)
## with 300 employees, driven by Locust for LOAD_MINUTES minutes (default 10); writes
## benchmarks/results/load.json. Needs PostgreSQL and Redis on 127.0.0.1.
load: install-dev
	$(BIN)/python benchmarks/bench_load.py

## Many companies (benchmarks/bench_scale.py): 200 companies × 50 employees, each connected to its own
## Tripletex company in one sandbox, a month of hours approved and delivered by 4 worker processes
## (PostgreSQL and Redis on 127.0.0.1). A smaller trial: `make scale SCALE_COMPANIES=10 SCALE_EMPLOYEES=20`.
scale: install-dev
	SCALE_COMPANIES=$(SCALE_COMPANIES) SCALE_EMPLOYEES=$(SCALE_EMPLOYEES) $(BIN)/python benchmarks/bench_scale.py

## Mutation testing of the transfer's state machine (docs/mutation.md): mutmut mutates the modules of
## MUTATE (default all eight; e.g. `make mutation MUTATE="machine record sync"`) in a copy under
## mutants/, runs the transfer tests against each mutant, prints the score and writes the survivors
## with their explanations to benchmarks/results/mutation.txt. Fails while a survivor is unexplained.
MUTATE ?= machine record sync outcomes delivery wanted comments control
mutation: install-dev
	$(BIN)/mutmut run --max-children 2 $(foreach m,$(MUTATE),"tripletex.transfer.$(m).*")
	MUTATE="$(MUTATE)" $(BIN)/python benchmarks/mutation_report.py

## The whole test suite (browser tests need /usr/bin/chromium; they skip with a reason without it).
test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

## Regenerate the English translation after changing Norwegian texts.
messages: install-dev
	$(BIN)/python manage.py makemessages --locale en --ignore '$(VENV)/*' --no-obsolete
	$(BIN)/python manage.py makemessages --locale en --domain djangojs --ignore '$(VENV)/*' --no-obsolete
	$(BIN)/python manage.py compilemessages --locale en --ignore '$(VENV)/*'

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
