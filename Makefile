# The two commands in the README:
#   make lab   - set everything up and open JupyterLab at notebooks/00_start_here.ipynb (offline model)
#   make test  - set everything up and run every test CI runs
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8888

.PHONY: lab test setup system-deps bench clean

$(VENV)/.installed: pyproject.toml
	@echo ">> creating virtualenv $(VENV) and installing handoff_nb with its notebook and test extras"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev,dot]"
	@touch $@

setup: system-deps $(VENV)/.installed

# Graphviz `dot` (and chromium for the browser test). Installed with apt when we are root and it is
# missing; otherwise the pip package graphviz-pure (installed above) provides a static dot.
system-deps:
	@bash scripts/system-deps.sh

lab: setup
	@echo ">> starting JupyterLab at notebooks/00_start_here.ipynb (offline model unless OPENAI_API_KEY is set)"
	$(VENV)/bin/jupyter lab --notebook-dir=. --ServerApp.ip=127.0.0.1 --ServerApp.port=$(PORT) \
	    --LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb $(LAB_ARGS)

test: setup
	@echo ">> unit, widget and browser tests, then every notebook under nbval"
	HANDOFF_NB_MODEL=offline $(PY) -m pytest tests notebooks --nbval-lax \
	    --nbval-sanitize-with notebooks/sanitize.cfg -p no:cacheprovider $(PYTEST_ARGS)

bench: setup
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info
