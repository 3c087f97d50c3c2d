"""Top-level SDK names handoff_nb's runner does not mirror: importable stand-ins that raise the
not-mirrored UserError when used (see handoff_nb.not_mirrored and the README's table)."""

from __future__ import annotations

from typing import Any

from . import approvals, tool_guardrails
from .memory import Session, SessionABC, SQLiteSession
from .not_mirrored import stand_in, stand_in_function

_CLASSES = {
    "ModelRetrySettings": "model retry settings (ModelSettings.retry)",
    "RetryDecision": "model retry policies",
    "ResponsesWebSocketSession": "Responses API websocket sessions",
    "GenerateDynamicPromptData": "prompt templates (Agent(prompt=...))",
    "WebSearchTool": "hosted tools (WebSearchTool)",
    "FileSearchTool": "hosted tools (FileSearchTool)",
    "ComputerTool": "hosted tools (ComputerTool)",
    "CodeInterpreterTool": "hosted tools (CodeInterpreterTool)",
    "ImageGenerationTool": "hosted tools (ImageGenerationTool)",
    "HostedMCPTool": "MCP tools (HostedMCPTool)",
    "LocalShellTool": "hosted tools (LocalShellTool)",
    "ShellTool": "hosted tools (ShellTool)",
    "MultiProvider": "model providers (MultiProvider)",
    "OpenAIProvider": "model providers (OpenAIProvider)",
    "ToolSearchTool": "hosted tools (ToolSearchTool)",
    "ApplyPatchTool": "hosted tools (ApplyPatchTool)",
    "CustomTool": "custom (freeform) tools (CustomTool)",
    "ProgrammaticToolCallingTool": "hosted tools (ProgrammaticToolCallingTool)",
    "Computer": "computer use (Computer)",
    "AsyncComputer": "computer use (AsyncComputer)",
    "ComputerProvider": "computer use (ComputerProvider)",
    "LocalShellCommandRequest": "hosted tools (LocalShellTool)",
    "ShellCallOutcome": "hosted tools (ShellTool)",
    "ImageGenerationToolConfig": "hosted tools (ImageGenerationTool)",
}
_FUNCTIONS = {
    "responses_websocket_session": "Responses API websocket sessions",
    "tool_namespace": "tool namespaces (Responses tool search)",
}
_TOOL_GUARDRAILS = {"ToolGuardrailFunctionOutput", "ToolInputGuardrailData", "ToolOutputGuardrailData",
                    "ToolInputGuardrailTripwireTriggered", "ToolOutputGuardrailTripwireTriggered",
                    "ToolInputGuardrailResult", "ToolOutputGuardrailResult",
                    "ToolInputGuardrail", "ToolOutputGuardrail", "tool_input_guardrail",
                    "tool_output_guardrail"}
_SESSIONS = {"SQLiteSession": SQLiteSession, "Session": Session, "SessionABC": SessionABC}
_made: dict[str, Any] = {}


def lookup(name: str) -> Any:
    if name in _made:
        return _made[name]
    if name in ("RunState", "ToolApprovalItem", "ToolErrorFormatterArgs"):  # mirrored (handoff_nb.approvals)
        return getattr(approvals, name)
    if name in _TOOL_GUARDRAILS:  # mirrored (handoff_nb.tool_guardrails)
        return getattr(tool_guardrails, name)
    if name in _SESSIONS:  # mirrored (handoff_nb.memory)
        return _SESSIONS[name]
    if name in _CLASSES:
        _made[name] = stand_in(name, _CLASSES[name])
    elif name in _FUNCTIONS:
        _made[name] = stand_in_function(name, _FUNCTIONS[name])
    elif name == "retry_policies":
        import types
        module = types.ModuleType("retry_policies")
        for fn in ("any", "all", "provider_suggested", "retry_after", "network_error", "http_status",
                   "never"):
            setattr(module, fn, stand_in_function(fn, "model retry policies"))
        _made[name] = module
    else:
        raise AttributeError(f"module 'handoff_nb' has no attribute {name!r}")
    return _made[name]
