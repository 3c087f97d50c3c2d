"""``agents._debug``: whether logs may hold model and tool data (by default they do not; set
``OPENAI_AGENTS_DONT_LOG_MODEL_DATA`` / ``OPENAI_AGENTS_DONT_LOG_TOOL_DATA`` to 0 or false)."""

from __future__ import annotations

import os


def _flag(name: str, default: bool = True) -> bool:
    value = os.getenv(name)
    return default if value is None else value == "1" or value.lower() == "true"


DONT_LOG_MODEL_DATA = _flag("OPENAI_AGENTS_DONT_LOG_MODEL_DATA")
DONT_LOG_TOOL_DATA = _flag("OPENAI_AGENTS_DONT_LOG_TOOL_DATA")
