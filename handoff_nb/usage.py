"""``agents.usage``."""

from .context import InputTokensDetails, OutputTokensDetails, RequestUsage, Usage

__all__ = ["InputTokensDetails", "OutputTokensDetails", "RequestUsage", "Usage"]
