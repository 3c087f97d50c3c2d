"""Keep API keys out of everything we print, record or raise."""

from __future__ import annotations

import os
import re
from typing import Any

# Secrets by what they are, never ordinary words ("sk-learn-contrib", "bearer bonds" survive):
_KEY_PATTERNS = [
    # OpenAI-style keys and the masked echoes servers send back ("sk-proj-****...1234"): 20+
    # characters after "sk-", at least one of them a digit or "*"
    re.compile(r"\bsk-(?=[A-Za-z0-9_\-*]*[\d*])[A-Za-z0-9_\-*]{20,}"),
    # a bearer token as sent in an Authorization header (16+ token characters with a digit)
    re.compile(r"(?i)\b(bearer)\s+(?=[A-Za-z0-9._~+/\-]*\d)[A-Za-z0-9._~+/\-]{16,}=*"),
]
_SECRET_HEADERS = {"authorization", "api-key", "x-api-key", "openai-api-key", "cookie"}


def scrub(text: str, *extra_secrets: str | None) -> str:
    """``text`` with API keys, bearer tokens and the given secret values replaced by ``***``."""
    secrets = [s for s in (*extra_secrets, os.environ.get("OPENAI_API_KEY")) if s and len(s) >= 6]
    for s in secrets:
        text = text.replace(s, "***")
    for pattern in _KEY_PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) + " ***") if m.lastindex else "sk-***", text)
    return text


def scrub_data(value: Any, *extra_secrets: str | None) -> Any:
    """Deep copy of JSON-like ``value`` with secrets scrubbed from strings and auth headers dropped."""
    if isinstance(value, str):
        return scrub(value, *extra_secrets)
    if isinstance(value, list):
        return [scrub_data(v, *extra_secrets) for v in value]
    if isinstance(value, dict):
        return {k: ("***" if str(k).lower() in _SECRET_HEADERS else scrub_data(v, *extra_secrets))
                for k, v in value.items()}
    return value
