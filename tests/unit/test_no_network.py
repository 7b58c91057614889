"""The unit suite's socket guard is in force (tests/unit/conftest.py)."""

from __future__ import annotations

import socket

import pytest
import pytest_socket


def test_a_unit_test_cannot_open_a_network_socket():
    with pytest.raises(pytest_socket.SocketBlockedError):
        socket.create_connection(("127.0.0.1", 9), timeout=0.1)
