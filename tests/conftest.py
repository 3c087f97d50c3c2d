"""Test setup: no real network, no API key, no state leaking between tests."""

from __future__ import annotations

import ipaddress
import socket

import pytest

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_local(address) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded(real):
    def connect(self, address):
        if not _is_local(address):
            raise RuntimeError(f"test tried to reach the network: {address!r} (only loopback is allowed)")
        return real(self, address)
    return connect


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", _guarded(_real_connect))
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded(_real_connect_ex))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("HANDOFF_NB_MODEL", raising=False)
    from handoff_nb.models import provider
    monkeypatch.setattr(provider, "_default_model", None)
    monkeypatch.setattr(provider, "_override", None)
    monkeypatch.setattr(provider, "_openai_client", None)
    monkeypatch.setattr(provider, "_cache", {})
    yield


@pytest.fixture(autouse=True)
def _sdk_tracing_restored():
    """Tests that switch the SDK's tracing off (agents.set_tracing_disabled) leave it as it was:
    handoff_nb.sdk.capture() records through it, so a test after them found no run."""
    import sys
    tracing = sys.modules.get("agents.tracing")
    provider = tracing.get_trace_provider() if tracing is not None else None
    before = getattr(provider, "_manual_disabled", None)
    yield
    if sys.modules.get("agents.tracing") is not None:
        import agents
        agents.set_tracing_disabled(bool(before))  # None: the SDK was not loaded yet (its default: on)


@pytest.fixture()
def words_only(monkeypatch):
    """The offline model without its semantic engine (as on a machine without the extra)."""
    from handoff_nb.models import semantic
    monkeypatch.setattr(semantic, "_embedder", None)
    monkeypatch.setattr(semantic, "_loaded", True)
    yield
