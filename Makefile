# The two commands in the README:
#   make lab   - set up what the lessons need and open JupyterLab at notebooks/00_start_here.ipynb
#   make test  - the same, plus the test tools, then run every test CI runs
# and `make lite`, the course as a static JupyterLite site, built with its own virtualenv.
PYTHON   ?= python3
VENV     ?= .venv
LITE_VENV ?= build/venv-lite
PY       := $(VENV)/bin/python
PORT     ?= 8888
# pip's output, one line per package
PIP_LINES := 2>&1 | grep --line-buffered -E "^(Collecting|Successfully|ERROR)" || true

.PHONY: lab test setup test-setup system-deps bench clean lite

# what the lessons need: handoff_nb[notebook] (widgets, JupyterLab, the OpenAI client, the semantic
# router, the SDK for notebook 10) and a static dot
$(VENV)/.installed: pyproject.toml
	@t0=$$(date +%s); \
	echo ">> [1/3] creating virtualenv $(VENV)"; \
	$(PYTHON) -m venv $(VENV) || exit 1; \
	echo ">> [2/3] upgrading pip"; \
	$(PY) -m pip install -q --upgrade pip || exit 1; \
	echo ">> [3/3] installing handoff_nb with what the lessons need (about a minute; pip shows each package)"; \
	$(PY) -m pip install --progress-bar off -e ".[notebook,dot]" $(PIP_LINES); \
	$(PY) -c "import handoff_nb, jupyterlab, ipywidgets, agents" || { echo ">> install failed: see the pip output above"; exit 1; }; \
	$(PY) -m pip uninstall -y -q jupyterlite-pyodide-kernel jupyterlite-core >/dev/null 2>&1; \
	$(VENV)/bin/jupyter labextension disable --level=sys_prefix @jupyterlab/apputils-extension:announcements >/dev/null 2>&1; \
	echo ">> $(VENV) ready in $$(( $$(date +%s) - t0 )) s"
	@touch $@

# make test adds the test tools (handoff_nb[test]: pytest, nbval, jupytext, playwright)
$(VENV)/.installed-test: $(VENV)/.installed
	@t0=$$(date +%s); \
	echo ">> installing the test tools into $(VENV)"; \
	$(PY) -m pip install --progress-bar off -e ".[notebook,test,dot]" $(PIP_LINES); \
	$(PY) -c "import pytest, nbval, jupytext, playwright" || { echo ">> install failed: see the pip output above"; exit 1; }; \
	echo ">> test tools ready in $$(( $$(date +%s) - t0 )) s"
	@touch $@

# the JupyterLite build tools live in their own virtualenv: the Pyodide kernel's lab extension
# would otherwise load into the ordinary JupyterLab ("Shared module @jupyterlite/services doesn't exist")
$(LITE_VENV)/.installed: pyproject.toml
	@t0=$$(date +%s); \
	echo ">> creating $(LITE_VENV) with the JupyterLite build tools (handoff_nb[lite])"; \
	$(PYTHON) -m venv $(LITE_VENV) || exit 1; \
	$(LITE_VENV)/bin/python -m pip install -q --upgrade pip || exit 1; \
	$(LITE_VENV)/bin/python -m pip install --progress-bar off -e ".[lite]" $(PIP_LINES); \
	$(LITE_VENV)/bin/python -c "import jupyterlite_core, jupyterlite_pyodide_kernel" || { echo ">> install failed: see the pip output above"; exit 1; }; \
	echo ">> $(LITE_VENV) ready in $$(( $$(date +%s) - t0 )) s"
	@touch $@

setup: system-deps $(VENV)/.installed

test-setup: setup $(VENV)/.installed-test

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
	    --LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb --LabApp.news_url= \
	    --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate $(ROOT_ARGS) $(LAB_ARGS)

test: test-setup
	@echo ">> unit, widget and browser tests, then every notebook under nbval"
	HANDOFF_NB_MODEL=offline $(PY) -m pytest tests notebooks --nbval-lax \
	    --nbval-sanitize-with notebooks/sanitize.cfg -p no:cacheprovider $(PYTEST_ARGS)

# the course as a static JupyterLite site in build/lite (serve it: python -m http.server -d build/lite)
# (setup: the Lab's venv records the e5 vectors the lessons embed, which the site replays)
lite: setup $(LITE_VENV)/.installed
	$(LITE_VENV)/bin/python scripts/build_lite.py

bench: setup
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info
