"""Unit tests never touch the network: every socket is refused (pytest-socket); a test that opens
one fails with ``SocketBlockedError``. Integration, contract and e2e tests use loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import pytest_socket


@pytest.fixture(autouse=True)
def _no_network() -> Iterator[None]:
    pytest_socket.disable_socket(allow_unix_socket=True)
    yield
    pytest_socket.enable_socket()
