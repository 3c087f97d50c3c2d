"""Models behind one protocol: ``async get_response(ModelRequest) -> ModelResponse``.

Submodules import lazily: ``openai_chat`` imports ``openai`` only when used.
"""

from .interface import HandoffInfo, Model, ModelRequest, ModelResponse

__all__ = ["HandoffInfo", "Model", "ModelRequest", "ModelResponse"]
