"""Model settings, mirroring ``agents.model_settings.ModelSettings`` (the commonly used subset)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
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

    def resolve(self, override: ModelSettings | None) -> ModelSettings:
        """Values set in ``override`` win; unset (None) ones fall back to ``self``."""
        if override is None:
            return self
        changes = {f.name: getattr(override, f.name) for f in fields(override)
                   if getattr(override, f.name) is not None}
        return replace(self, **changes)

    def to_json_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}
