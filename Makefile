# MMDS: `make demo` installs and starts JupyterLab with example models; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_HOME := $(CURDIR)/.demo
PORT ?= 8888
# Jupyter refuses to run as root unless told; containers and CI machines often are root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: install demo demo-models test lint pytest postgres bench clean

$(BIN)/.installed: pyproject.toml package.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

install: $(BIN)/.installed

# Runs the example notebooks with papermill into the embedded SQLite registry under .demo/,
# once; `make clean` starts over.
$(DEMO_HOME)/mmds.db: $(BIN)/.installed
	mkdir -p $(DEMO_HOME)/runs
	cd example_notebooks && $(CURDIR)/$(BIN)/python churn_data.py new_customers.parquet && \
	for nb in 01_train_and_track 02_compare 03_score 04_governance 06_monitoring; do \
	  MMDS_HOME=$(DEMO_HOME) MMDS_NOTEBOOK=$(CURDIR)/example_notebooks/$$nb.ipynb \
	  $(CURDIR)/$(BIN)/papermill --no-progress-bar -k python3 $$nb.ipynb $(DEMO_HOME)/runs/$$nb.ipynb \
	  || { rm -f $(DEMO_HOME)/mmds.db; exit 1; }; done

demo-models: $(DEMO_HOME)/mmds.db

demo: demo-models
	@echo "MMDS registry: $(DEMO_HOME)/mmds.db ($$(MMDS_HOME=$(DEMO_HOME) $(BIN)/mmds list --json | $(BIN)/python -c 'import json,sys; print(len(json.load(sys.stdin)))') versions)"
	@echo "Try: MMDS_HOME=$(DEMO_HOME) $(BIN)/mmds list"
	MMDS_HOME=$(DEMO_HOME) $(BIN)/jupyter lab --no-browser --port=$(PORT) $(ALLOW_ROOT) \
	  --ServerApp.root_dir=$(CURDIR)/example_notebooks

# Starts the local PostgreSQL cluster when none answers, so the store tests run against it too.
postgres:
	@bash .ci/postgres

lint: $(BIN)/.installed
	$(BIN)/ruff check mmds_jupyter magics tests bench
	$(BIN)/ruff format --check mmds_jupyter magics tests bench
	$(BIN)/mypy mmds_jupyter magics/mmds_magics

pytest: $(BIN)/.installed
	$(BIN)/python -m pytest tests --durations=30

test: $(BIN)/.installed postgres lint pytest

.venv-bench/.installed: pyproject.toml bench/requirements.txt
	$(PYTHON) -m venv .venv-bench
	.venv-bench/bin/pip install --quiet --upgrade pip
	.venv-bench/bin/pip install --quiet -e . -r bench/requirements.txt
	touch $@

bench: .venv-bench/.installed
	.venv-bench/bin/python bench/track.py
	.venv-bench/bin/python bench/query.py
	.venv-bench/bin/python bench/scoring.py
	.venv-bench/bin/python bench/pmml.py
	.venv-bench/bin/python bench/api.py
	.venv-bench/bin/python bench/server.py
	.venv-bench/bin/python bench/mlflow_import.py

clean:
	rm -rf $(DEMO_HOME) build dist
