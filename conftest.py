"""Root pytest config, loaded for tests/ and for the notebooks under nbval.

Notebook kernels inherit this environment: they run on the offline model and can never reach a
real LLM API, even on a machine where OPENAI_API_KEY is set.
"""

import os

os.environ["HANDOFF_NB_MODEL"] = "offline"
os.environ.pop("OPENAI_API_KEY", None)
os.environ.pop("OPENAI_BASE_URL", None)
