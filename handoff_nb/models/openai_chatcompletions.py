"""``agents.models.openai_chatcompletions``: the SDK's class name and constructor
(``OpenAIChatCompletionsModel(model=..., openai_client=AsyncOpenAI(...))``) over
:class:`~handoff_nb.models.openai_chat.OpenAIChatModel`."""

from __future__ import annotations

from typing import Any

from .openai_chat import OpenAIChatModel


class OpenAIChatCompletionsModel(OpenAIChatModel):
    def __init__(self, model: str, openai_client: Any = None, **kwargs: Any) -> None:
        super().__init__(model, kwargs.pop("client", None) or openai_client, **kwargs)


__all__ = ["OpenAIChatCompletionsModel"]
