"""Models behind one protocol: ``async get_response(ModelRequest) -> ModelResponse``.

Submodules import lazily: ``openai_chat`` imports ``openai`` only when used.
"""

import os

from .interface import HandoffInfo, Model, ModelRequest, ModelResponse

__all__ = ["HandoffInfo", "Model", "ModelRequest", "ModelResponse", "get_default_model",
           "is_gpt_5_default"]


def get_default_model() -> str:
    """The model name agents without a ``model`` use: ``$OPENAI_DEFAULT_MODEL``, else handoff_nb's
    default (``gpt-4o``; offline when no key is configured). Mirrors ``agents.models``."""
    from .provider import DEFAULT_MODEL_NAME
    return os.environ.get("OPENAI_DEFAULT_MODEL", DEFAULT_MODEL_NAME).strip().lower()


def is_gpt_5_default() -> bool:
    """Is the default model a GPT-5 model? (``agents.models.is_gpt_5_default``)"""
    return get_default_model().startswith("gpt-5")
