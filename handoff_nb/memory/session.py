"""``agents.memory.session``: what a session is."""

from __future__ import annotations

import abc
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Session(Protocol):
    session_id: str

    async def get_items(self, limit: int | None = None) -> list[dict[str, Any]]: ...

    async def add_items(self, items: list[dict[str, Any]]) -> None: ...

    async def pop_item(self) -> dict[str, Any] | None: ...

    async def clear_session(self) -> None: ...


class SessionABC(abc.ABC):
    session_id: str

    @abc.abstractmethod
    async def get_items(self, limit: int | None = None) -> list[dict[str, Any]]: ...

    @abc.abstractmethod
    async def add_items(self, items: list[dict[str, Any]]) -> None: ...

    @abc.abstractmethod
    async def pop_item(self) -> dict[str, Any] | None: ...

    @abc.abstractmethod
    async def clear_session(self) -> None: ...
