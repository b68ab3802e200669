# Two commands on a fresh machine: `make lab` (the main job) and `make test` (every test).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: lab test lint bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,frameworks]'
	# An editable install skips data-files: enable the scoped callback endpoint as a wheel install does.
	install -D -m 644 jupyter-config/jupyter_server_config.d/osscb_notebook.serverext.json $(VENV)/etc/jupyter/jupyter_server_config.d/osscb_notebook.serverext.json
	touch $(STAMP)

lab: $(STAMP)
	$(BIN)/osscb lab

test: $(STAMP)
	bash scripts/system-deps.sh
	$(BIN)/ruff check osscb_notebook tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest tests --nbval notebooks --nbval-sanitize-with notebooks/sanitize.cfg --nbval-current-env -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check osscb_notebook tests benchmarks
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV)
