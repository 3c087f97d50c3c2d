"""``agents.memory.SQLiteSession``: conversation items in SQLite (in memory by default)."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

from .session import SessionABC


class SQLiteSession(SessionABC):
    def __init__(self, session_id: str, db_path: str | Path = ":memory:",
                 sessions_table: str = "agent_sessions", messages_table: str = "agent_messages") -> None:
        self.session_id = session_id
        self.db_path = db_path
        self._messages = messages_table
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(str(db_path), check_same_thread=False)
        with self._lock, self._conn:
            self._conn.execute(f"CREATE TABLE IF NOT EXISTS {sessions_table} (session_id TEXT PRIMARY KEY)")
            self._conn.execute(f"CREATE TABLE IF NOT EXISTS {messages_table} (id INTEGER PRIMARY KEY "
                               "AUTOINCREMENT, session_id TEXT NOT NULL, message_data TEXT NOT NULL)")
            self._conn.execute(f"INSERT OR IGNORE INTO {sessions_table} (session_id) VALUES (?)",
                               (session_id,))

    def _rows(self, sql: str, *args: Any) -> list[Any]:
        with self._lock:
            return self._conn.execute(sql, args).fetchall()

    async def get_items(self, limit: int | None = None) -> list[dict[str, Any]]:
        rows = self._rows(f"SELECT message_data FROM {self._messages} WHERE session_id = ? "
                          "ORDER BY id", self.session_id)
        items = [json.loads(r[0]) for r in rows]
        return items[-limit:] if limit else items

    async def add_items(self, items: list[dict[str, Any]]) -> None:
        with self._lock, self._conn:
            self._conn.executemany(f"INSERT INTO {self._messages} (session_id, message_data) VALUES (?, ?)",
                                   [(self.session_id, json.dumps(dict(i))) for i in items])

    async def pop_item(self) -> dict[str, Any] | None:
        rows = self._rows(f"SELECT id, message_data FROM {self._messages} WHERE session_id = ? "
                          "ORDER BY id DESC LIMIT 1", self.session_id)
        if not rows:
            return None
        with self._lock, self._conn:
            self._conn.execute(f"DELETE FROM {self._messages} WHERE id = ?", (rows[0][0],))
        return json.loads(rows[0][1])

    async def clear_session(self) -> None:
        with self._lock, self._conn:
            self._conn.execute(f"DELETE FROM {self._messages} WHERE session_id = ?", (self.session_id,))

    def close(self) -> None:
        self._conn.close()
