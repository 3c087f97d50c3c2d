"""Adaptive concurrency for evaluations against a real server: back off on 429, recover after.

``AdaptiveLimiter(max_concurrency)`` admits at most ``limit`` calls at once. A rate-limit error
(HTTP 429) halves the limit (at least 1) and makes new calls wait for the server's ``retry-after``
(or ``x-ratelimit-reset-*``) time; every ``recover_after`` successes in a row raise the limit by
one again, up to the maximum (additive increase, multiplicative decrease). ``rate`` is the recent
calls per second (the progress bar shows it).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import deque
from typing import Any


def retry_after_seconds(headers: Any) -> float | None:
    """Seconds to wait from ``retry-after`` / ``retry-after-ms`` / ``x-ratelimit-reset-*`` headers."""
    if not headers:
        return None
    get = headers.get if hasattr(headers, "get") else dict(headers).get
    ms = get("retry-after-ms")
    if ms:
        try:
            return float(ms) / 1000
        except ValueError:
            pass
    ra = get("retry-after")
    if ra:
        try:
            return float(ra)
        except ValueError:
            pass
    waits = []
    for name in ("x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"):
        value = get(name)
        if value:  # "1s", "6m0s", "120ms"
            total = 0.0
            for number, unit in re.findall(r"([\d.]+)(ms|s|m|h)", value):
                total += float(number) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]
            waits.append(total)
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
            if self._streak >= self.recover_after and self.limit < self.max:
                self.limit += 1
                self._streak = 0
                self._cond.notify_all()

    async def rate_limited(self, retry_after: float | None) -> None:
        async with self._cond:
            self.backoffs += 1
            self._streak = 0
            self.limit = max(1, self.limit // 2)
            self._blocked_until = max(self._blocked_until, time.monotonic() + (retry_after or 1.0))
            self._cond.notify_all()
