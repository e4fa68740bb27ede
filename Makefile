# Two commands: `make run` (dashboard on the demo data) and `make test` (every test).
# Both create or reuse .venv and install only what is missing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test install install-test system-deps demo bench screenshots clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt
	$(PY) -m pip install -q -r requirements-test.txt
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test system-deps

system-deps:
	bash tools/install_system_deps.sh

# `users init` creates the accounts database and prints the first admin's password once, at start-up.
run: install
	$(PY) -m risk users init
	$(PY) -m streamlit run dashboard.py --server.port $(PORT) --server.maxUploadSize $${RISK_MAX_UPLOAD_MB:-50}

test: install-test
	$(PY) -m pytest -q

demo: install
	$(PY) -m risk demo --out data/demo

bench: install
	$(PY) -m bench

screenshots: install-test
	RISK_UPDATE_SCREENSHOTS=1 $(PY) -m pytest -q tests/e2e/test_browser.py

clean:
	rm -rf $(VENV) .pytest_cache tests/artifacts
