"""handoff_nb: explore, teach and prototype agent handoffs in Jupyter.

The public names mirror the OpenAI Agents SDK (``agents``), so porting SDK code means replacing
``agents`` with ``handoff_nb`` in the imports. Additions: ``Runner.start`` / ``Run`` / ``Step`` for
stepping, the models in ``handoff_nb.models``, and the views in ``handoff_nb.render`` and
``handoff_nb.widgets``.

Importing this package imports only pydantic: no Jupyter, IPython, graphviz or openai.
"""

from .agent import Agent, AgentBase
from .agent_output import AgentOutputSchema, AgentOutputSchemaBase
from .agent_tool import AgentToolStreamEvent
from .context import AgentHookContext, RequestUsage, RunContextWrapper, TContext, Usage
from .exceptions import InputGuardrailTripwireTriggered, OutputGuardrailTripwireTriggered, ToolTimeoutError
from .guardrail import (GuardrailFunctionOutput, InputGuardrail, InputGuardrailResult,
                        OutputGuardrail, OutputGuardrailResult, input_guardrail, output_guardrail)
from .tool import (FunctionToolResult, StopAtTools, Tool, ToolOutputFileContent, ToolOutputImage,
                   ToolOutputImageDict, ToolOutputText, ToolOutputTextDict,
                   ToolsToFinalOutputFunction, ToolsToFinalOutputResult, default_tool_error_function)
from .tool_context import ToolContext
from .errors import (AgentsException, HandoffCallbackError, MaxTurnsExceeded, ModelBehaviorError,
                     ModelError, ReplayMismatch, RunErrorDetails, ScriptExhausted, UserError)
from .handoffs import (Handoff, HandoffInputData, HandoffInputFilter, default_handoff_history_mapper,
                       handoff, nest_handoff_history)
from .items import (HandoffCallItem, HandoffOutputItem, ItemHelpers, MessageOutputItem, ReasoningItem,
                    RunItem, ToolCallItem, ToolCallOutputItem, TResponseInputItem)
from .stream_events import (AgentUpdatedStreamEvent, RawResponsesStreamEvent, RunItemStreamEvent,
                            StreamEvent)
from .streaming import RunResultStreaming
from .tracing import (add_trace_processor, custom_span, gen_trace_id, get_current_trace,
                      set_trace_processors, set_tracing_disabled, trace)
from .lifecycle import AgentHooks, RunHooks
from .model_settings import ModelSettings
from .models.interface import CallModelData, Model, ModelInputData, ModelRequest, ModelResponse
from .models.provider import (set_default_model, set_default_openai_api, set_default_openai_client,
                              set_default_openai_key)
from .result import RunResult
from .run import DEFAULT_MAX_TURNS, HandoffRecord, Run, RunConfig, Runner, Step
from .tools import FunctionTool, function_tool
from ._sdk_tracing import install as _install_tracing_paths

_install_tracing_paths()
del _install_tracing_paths


def _sdk_agent(obj: object) -> object:
    """The SDK bridge, registered at the entry point (handoff_nb.agent_input is the seam)."""
    if type(obj).__module__.split(".")[0] != "agents":
        return None
    from .sdk import is_sdk_agent, from_sdk
    return from_sdk(obj) if is_sdk_agent(obj) else None


def _sdk_engine(*args: object, **kwargs: object) -> object:
    from .sdk_engine import start_engine
    return start_engine(*args, **kwargs)


def _sdk_engine_view(obj: object) -> object:
    """An agents.Agent's graph as the SDK engine draws it (stand-ins that run it when started)."""
    if type(obj).__module__.split(".")[0] != "agents":
        return None
    from .sdk import is_sdk_agent
    from .sdk_engine import view_graph
    return view_graph(obj)[0] if is_sdk_agent(obj) else None


from .agent_input import register_converter as _rc, register_engine as _re  # noqa: E402

_rc(_sdk_agent)
_re("sdk", _sdk_engine, _sdk_engine_view)
del _rc, _re

from .render.mime import register_views as _rv  # noqa: E402 -- notebook views (handoff_nb.views)

_rv()
del _rv


def __getattr__(name: str) -> object:
    """SDK names whose classes need openai (imported on first use), and the stand-ins for what
    handoff_nb's runner does not mirror (handoff_nb.not_mirrored)."""
    if name == "OpenAIChatCompletionsModel":
        from .models.openai_chatcompletions import OpenAIChatCompletionsModel
        return OpenAIChatCompletionsModel
    if name == "OpenAIResponsesModel":
        from .models.openai_responses import OpenAIResponsesModel
        return OpenAIResponsesModel
    from ._sdk_names import lookup
    return lookup(name)

__version__ = "0.1.0"

__all__ = [
    "AgentUpdatedStreamEvent", "CallModelData", "ModelInputData", "RawResponsesStreamEvent",
    "RunItemStreamEvent", "RunResultStreaming", "StreamEvent", "add_trace_processor", "custom_span",
    "default_handoff_history_mapper", "gen_trace_id", "get_current_trace", "nest_handoff_history",
    "set_trace_processors", "set_tracing_disabled", "trace",
    "AgentBase", "AgentHookContext", "AgentOutputSchema", "AgentOutputSchemaBase",
    "AgentToolStreamEvent", "FunctionToolResult", "GuardrailFunctionOutput", "InputGuardrail",
    "InputGuardrailResult", "InputGuardrailTripwireTriggered", "OutputGuardrail",
    "OutputGuardrailResult", "OutputGuardrailTripwireTriggered", "RequestUsage", "StopAtTools",
    "Tool", "ToolContext", "ToolOutputFileContent", "ToolOutputImage", "ToolOutputImageDict",
    "ToolOutputText", "ToolOutputTextDict", "ToolsToFinalOutputFunction",
    "ToolsToFinalOutputResult", "default_tool_error_function", "input_guardrail",
    "output_guardrail", "TContext",
    "Agent", "AgentHooks", "AgentsException", "DEFAULT_MAX_TURNS", "FunctionTool", "Handoff",
    "HandoffCallItem", "HandoffCallbackError", "HandoffInputData", "HandoffInputFilter",
    "HandoffOutputItem", "HandoffRecord", "ItemHelpers", "MaxTurnsExceeded", "MessageOutputItem",
    "ReasoningItem", "RunErrorDetails", "ToolTimeoutError",
    "Model", "ModelBehaviorError", "ModelError", "ModelRequest", "ModelResponse", "ModelSettings",
    "ReplayMismatch", "Run", "RunConfig", "RunContextWrapper", "RunHooks", "RunItem", "RunResult",
    "Runner", "ScriptExhausted", "Step", "ToolCallItem", "ToolCallOutputItem", "TResponseInputItem",
    "Usage", "UserError", "function_tool", "handoff", "set_default_model",
    "set_default_openai_api", "set_default_openai_client", "set_default_openai_key",
]
