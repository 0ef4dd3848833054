import socket

import pytest

from tests.unit.conftest import NetworkAccessInUnitTest


def test_network_connect_is_refused_in_unit_tests():
    with socket.socket() as s, pytest.raises(NetworkAccessInUnitTest):
        s.connect(("127.0.0.1", 5672))


def test_ray_init_is_refused_in_unit_tests():
    import ray

    with pytest.raises(NetworkAccessInUnitTest):
        ray.init()


def test_unix_sockets_still_work():
    a, b = socket.socketpair()
    with a, b:
        a.sendall(b"x")
        assert b.recv(1) == b"x"
