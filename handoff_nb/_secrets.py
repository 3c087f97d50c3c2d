"""Keep API keys out of everything we print, record or raise.

Two nets: secrets by *shape* (OpenAI-style keys, bearer tokens) and secrets by *configuration*:
every value a model was configured with that may be a credential -- its API key, the value of
every default header the user set (whatever its name: ``Ocp-Apim-Subscription-Key``,
``X-Goog-Api-Key``, ``Proxy-Authorization``...), a password in the base_url, secret-looking
query parameters -- is remembered here (:func:`remember`, done by ``configured_secrets``) and
scrubbed from every string :func:`scrub` sees: errors, the chained exceptions of a traceback
(:func:`scrub_exception`), session files, HTML exports, cassettes, caches, and the records
openai/httpx log (:func:`guard_logs`).
"""

from __future__ import annotations

import logging
import os
import re
import threading
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

# Secrets by what they are, never ordinary words ("sk-learn-contrib", "bearer bonds" survive):
_KEY_PATTERNS = [
    # OpenAI-style keys and the masked echoes servers send back ("sk-proj-****...1234"): 20+
    # characters after "sk-", at least one of them a digit or "*"
    re.compile(r"\bsk-(?=[A-Za-z0-9_\-*]*[\d*])[A-Za-z0-9_\-*]{20,}"),
    # a bearer token as sent in an Authorization header (16+ token characters with a digit)
    re.compile(r"(?i)\b(bearer)\s+(?=[A-Za-z0-9._~+/\-]*\d)[A-Za-z0-9._~+/\-]{16,}=*"),
]
_SECRET_HEADERS = {"authorization", "proxy-authorization", "api-key", "x-api-key", "openai-api-key",
                   "cookie", "set-cookie", "x-goog-api-key", "ocp-apim-subscription-key",
                   "x-portkey-api-key"}
_SECRET_NAME = re.compile(r"(?i)(^|[-_])(api[-_]?key|apikey|secret|password|passwd|token|"
                          r"access[-_]key|subscription[-_]key|auth|authorization|credentials?|"
                          r"cookie|sig|signature)$")
"""Names (dict keys, query parameters) whose values are credentials: "api_key", "user_token",
"client_secret" -- never "max_tokens", "prompt_cache_key" or "input_tokens"."""
_NOT_SECRET_HEADERS = {"user-agent", "content-type", "accept", "accept-encoding", "accept-language",
                       "openai-beta", "openai-version", "api-version", "anthropic-version",
                       "x-stainless-retry-count", "x-stainless-timeout", "idempotency-key"}
_MIN = 6
_MIN_REMEMBERED = 8
_WORD = re.compile(r"[a-z]+|no-key-needed")
"""Values never remembered as secrets (a key "unused" must not scrub the word everywhere)."""

_remembered: set[str] = set()
_remembered_sorted: tuple[str, ...] = ()
_lock = threading.Lock()


def is_secret_name(name: Any) -> bool:
    """Does a field, header or query parameter of this name carry a credential?"""
    text = str(name).strip().lower()
    return text in _SECRET_HEADERS or bool(_SECRET_NAME.search(text))


def remember(*values: Any) -> None:
    """Scrub these values from everything from now on (each 6+ characters; ``Basic x`` /
    ``Bearer x`` also remember ``x``)."""
    new = set()
    for v in values:
        if not isinstance(v, str):
            continue
        v = v.strip()
        parts = v.split(" ", 1)
        if len(parts) == 2 and parts[0].lower() in ("basic", "bearer", "token", "apikey"):
            new.add(parts[1].strip())
        new.add(v)
    new = {v for v in new if len(v) >= _MIN_REMEMBERED and not _WORD.fullmatch(v)}
    if new - _remembered:
        global _remembered_sorted
        with _lock:
            _remembered.update(new)
            _remembered_sorted = tuple(sorted(_remembered, key=len, reverse=True))


def _secrets_in(value: Any, out: list[str], under_secret: bool = False) -> None:
    """Credential values inside a JSON-like value (under secret-looking names)."""
    stack = [(value, under_secret)]
    while stack:
        v, secret = stack.pop()
        if isinstance(v, dict):
            stack.extend((x, secret or is_secret_name(k)) for k, x in v.items())
        elif isinstance(v, (list, tuple)):
            stack.extend((x, secret) for x in v)
        elif secret and isinstance(v, str) and len(v) >= _MIN:
            out.append(v)


def secrets_in(value: Any) -> list[str]:
    """The credential values in ``value`` (e.g. ``extra_body``), remembered for scrubbing."""
    out: list[str] = []
    _secrets_in(value, out)
    remember(*out)
    return out


def configured_secrets(client: Any) -> list[str]:
    """Every credential an openai client (or look-alike) was configured with, remembered: the API
    key, the value of every default header the user set (but a few known-harmless ones), a
    password or secret query parameter in the base_url, secret-looking default query values."""
    out: list[str] = []
    key = getattr(client, "api_key", None)
    if isinstance(key, str):
        out.append(key)
    headers = (client._custom_headers if hasattr(client, "_custom_headers")
               else getattr(client, "default_headers", None)) or {}
    for k, v in dict(headers).items():
        name = str(k).lower()
        if isinstance(v, str) and name not in _NOT_SECRET_HEADERS and not name.startswith("x-stainless"):
            out.append(v)
    query = dict(getattr(client, "_custom_query", None) or {})
    url = str(getattr(client, "base_url", "") or "")
    parts = urlsplit(url)
    if parts.password:
        out += [parts.password, unquote(parts.password)]
    query.update(parse_qsl(parts.query))
    for k, v in query.items():
        if isinstance(v, str) and (is_secret_name(k) or str(k).lower() in ("key", "code")):
            out.append(v)
    remember(*out)
    found: list[str] = []
    for v in out:
        found.append(v)
        p = v.split(" ", 1)
        if len(p) == 2 and p[0].lower() in ("basic", "bearer", "token", "apikey"):
            found.append(p[1])
    return [v for v in found if len(v) >= _MIN]


def scrub(text: str, *extra_secrets: str | None) -> str:
    """``text`` with API keys, bearer tokens, remembered and the given secret values replaced by
    ``***`` (longest first, so a secret containing another goes whole)."""
    given = [s for s in (*extra_secrets, os.environ.get("OPENAI_API_KEY")) if s and len(s) >= _MIN]
    for s in (*sorted(given, key=len, reverse=True), *_remembered_sorted):
        if s in text:
            text = text.replace(s, "***")
    for pattern in _KEY_PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) + " ***") if m.lastindex else "sk-***", text)
    return text


def scrub_data(value: Any, *extra_secrets: str | None) -> Any:
    """Deep copy of JSON-like ``value`` with secrets scrubbed from strings and the values under
    secret names (auth headers, ``api_key``, ``user_token``...) replaced by ``***``."""
    if isinstance(value, str):
        return scrub(value, *extra_secrets)
    if isinstance(value, list):
        return [scrub_data(v, *extra_secrets) for v in value]
    if isinstance(value, tuple):
        return tuple(scrub_data(v, *extra_secrets) for v in value)
    if isinstance(value, dict):
        return {k: ("***" if is_secret_name(k) and isinstance(v, str) else scrub_data(v, *extra_secrets))
                for k, v in value.items()}
    return value


def scrub_exception(error: BaseException | None, *extra_secrets: str | None) -> None:
    """Scrub, in place, every exception of ``error``'s ``__cause__`` / ``__context__`` chain (its
    args, ``message`` and ``body``), so the traceback Jupyter prints shows no key."""
    seen: set[int] = set()
    stack = [error]
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        try:
            e.args = tuple(scrub(a, *extra_secrets) if isinstance(a, str) else
                           scrub_data(a, *extra_secrets) if isinstance(a, (dict, list)) else a
                           for a in e.args)
        except Exception:  # pragma: no cover - an exception type with read-only args
            pass
        for attr in ("message", "body", "doc"):
            value = getattr(e, attr, None)
            if isinstance(value, (str, dict, list)):
                try:
                    setattr(e, attr, scrub_data(value, *extra_secrets))
                except Exception:  # pragma: no cover - a read-only property
                    pass
        stack += [e.__cause__, e.__context__]


class _ScrubLogs(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # pragma: no cover - a malformed record: leave it to logging
            return True
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


_FILTER = _ScrubLogs()
_LOG_PREFIXES = ("openai", "httpx", "httpcore")


def guard_logs() -> None:
    """Scrub remembered secrets from what the openai, httpx and httpcore loggers (and their
    vendored ``httpx2``/``httpcore2`` forms) emit: a filter on each of their loggers."""
    names = {"openai", "openai._base_client", "httpx", "httpx2", "httpcore", "httpcore2"}
    names |= {n for n in list(logging.root.manager.loggerDict) if n.startswith(_LOG_PREFIXES)}
    for name in names:
        lg = logging.getLogger(name)
        if _FILTER not in lg.filters:
            lg.addFilter(_FILTER)
