"""Small internal helpers: awaiting maybe-async values, running coroutines from sync code."""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


async def maybe_await(value: Any) -> Any:
    if inspect.isawaitable(value):
        return await value
    return value


_local = threading.local()
_bg_lock = threading.Lock()
_bg_loop: asyncio.AbstractEventLoop | None = None


def _background_loop() -> asyncio.AbstractEventLoop:
    """One daemon thread with its own event loop, used when the caller's thread is already running a
    loop (a Jupyter cell). Using the same loop every time keeps async HTTP clients usable across
    calls."""
    global _bg_loop
    with _bg_lock:
        if _bg_loop is None:
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="handoff_nb-loop", daemon=True).start()
            _bg_loop = loop
        return _bg_loop


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion from synchronous code, in plain Python *and* inside a notebook.

    Without a running loop in this thread we reuse a per-thread loop (cheap, no thread hop). With a
    running loop (Jupyter), ``asyncio.run`` would fail, so the coroutine runs on a background loop
    thread and this call blocks until it is done.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        loop = getattr(_local, "loop", None)
        if loop is None or loop.is_closed():
            loop = asyncio.new_event_loop()
            _local.loop = loop
        return loop.run_until_complete(coro)
    if threading.current_thread().name == "handoff_nb-loop":
        # already on the background loop (e.g. a widget re-rendering after a step): blocking on
        # that loop would deadlock, so use a short-lived thread with its own loop
        result: list[Any] = []
        errors: list[BaseException] = []

        def target() -> None:
            try:
                result.append(asyncio.run(coro))
            except BaseException as e:  # re-raised in the caller's thread
                errors.append(e)

        t = threading.Thread(target=target, name="handoff_nb-sync")
        t.start()
        t.join()
        if errors:
            raise errors[0]
        return result[0]
    return asyncio.run_coroutine_threadsafe(coro, _background_loop()).result()


def count_positional_params(fn: Any) -> int | None:
    """Number of positional parameters ``fn`` accepts, or None if it takes *args."""
    sig = inspect.signature(fn)
    n = 0
    for p in sig.parameters.values():
        if p.kind == p.VAR_POSITIONAL:
            return None
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            n += 1
    return n
