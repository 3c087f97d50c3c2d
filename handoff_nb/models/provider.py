"""Model resolution: a name such as "gpt-4o" becomes a real OpenAI model when a key or client is
configured, otherwise the offline model (with a one-time notice).

Order: ``RunConfig(model=...)`` > the agent's ``model`` > :func:`set_default_model`. A Model
object is used as is. ``HANDOFF_NB_MODEL=offline`` forces the offline model for every name.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from typing import Any

from ..views import bundle
from ..errors import UserError
from .interface import Model
from .openai_chat import OpenAIChatModel
from .openai_responses import OpenAIResponsesModel

DEFAULT_MODEL_NAME = "gpt-4o"
OFFLINE_NOTICE = "handoff_nb: no OPENAI_API_KEY: running on the offline model"

_default_model: Model | str | None = None
_override: Model | str | None = None
_openai_client: Any = None
_notice_shown = False
_lock = threading.Lock()
_cache: dict[str, Model] = {}


def set_default_model(model: Model | str | None) -> None:
    """The model for agents with no ``model`` of their own (None: back to the default)."""
    global _default_model
    _default_model = model


@contextlib.contextmanager
def override_model(model: Model | str) -> Iterator[None]:
    """Within this block every agent's model -- names *and* unset ones -- resolves to ``model``.

    Lets code that hard-codes ``model="gpt-4o"`` (the seed programs) run on a scripted, recorded
    or offline model without editing it. ``RunConfig(model=...)`` still wins.
    """
    global _override
    previous, _override = _override, model
    try:
        yield
    finally:
        _override = previous


def set_default_openai_client(client: Any) -> None:
    """Use this ``openai.AsyncOpenAI`` client for model names (mirrors the SDK's function)."""
    global _openai_client
    _openai_client = client
    _cache.clear()


def set_default_openai_key(key: str) -> None:
    """Use this API key for model names (mirrors the SDK). The key is kept only in the client."""
    from openai import AsyncOpenAI
    set_default_openai_client(AsyncOpenAI(api_key=key))


_openai_api: str | None = None


def set_default_openai_api(api: str) -> None:
    """"chat_completions" (default) or "responses": which OpenAI API model names use (mirrors the
    SDK's function; ``HANDOFF_NB_OPENAI_API`` sets it too)."""
    global _openai_api
    if api not in ("chat_completions", "chat", "responses"):
        raise UserError(f"set_default_openai_api: 'chat_completions' or 'responses', got {api!r}")
    _openai_api = "responses" if api == "responses" else "chat"
    _cache.clear()


def _api() -> str:
    env = os.environ.get("HANDOFF_NB_OPENAI_API", "").strip().lower()
    return _openai_api or ("responses" if env == "responses" else "chat")


def using_offline() -> bool:
    if os.environ.get("HANDOFF_NB_MODEL", "").strip().lower() == "offline":
        return True
    return _openai_client is None and not os.environ.get("OPENAI_API_KEY")


def _notice() -> None:
    global _notice_shown
    with _lock:
        if _notice_shown:
            return
        _notice_shown = True
    show_info(OFFLINE_NOTICE + " (set OPENAI_API_KEY, or see notebooks/08_real_models)")


def show_info(text: str) -> None:
    """A one-line notice: a quiet info line in a Jupyter kernel, stderr elsewhere (scripts, CI)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None  # type: ignore[attr-defined]
    if shell is not None and type(shell).__name__ in ("ZMQInteractiveShell", "Interpreter"):  # + Pyodide
        from IPython.display import display
        display(bundle("notice", text), raw=True)  # drawn by handoff_nb.render.mime
        return
    print(text, file=sys.stderr)


def resolve_model(spec: Model | str | None, *, from_run_config: bool = False) -> Model:
    if _override is not None and not from_run_config:
        spec = _override
    if spec is None:
        spec = _default_model if _default_model is not None else DEFAULT_MODEL_NAME
    if not isinstance(spec, str):
        if not hasattr(spec, "get_response"):
            raise UserError(f"model must be a name or an object with async get_response(request), "
                            f"got {spec!r}")
        return spec
    name = spec.strip()
    if not name:
        raise UserError("model name is empty")
    if name == "offline" or using_offline():
        if name != "offline" and os.environ.get("HANDOFF_NB_MODEL", "").lower() != "offline":
            _notice()
        return _get_offline()
    api = _api()
    key = f"openai:{api}:{name}"
    if key not in _cache:
        if api == "responses":
            _cache[key] = OpenAIResponsesModel(name, client=_openai_client)
        else:
            _cache[key] = OpenAIChatModel(name, client=_openai_client)
    return _cache[key]


def _get_offline() -> Model:
    if "offline" not in _cache:
        from .offline import OfflineModel
        _cache["offline"] = OfflineModel()
    return _cache["offline"]
