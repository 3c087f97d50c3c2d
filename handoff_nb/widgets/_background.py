"""Run widget work without blocking the kernel."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from .._util import IN_BROWSER, _background_loop, run_sync


def spawn(coro: Any, on_crash: Callable[[BaseException], None]) -> Any:
    """Run ``coro`` without blocking the kernel.

    Inside Jupyter (a loop runs in this thread) it goes to handoff_nb's background loop thread
    and the widgets update when it is done, so the kernel stays free to handle clicks. Without a
    running loop (tests, scripts) it runs to completion here. ``on_crash`` gets any exception that
    escapes ``coro`` on the background thread.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return run_sync(coro)
    if IN_BROWSER:  # Pyodide: no threads; the browser's loop runs the task between events
        task = loop.create_task(coro)
        task.add_done_callback(lambda t: on_crash(t.exception())
                               if not t.cancelled() and t.exception() is not None else None)
        return task
    future = asyncio.run_coroutine_threadsafe(coro, _background_loop())

    def report(f: Any) -> None:
        if not f.cancelled() and f.exception() is not None:
            on_crash(f.exception())

    future.add_done_callback(report)
    return future


def in_task(callback: Callable[..., Any]) -> Callable[..., Any]:
    """``callback`` for ``on_click`` / ``observe``. In Pyodide a widget callback runs inside the
    kernel's synchronous comm handler, where ``pyodide.ffi.run_sync`` cannot suspend ("Cannot
    stack switch..."), so the callback is scheduled as a task on the browser's loop instead (a
    task may suspend: everything that awaits or calls ``run_sync`` then works). Elsewhere the
    callback itself, called at once."""
    if not IN_BROWSER:
        return callback

    def scheduled(*args: Any, **kwargs: Any) -> Any:
        async def call() -> Any:
            return callback(*args, **kwargs)

        task = asyncio.get_event_loop().create_task(call())
        task.add_done_callback(_print_crash)
        return task

    return scheduled


def _print_crash(task: Any) -> None:
    if not task.cancelled() and task.exception() is not None:
        import traceback
        traceback.print_exception(task.exception())
