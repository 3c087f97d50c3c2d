"""Small internal helpers: awaiting maybe-async values, running coroutines from sync code."""

from __future__ import annotations

import asyncio
import atexit
import inspect
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


async def maybe_await(value: Any) -> Any:
    if inspect.isawaitable(value):
        return await value
    return value


import sys

IN_BROWSER = sys.platform == "emscripten"
"""Running in Pyodide (JupyterLite): one thread, the browser's event loop."""

_bg_lock = threading.Lock()
_bg_loop: asyncio.AbstractEventLoop | None = None
_closers: dict[int, list[Callable[[], Awaitable[None]]]] = {}
"""Per event loop (by id): async callbacks to run before handoff_nb closes that loop (clients)."""
INTERRUPT_GRACE_S = 5.0
"""After Ctrl-C, how long run_sync waits for the cancelled step to record itself."""


def on_loop_close(loop: asyncio.AbstractEventLoop, closer: Callable[[], Awaitable[None]]) -> None:
    """Run ``closer()`` on ``loop`` before handoff_nb closes it (used to close HTTP clients that
    belong to a loop). Loops handoff_nb does not own are never closed by it."""
    _closers.setdefault(id(loop), []).append(closer)


def _close_loop(loop: asyncio.AbstractEventLoop) -> None:
    if loop.is_closed():
        return
    closers = _closers.pop(id(loop), [])
    try:
        for closer in closers:
            try:
                loop.run_until_complete(closer())
            except Exception:  # pragma: no cover - best effort at shutdown
                pass
        loop.run_until_complete(loop.shutdown_asyncgens())
    finally:
        loop.close()


class _ThreadLoop:
    """The event loop of one thread that has none running; closed when the thread ends (its
    thread-local storage is dropped) or at interpreter exit (the main thread)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()

    def __del__(self) -> None:
        try:
            _close_loop(self.loop)
        except Exception:  # pragma: no cover
            pass


_local = threading.local()


def _thread_loop() -> asyncio.AbstractEventLoop:
    holder = getattr(_local, "holder", None)
    if holder is None or holder.loop.is_closed():
        holder = _local.holder = _ThreadLoop()
    return holder.loop


@atexit.register
def _close_all() -> None:  # pragma: no cover - exercised at interpreter exit
    holder = getattr(_local, "holder", None)
    if holder is not None:
        _close_loop(holder.loop)


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

    Without a running loop in this thread we reuse a per-thread loop (cheap, no thread hop; closed
    when the thread ends). With a running loop (Jupyter), ``asyncio.run`` would fail, so the
    coroutine runs on a background loop thread and this call blocks until it is done.

    Ctrl-C (a kernel interrupt) while waiting cancels the coroutine and waits for it to unwind
    (so a step records itself as interrupted and its run stays usable), then re-raises
    KeyboardInterrupt. Nothing of an interrupted call resumes later.
    """
    if IN_BROWSER:  # Pyodide (JupyterLite): no threads; JSPI suspends the caller instead
        return _run_in_browser(coro)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _run_here(coro)
    if threading.current_thread().name == "handoff_nb-loop":
        # already on the background loop (e.g. a widget re-rendering after a step): blocking on
        # that loop would deadlock, so use a short-lived thread with its own loop
        result: list[Any] = []
        errors: list[BaseException] = []

        def target() -> None:
            try:
                result.append(_run_here(coro))
            except BaseException as e:  # re-raised in the caller's thread
                errors.append(e)

        t = threading.Thread(target=target, name="handoff_nb-sync")
        t.start()
        t.join()
        if errors:
            raise errors[0]
        return result[0]
    return _run_on_background(coro)


async def _outcome(coro: Coroutine[Any, Any, T]) -> tuple[bool, Any]:
    """``(True, value)`` or ``(False, exception)``: nothing escapes, so nothing is reported twice."""
    try:
        return True, await coro
    except BaseException as e:  # re-raised by the caller of run_sync
        return False, e


def _run_in_browser(coro: Coroutine[Any, Any, T]) -> T:
    """Pyodide: suspend the caller with JSPI (``pyodide.ffi.run_sync``) while the browser's loop
    runs ``coro``. Pyodide reports an exception that escapes the awaited coroutine as uncaught
    even when our caller catches it, so the coroutine's outcome comes back as a value and is
    raised here, in the caller only. Outside a JSPI entry (a synchronous callback) a coroutine
    that never waits for anything (e.g. building a request) is driven to its end right here."""
    from pyodide.ffi import can_run_sync, run_sync as _pyodide_run_sync  # type: ignore[import-not-found]
    if can_run_sync():
        ok, value = _pyodide_run_sync(_outcome(coro))
        if ok:
            return value
        raise value
    return drive(coro)


def drive(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never awaits a real future (only bare yields, e.g. ``sleep(0)``) to its
    end without an event loop; a coroutine that does wait raises RuntimeError (closed first)."""
    try:
        while True:
            if coro.send(None) is not None:
                break
    except StopIteration as stop:
        return stop.value
    coro.close()
    raise RuntimeError("this needs the event loop, but it was called from a synchronous callback "
                       "in the browser: schedule it as a task (handoff_nb.widgets._background.in_task)")


def _run_here(coro: Coroutine[Any, Any, T]) -> T:
    loop = _thread_loop()
    task = loop.create_task(coro)
    try:
        return loop.run_until_complete(task)
    except BaseException:
        if not task.done():  # interrupted while the loop waited: cancel, let the step unwind
            task.cancel()
            try:
                loop.run_until_complete(asyncio.wait([task], timeout=INTERRUPT_GRACE_S))
            except BaseException:  # pragma: no cover - a second Ctrl-C
                pass
        raise


def _run_on_background(coro: Coroutine[Any, Any, T]) -> T:
    finished = threading.Event()

    async def wrapped() -> T:
        try:
            return await coro
        finally:
            finished.set()

    future = asyncio.run_coroutine_threadsafe(wrapped(), _background_loop())
    try:
        return future.result()
    except KeyboardInterrupt:
        future.cancel()
        finished.wait(INTERRUPT_GRACE_S)
        raise


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


def write_atomic(path: Any, text: str) -> Any:
    """Write ``text`` to ``path`` through a temporary file in the same folder and ``os.replace``:
    a failed write (disk full, Ctrl-C) leaves any earlier file as it was."""
    import os
    import pathlib
    import tempfile
    out = pathlib.Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, out)
    except BaseException:
        pathlib.Path(tmp).unlink(missing_ok=True)
        raise
    return out
