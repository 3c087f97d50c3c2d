"""Incremental requests: a turn's model input is the previous turn's input plus the new items.

Between rewrites the run's history (``Run._log``) is append-only: a turn adds its items at the end,
and everything that rewrites history -- a handoff (input filters, nesting), ``edit_history``, a fork,
a loaded session -- replaces ``_log`` with a *new* list. So the identity of ``_log`` is the cache key,
and :class:`RequestInput` hands each request an input list built from the last one:

* the list the previous request carried is extended in place with the items added since, when
  nobody kept a reference to it (its reference count says so; a model, hook or recorder that kept
  the previous request's input gets to keep it unchanged, and this turn gets a fresh copy);
* otherwise -- first turn, a new ``_log`` after a rewrite, a kept or changed list -- it is rebuilt
  from the whole history (``rebuilds`` counts these).

``call_model_input_filter`` edits a copy (handoff_nb.run), so the cached list is never the edited one.
The per-turn cost is the new items only, and no list of the whole history is allocated per turn
(such a list, alive through the turn, is what made the garbage collector's work grow with history).

Recording requests (:func:`tag_request`, :func:`recorded`): the runner tags an unfiltered request
with ``(log, n)`` -- "my input is ``log[:n]``" -- which ``Step.request`` already relies on. A model
that keeps every request it receives (ScriptedModel.calls) stores :func:`recorded` requests, whose
``input`` is read from that reference on access, so n calls cost O(n) memory, not O(n^2).
"""

from __future__ import annotations

import copy
import sys
from typing import Any

from .models.interface import ModelRequest

TResponseInputItem = dict[str, Any]


class RequestInput:
    """The model input of a run's next request, kept from turn to turn (see the module docstring)."""

    __slots__ = ("_log", "_n", "_sent", "rebuilds", "copied")

    def __init__(self) -> None:
        self._log: list[TResponseInputItem] | None = None
        self._n = 0
        self._sent: list[TResponseInputItem] | None = None
        self.rebuilds = 0
        """How many times the input was built from the whole history."""
        self.copied = 0
        """Items copied into request inputs so far (the new items only, between rebuilds)."""

    def next(self, log: list[TResponseInputItem]) -> list[TResponseInputItem]:
        """The input for a request now: equal to ``log`` (a list of its own, not ``log`` itself)."""
        n = self._n
        if self._reusable(log):
            sent = self._sent
            assert sent is not None
            new = log[n:]
            sent += new
            self.copied += len(new)
        else:
            sent = self._sent = list(log)
            self.rebuilds += 1
            self.copied += len(sent)
        self._log, self._n = log, len(log)
        return sent

    def _reusable(self, log: list[TResponseInputItem]) -> bool:
        if self._sent is None or log is not self._log or self._count() != _ALONE:
            return False  # first turn, history rewritten, or someone kept the last input
        sent, n = self._sent, self._n
        if len(sent) != n or len(log) < n:
            return False
        # a model that edited the list it was given (and dropped it) must not leak into this turn
        return n == 0 or (sent[-1] is log[n - 1] and sent[0] is log[0])


    def _count(self) -> int:
        return sys.getrefcount(self._sent)


def _alone() -> int:
    """``_count()`` when only the cache holds the list (measured, not assumed)."""
    probe = RequestInput()
    probe._sent = []
    return probe._count()


_ALONE = _alone()


def tag_request(request: ModelRequest, log: list[TResponseInputItem]) -> tuple[list[Any], int]:
    """Mark ``request`` as carrying ``log[:len(log)]`` as its input; returns that reference."""
    ref = (log, len(log))
    object.__setattr__(request, "_history", ref)  # frozen dataclass: a private, untyped mark
    return ref


class RecordedRequest(ModelRequest):
    """A kept request whose ``input`` is read from the run's append-only history on access."""

    @property  # type: ignore[override]
    def input(self) -> list[TResponseInputItem]:
        own = self.__dict__.get("_input")
        if own is not None:
            return own
        log, n = self.__dict__["_history"]
        return log[:n]

    @input.setter
    def input(self, value: list[TResponseInputItem]) -> None:  # dataclasses.replace() builds one
        self.__dict__["_input"] = value


def recorded(request: ModelRequest) -> ModelRequest:
    """``request`` as a model should keep it: without its own copy of the history when the runner
    tagged it (and its input is still exactly that history), else the request itself."""
    ref = getattr(request, "_history", None)
    if ref is None or type(request) is not ModelRequest:
        return request
    log, n = ref
    items = request.input
    if len(items) != n or (n and (items[-1] is not log[n - 1] or items[0] is not log[0])):
        return request
    out = object.__new__(RecordedRequest)
    state = {k: v for k, v in request.__dict__.items() if k != "input"}
    out.__dict__.update(state)
    return out


class SharedSnapshots:
    """Deep-copied snapshots of the inputs a recording model received, sharing their common
    prefix: call k+1's input usually is call k's plus a few items, so each call adds only its new
    items (copied) and keeps ``(log, n)`` -- n calls cost O(n) memory, not O(n^2). A call whose
    input does not start with the last one's starts a new log (earlier references stay valid)."""

    __slots__ = ("_log",)

    def __init__(self) -> None:
        self._log: list[Any] = []

    def record(self, items: Any) -> tuple[list[Any], int]:
        items = list(items)
        log = self._log
        n = len(log)
        if not (n <= len(items) and log == items[:n]):  # compared by value, in C
            log = self._log = []
            n = 0
        log += copy.deepcopy(items[n:])
        return log, len(log)
