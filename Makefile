# Two commands on a fresh machine with only Python 3.11 and make: `make run`, `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# `make run PORT=8080`: the port of the local server (absolute links follow it).
PORT ?= 8000

.PHONY: run test install lint messages bench clean production

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) manage.py migrate --noinput
	PORT=$(PORT) $(PY) manage.py seed_demo
	PORT=$(PORT) $(PY) manage.py runserver 127.0.0.1:$(PORT)

# Production without Docker: collectstatic, migrate, check --deploy, then gunicorn,
# worker and beat (the environment holds the settings: docs/operations-production.md).
production: $(STAMP)
	deploy/start all

test: $(STAMP)
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -n auto

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Needs GNU gettext (developers only); the compiled .mo files are committed, so the
# site runs without it. Source strings are English: the English catalogue repeats
# them (msgen). New or changed German entries come out empty or "fuzzy": translate
# them in locale/de/LC_MESSAGES/django.po, then run this again (tests/mlm/test_translations.py
# fails while any is left). JavaScript takes its words from data attributes that the
# templates render, so there is no djangojs catalogue.
EN_PO := locale/en/LC_MESSAGES/django.po
messages: $(STAMP)
	$(PY) manage.py makemessages -l de -l en --ignore=.venv --ignore=bench --ignore=tests \
		--ignore=staticfiles --ignore=node_modules --ignore=test-artifacts --ignore=media
	msgfilter --keep-header -i $(EN_PO) -o $(EN_PO) sed -e d
	msgen $(EN_PO) -o $(EN_PO)
	msgattrib --clear-fuzzy --clear-previous $(EN_PO) -o $(EN_PO)
	$(PY) manage.py compilemessages --ignore=.venv

bench: $(STAMP)
	$(PY) bench/genealogy.py

clean:
	rm -rf $(VENV) db.sqlite3 media
