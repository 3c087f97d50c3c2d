import socket

import pytest


def test_non_loopback_connection_is_refused_by_the_guard():
    s = socket.socket()
    try:
        with pytest.raises(RuntimeError, match="reach the network"):
            s.connect(("93.184.216.34", 443))
    finally:
        s.close()


def test_loopback_is_allowed():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    c = socket.socket()
    try:
        c.connect(srv.getsockname())
    finally:
        c.close()
        srv.close()
