"""Sessions (conversation memory), mirroring ``agents.memory``: ``Runner.run(agent, message,
session=SQLiteSession("user-1"))`` prepends the session's items to the input and stores the turn's
input and new items when the run finishes (handoff_nb.conversation is the seam)."""

from .session import Session, SessionABC
from .sqlite_session import SQLiteSession

__all__ = ["SQLiteSession", "Session", "SessionABC"]
