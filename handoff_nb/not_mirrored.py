"""What handoff_nb's own runner does not mirror, and the error that says where to run it.

SDK names that exist only so ported code imports (``ModelRetrySettings``, ``ResponsesWebSocketSession``,
``HostedMCPTool`` ...) are stand-ins built by :func:`stand_in`: using one raises
:class:`~handoff_nb.errors.UserError` naming the SDK engine as the way to run it.
"""

from __future__ import annotations

from typing import Any

from .errors import UserError

HOW = ("handoff_nb's own runner does not mirror this; run the code on the real OpenAI Agents SDK "
       "(pip install openai-agents, import from `agents`) and step it here with the SDK engine: "
       "Runner.start(sdk_agent, input, engine='sdk') or Stepper(sdk_agent, engine='sdk') (handoff_nb.sdk_engine)")


def not_mirrored(what: str) -> UserError:
    """The UserError for ``what`` (raise it)."""
    return UserError(f"{what}: {HOW}")


def stand_in(name: str, what: str | None = None) -> type:
    """A class named ``name`` that imports fine and raises the not-mirrored UserError when used."""
    label = what or name

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        raise not_mirrored(label)

    def __class_getitem__(cls: type, item: Any) -> type:
        return cls

    return type(name, (), {"__init__": __init__, "__doc__": f"Not mirrored: {label}. {HOW}.",
                           "__class_getitem__": classmethod(__class_getitem__),
                           "__module__": "handoff_nb.not_mirrored"})


def stand_in_function(name: str, what: str | None = None) -> Any:
    label = what or name

    def fn(*args: Any, **kwargs: Any) -> Any:
        raise not_mirrored(label)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Not mirrored: {label}. {HOW}."
    return fn
