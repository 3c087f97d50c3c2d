"""Adaptive concurrency for evaluations against a real server: back off on 429, recover after.

``AdaptiveLimiter(max_concurrency)`` admits at most ``limit`` calls at once. A rate-limit error
(HTTP 429) halves the limit (at least 1) and makes new calls wait for the server's ``retry-after``
(``retry-after-ms``, seconds, an HTTP date, or ``x-ratelimit-reset-*`` such as ``6m0s``) time; every
``recover_after`` successes in a row raise the limit by one again, up to the maximum (additive
increase, multiplicative decrease). ``rate`` is the recent calls per second (the progress bar
shows it).

Waits are bounded as the openai client bounds its own: a server-asked wait is honoured up to
:data:`MAX_WAIT_S` (60 s); a longer one (``Retry-After: 86400``, ``1h30m``: a quota that will not
come back during this evaluation) is not waited for -- the limiter backs off exponentially
instead (1, 2, 4... up to 8 s) and the case fails after its attempts with the server's message.
Malformed values (``inf``, ``1e400``, ``nan``, negative, text) are ignored, never raised. Every
wait is said: a warning on the ``handoff_nb.ratelimit`` logger (what was asked, what is waited,
why), and ``limiter.waiting`` holds the current reason (the progress bar shows it).
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import math
import re
import time
from collections import deque
from typing import Any

MAX_WAIT_S = 60.0
"""The longest server-asked wait honoured (the openai client's own cap)."""
BACKOFF_S = (1.0, 8.0)
"""Own back-off when no usable wait was given: first wait, longest wait (doubling)."""

log = logging.getLogger("handoff_nb.ratelimit")

_DURATION = re.compile(r"^\s*((?:\d+(?:\.\d+)?(?:ms|s|m|h)\s*)+)$")


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) and value >= 0 else None


def _duration(text: str) -> float | None:
    """"1s", "6m0s", "120ms", "1h30m" -> seconds (None if not of that form)."""
    if not _DURATION.match(text):
        return None
    total = 0.0
    for number, unit in re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", text):
        total += float(number) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]
    return _finite(total)


def _seconds(text: str) -> float | None:
    """A number of seconds, a duration ("1h30m") or an HTTP date (seconds from now)."""
    text = str(text).strip()
    try:
        return _finite(float(text))
    except (ValueError, OverflowError):
        pass
    found = _duration(text)
    if found is not None:
        return found
    try:
        date = email.utils.parsedate_tz(text)
        if date is None:
            return None
        return max(0.0, float(email.utils.mktime_tz(date) - time.time()))
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def retry_after_seconds(headers: Any) -> float | None:
    """Seconds to wait from ``retry-after-ms`` / ``retry-after`` / ``x-ratelimit-reset-*`` headers
    (what the server asked, uncapped; None when absent or unreadable -- never raises)."""
    if not headers:
        return None
    try:
        get = headers.get if hasattr(headers, "get") else dict(headers).get
    except (TypeError, ValueError):
        return None
    ms = get("retry-after-ms")
    if ms:
        try:
            value = _finite(float(ms) / 1000)
            if value is not None:
                return value
        except (ValueError, OverflowError, TypeError):
            pass
    ra = get("retry-after")
    if ra:
        value = _seconds(ra)
        if value is not None:
            return value
    waits = []
    for name in ("x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"):
        value = get(name)
        if value:
            seconds = _seconds(value)
            if seconds is not None:
                waits.append(seconds)
    return max(waits) if waits else None


class AdaptiveLimiter:
    def __init__(self, max_concurrency: int, *, recover_after: int = 8) -> None:
        self.max = max(1, max_concurrency)
        self.limit = self.max
        self.recover_after = recover_after
        self._active = 0
        self._streak = 0
        self._cond = asyncio.Condition()
        self._blocked_until = 0.0
        self._done: deque[float] = deque(maxlen=200)
        self.backoffs = 0
        self._consecutive = 0
        self.waiting = ""
        """Why calls are being held back right now ("" when they are not)."""

    @property
    def rate(self) -> float:
        """Completed calls per second over the recent window."""
        if len(self._done) < 2:
            return 0.0
        span = self._done[-1] - self._done[0]
        return (len(self._done) - 1) / span if span > 0 else 0.0

    async def __aenter__(self) -> AdaptiveLimiter:
        async with self._cond:
            while True:
                wait = self._blocked_until - time.monotonic()
                if wait <= 0 and self._active < self.limit:
                    break
                if wait > 0:
                    try:
                        await asyncio.wait_for(self._cond.wait(), timeout=wait)
                    except asyncio.TimeoutError:
                        pass
                else:
                    await self._cond.wait()
            self._active += 1
        return self

    async def __aexit__(self, *exc: Any) -> None:
        async with self._cond:
            self._active -= 1
            self._cond.notify_all()

    async def success(self) -> None:
        async with self._cond:
            self._done.append(time.monotonic())
            self._streak += 1
            self._consecutive = 0
            if self.waiting and time.monotonic() >= self._blocked_until:
                self.waiting = ""
            if self._streak >= self.recover_after and self.limit < self.max:
                self.limit += 1
                self._streak = 0
                self._cond.notify_all()

    def wait_for(self, retry_after: float | None) -> tuple[float, str]:
        """How long to wait after a 429 whose server asked ``retry_after`` seconds, and why."""
        own = min(BACKOFF_S[1], BACKOFF_S[0] * 2 ** min(self._consecutive, 10))
        if retry_after is None:
            return own, "the server gave no usable retry-after"
        if retry_after <= MAX_WAIT_S:
            return retry_after, f"the server asked for {retry_after:g} s"
        return own, (f"the server asked for {retry_after:g} s, more than the {MAX_WAIT_S:g} s cap "
                     "(a quota that will not come back soon?): not waited for")

    async def rate_limited(self, retry_after: float | None, what: str = "") -> float:
        """Back off after an HTTP 429 (``what``: the error, for the message); returns the wait."""
        async with self._cond:
            self.backoffs += 1
            self._streak = 0
            self.limit = max(1, self.limit // 2)
            wait, why = self.wait_for(retry_after)
            self._consecutive += 1
            self._blocked_until = max(self._blocked_until, time.monotonic() + wait)
            self.waiting = (f"rate limited (HTTP 429): waiting {wait:.1f} s before retrying; {why}; "
                            f"concurrency now {self.limit}")
            log.warning("%s%s", self.waiting, f" -- {what[:300]}" if what else "")
            self._cond.notify_all()
            return wait
