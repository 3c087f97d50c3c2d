"""Test doubles: the SDK's scripted model (``agents.testing``) and, re-exported from
:mod:`handoff_nb.fake_server`, the loopback OpenAI-compatible server.

``from handoff_nb.testing import FakeOpenAIServer, reply`` keeps working; new code may import
the server from :mod:`handoff_nb.fake_server`.
"""

from __future__ import annotations

from .fake_server import Answer, FakeOpenAIServer, garbage, reply, reset, status

__all__ = ["Answer", "FakeOpenAIServer", "garbage", "reply", "reset", "status"]
