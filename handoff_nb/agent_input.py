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
from .errors import UserError

_converters: list[Callable[[Any], Any]] = []
_engines: dict[str, Callable[..., Any]] = {}
_engine_views: dict[str, Callable[[Any], Any]] = {}


def register_converter(fn: Callable[[Any], Any]) -> None:
    """``fn(obj)`` returns a handoff_nb Agent for objects it recognises, else None."""
    _converters.append(fn)


def register_engine(name: str, start: Callable[..., Any], view: Callable[[Any], Any] | None = None) -> None:
    """``start(options, agent, input, **kwargs) -> Run`` for ``Runner.start(..., engine=name)``;
    ``view(obj)``: a handoff_nb Agent drawing the graph of an object that engine runs (or None),
    which ``start`` accepts in the object's place."""
    _engines[name] = start
    if view is not None:
        _engine_views[name] = view


def maybe_from_sdk(obj: Any) -> Any:
    """``obj`` as a handoff_nb Agent when a registered converter recognises it; else unchanged."""
    for convert in _converters:
        out = convert(obj)
        if out is not None:
            return out
    return obj


def engine(name: str) -> Callable[..., Any]:
    try:
        return _engines[name]
    except KeyError:
        raise UserError(f"engine must be 'handoff_nb' (default) or one of "
                        f"{sorted(_engines)}, got {name!r}") from None


def engine_view(name: str, obj: Any) -> Any:
    """The graph of ``obj`` as engine ``name`` runs it (a handoff_nb Agent that ``Runner.start(...,
    engine=name)`` accepts in its place), or None when that engine does not run such objects."""
    engine(name)  # a UserError naming the engines for an unknown one
    view = _engine_views.get(name)
    return view(obj) if view is not None else None
