"""The SDK's conversation options of ``Runner.run`` / ``run_sync`` / ``run_streamed``:
``session=`` (memory: handoff_nb.memory), ``previous_response_id=``, ``conversation_id=``,
``auto_previous_response_id=``.

The seam with the runner is one call per entry point (:func:`run_with_options`); the stepping
core never sees these options. With a session, the session's items come before the input and the
turn's input and new items are stored when the run finishes. ``previous_response_id`` and
``conversation_id`` are server-side memory of the Responses API: the run records them
(``run.previous_response_id``) and the SDK engine sends them; handoff_nb's own models send the
history instead.
"""

from __future__ import annotations

from typing import Any

from ._util import run_sync
from .approvals import RunState, resume, run_until_interrupted
from .items import normalize_input
from .not_mirrored import not_mirrored

OPTIONS = ("session", "previous_response_id", "conversation_id", "auto_previous_response_id")


def check(options: dict[str, Any], where: str) -> None:
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise TypeError(f"Runner.{where}() got an unexpected keyword argument {unknown[0]!r}")


def _remember(run: Any, options: dict[str, Any]) -> Any:
    run.previous_response_id = options.get("previous_response_id")
    run.conversation_id = options.get("conversation_id")
    return run


async def _with_session(session: Any, input: Any) -> list[dict[str, Any]]:
    return list(await session.get_items()) + normalize_input(input)


async def run_with_options(runner: Any, agent: Any, input: Any, options: dict[str, Any],
                           **kwargs: Any) -> Any:
    """A run with a session stores its turn (the input, then the new items) once the run is done:
    a run paused for approvals returns its interruptions and stores nothing until the resumed
    run (``Runner.run(agent, state, session=...)``) completes."""
    check(options, "run")
    session = options.get("session")
    if isinstance(input, RunState):  # approvals given: go on from the paused turn
        run = input.run
        result = await resume(input)
    else:
        given = await _with_session(session, input) if session is not None else input
        run = _remember(runner.start(agent, given, **kwargs), options)
        run._session_turn = (session, normalize_input(input))
        result = await run_until_interrupted(run)
    stored, turn = getattr(run, "_session_turn", (None, []))
    session = session if session is not None else stored
    if session is not None and not getattr(result, "interruptions", None):
        await session.add_items(list(turn) + [i.to_input_item() for i in result.new_items])
        run._session_turn = (None, [])
    return result


def start_with_options(runner: Any, agent: Any, input: Any, options: dict[str, Any],
                       **kwargs: Any) -> Any:
    """``Runner.start(..., session=...)``: the session's items come first (stored by
    :func:`save_turn` when you want them kept)."""
    check(options, "start")
    session = options.get("session")
    if session is not None:
        input = run_sync(_with_session(session, input))
    return _remember(runner.start(agent, input, **kwargs), options)


def streamed_with_options(runner: Any, agent: Any, input: Any, options: dict[str, Any],
                          **kwargs: Any) -> Any:
    check(options, "run_streamed")
    if options.get("session") is not None:
        raise not_mirrored("Runner.run_streamed(session=...) (streamed runs with a session)")
    streamed = runner.run_streamed(agent, input, **kwargs)
    _remember(getattr(streamed, "run", streamed), options)
    return streamed
