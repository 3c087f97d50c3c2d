"""Where objects from elsewhere enter: the one seam between handoff_nb's core and the SDK bridge.

Core, render, lint and eval call :func:`maybe_from_sdk` / :func:`engine` from here; they never
import ``handoff_nb.sdk`` or ``handoff_nb.sdk_engine``. The package's entry point
(``handoff_nb/__init__.py``) registers the bridge: a converter for ``agents.Agent`` objects (it
imports ``handoff_nb.sdk`` only when one arrives) and the ``"sdk"`` engine. Nothing is imported from
the SDK until an SDK object is passed in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_converters: list[Callable[[Any], Any]] = []
_engines: dict[str, Callable[..., Any]] = {}


def register_converter(fn: Callable[[Any], Any]) -> None:
    """``fn(obj)`` returns a handoff_nb Agent for objects it recognises, else None."""
    _converters.append(fn)


def register_engine(name: str, start: Callable[..., Any]) -> None:
    """``start(options, agent, input, **kwargs) -> Run`` for ``Runner.start(..., engine=name)``."""
    _engines[name] = start


def maybe_from_sdk(obj: Any) -> Any:
    """``obj`` as a handoff_nb Agent when a registered converter recognises it; else unchanged."""
    for convert in _converters:
        out = convert(obj)
        if out is not None:
            return out
    return obj


def engine(name: str) -> Callable[..., Any]:
    from .errors import UserError
    try:
        return _engines[name]
    except KeyError:
        raise UserError(f"engine must be 'handoff_nb' (default) or one of "
                        f"{sorted(_engines)}, got {name!r}") from None
