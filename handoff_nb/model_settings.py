"""Model settings, mirroring ``agents.model_settings.ModelSettings`` (0.24): every field of the SDK's
that changes what goes over the wire, each sent exactly when the SDK sends it (see
:meth:`handoff_nb.models.interface.ModelRequest.chat_payload` / ``responses_payload``).

Not mirrored: ``retry`` (the openai client's ``max_retries`` does it), ``timeout``
(``RunConfig(model_timeout=...)`` / the client's ``timeout``) and ``preserve_raw_usage``; ``seed`` is
our own (Chat Completions only; the SDK passes it through ``extra_args``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Literal

ToolChoice = Literal["auto", "required", "none"] | str | None


@dataclass
class ModelSettings:
    temperature: float | None = None
    top_p: float | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    tool_choice: ToolChoice = None
    """"auto", "required", "none", or the name of one tool the model must call."""
    parallel_tool_calls: bool | None = None
    max_tokens: int | None = None
    seed: int | None = None
    extra_body: dict[str, Any] | None = None
    truncation: Literal["auto", "disabled"] | None = None
    """Responses only."""
    reasoning: Any = None
    """``{"effort": "low"}`` or an ``openai.types.shared.Reasoning``: Responses ``reasoning``,
    Chat ``reasoning_effort``."""
    verbosity: Literal["low", "medium", "high"] | None = None
    metadata: dict[str, str] | None = None
    store: bool | None = None
    """Unset: the SDK sends ``store: true`` to api.openai.com on Chat Completions, nothing elsewhere."""
    prompt_cache_retention: Literal["in_memory", "24h"] | None = None
    include_usage: bool | None = None
    """Chat streams: ``stream_options: {"include_usage": ...}`` (unset: true for api.openai.com only)."""
    response_include: list[str] | None = None
    """Responses ``include`` entries."""
    top_logprobs: int | None = None
    extra_query: dict[str, Any] | None = None
    extra_headers: dict[str, str] | None = None
    extra_args: dict[str, Any] | None = None
    """More keyword arguments for ``create()`` (merged into the body)."""
    context_management: list[dict[str, Any]] | None = None
    """Responses only."""
    prompt_cache_options: dict[str, Any] | None = None

    def resolve(self, override: ModelSettings | None) -> ModelSettings:
        """Values set in ``override`` win; unset (None) ones fall back to ``self``."""
        if override is None:
            return self
        changes = {f.name: getattr(override, f.name) for f in fields(override)
                   if getattr(override, f.name) is not None}
        return replace(self, **changes)

    def to_json_dict(self) -> dict[str, Any]:
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            out[f.name] = plain(value)
        return out


def plain(value: Any) -> Any:
    """``value`` as JSON-able data (openai/pydantic objects dumped, unset fields left out)."""
    if hasattr(value, "model_dump"):
        return value.model_dump(exclude_none=True)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


__all__ = ["ModelSettings", "ToolChoice"]
