"""The seam between core values and their notebook views.

Core classes (Agent, Handoff, Step, Run, RunResult) answer ``_repr_mimebundle_`` with
:func:`bundle`; the drawers live in handoff_nb.render.mime, which the package registers when it is
imported (``handoff_nb/__init__.py``). So the core never imports render/ (or widgets) itself, and
render/ can change without touching it. Nothing registered: plain text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_drawers: dict[str, Callable[[Any], dict[str, str]]] = {}


def register(kind: str, draw: Callable[[Any], dict[str, str]]) -> None:
    """Draw values of ``kind`` ("agent", "handoff", "step", "run", "result") with ``draw``."""
    _drawers[kind] = draw


def bundle(kind: str, value: Any) -> dict[str, str]:
    """The MIME bundle of ``value`` (what ``_repr_mimebundle_`` returns)."""
    draw = _drawers.get(kind)
    return draw(value) if draw is not None else {"text/plain": repr(value)}
