# The two commands in the README:
#   make lab   - set everything up and open JupyterLab at notebooks/00_start_here.ipynb (offline model)
#   make test  - set everything up and run every test CI runs
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8888

.PHONY: lab test setup system-deps bench clean lite

$(VENV)/.installed: pyproject.toml
	@echo ">> [1/3] creating virtualenv $(VENV)"
	$(PYTHON) -m venv $(VENV)
	@echo ">> [2/3] upgrading pip"
	$(PY) -m pip install -q --upgrade pip
	@echo ">> [3/3] installing handoff_nb with its notebook and test extras (1-2 minutes; pip shows each package)"
	$(PY) -m pip install --progress-bar off -e ".[dev,dot]" 2>&1 | grep --line-buffered -E "^(Collecting|Successfully|ERROR)" || true
	$(PY) -c "import handoff_nb, jupyterlab, ipywidgets" || { echo ">> install failed: see the pip output above"; exit 1; }
	@touch $@

setup: system-deps $(VENV)/.installed

# Graphviz `dot` (and chromium for the browser test). Installed with apt when we are root and it is
# missing; otherwise the pip package graphviz-pure (installed above) provides a static dot.
system-deps:
	@bash scripts/system-deps.sh

# as root (Docker, CI boxes, Binder-like machines) Jupyter refuses to start without --allow-root
ROOT_ARGS := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: setup
	@echo ">> starting JupyterLab at notebooks/00_start_here.ipynb on port $(PORT) (offline model unless OPENAI_API_KEY is set)"
	@echo ">> other port: make lab PORT=8890; extra Jupyter options: make lab LAB_ARGS='--no-browser'"
	$(VENV)/bin/jupyter lab --notebook-dir=. --ServerApp.ip=127.0.0.1 --ServerApp.port=$(PORT) \
	    --LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb $(ROOT_ARGS) $(LAB_ARGS)

test: setup
	@echo ">> unit, widget and browser tests, then every notebook under nbval"
	HANDOFF_NB_MODEL=offline $(PY) -m pytest tests notebooks --nbval-lax \
	    --nbval-sanitize-with notebooks/sanitize.cfg -p no:cacheprovider $(PYTEST_ARGS)

# the course as a static JupyterLite site in build/lite (serve it: python -m http.server -d build/lite)
lite: setup
	$(PY) scripts/build_lite.py

bench: setup
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info
