"""Stream events, mirroring ``agents.stream_events``.

``Runner.run_streamed(...).stream_events()`` yields, in the SDK's order:

* :class:`AgentUpdatedStreamEvent` when the run starts and after every handoff;
* :class:`RawResponsesStreamEvent` while the model answers: ``data`` is a Responses stream event
  -- for the Responses API the server's own (typed openai objects), otherwise the SDK's
  synthesized set in its order (``response.created``, ``response.output_item.added``,
  ``response.content_part.added``, ``response.output_text.delta`` /
  ``response.function_call_arguments.delta``, ``response.content_part.done``,
  ``response.output_item.done``, ``response.completed`` with output, usage and id; see
  :mod:`handoff_nb.stream_synthesis`: openai objects once ``openai`` is imported, stand-ins with
  the same attributes before);
* :class:`RunItemStreamEvent` for each item of a finished turn: ``message_output_created``,
  ``tool_called``, ``tool_output``, ``handoff_requested``, ``handoff_occured`` (sic, as the SDK).

As in the SDK, leaving the ``async for`` early does not stop the run (it goes on to its end);
``rs.cancel()`` stops it (see :class:`handoff_nb.streaming.RunResultStreaming`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Union

if TYPE_CHECKING:  # pragma: no cover
    from .agent import Agent
    from .items import RunItem

__all__ = ["AgentUpdatedStreamEvent", "RawResponsesStreamEvent", "RunItemStreamEvent", "StreamEvent"]


@dataclass
class RawResponsesStreamEvent:
    data: Any
    type: Literal["raw_response_event"] = "raw_response_event"


@dataclass
class RunItemStreamEvent:
    name: Literal["message_output_created", "handoff_requested", "handoff_occured", "tool_called",
                  "tool_output"]
    item: RunItem
    type: Literal["run_item_stream_event"] = "run_item_stream_event"


@dataclass
class AgentUpdatedStreamEvent:
    new_agent: Agent
    type: Literal["agent_updated_stream_event"] = "agent_updated_stream_event"


StreamEvent = Union[RawResponsesStreamEvent, RunItemStreamEvent, AgentUpdatedStreamEvent]
