"""The Redis harness itself (``tests/redis_server.py``): a real redis-server on a free
port, spoken to over raw sockets (RESP), restarted empty on the same port, killed,
never leaked, and a clear failure (not a skip) when redis-server is missing."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import pytest

from . import redis_server as harness
from .redis_server import (
    HOST,
    MISSING,
    SYSTEM_PORT,
    RedisReplyError,
    RedisServer,
    RedisServerError,
    free_port,
    redis_server_executable,
    redis_server_fixture,  # noqa: F401 - the fixture (tests/conftest.py registers it for all)
    required_executable,
)

pytestmark = pytest.mark.httpx_only  # no wire: the Redis harness, the same on every transport


def raw_ping(port: int) -> bytes:
    """PING in RESP over a plain socket: what a server answers, byte for byte."""
    with socket.create_connection((HOST, port), timeout=5) as sock:
        sock.sendall(b"*1\r\n$4\r\nPING\r\n")
        answer = b""
        while not answer.endswith(b"\r\n") and len(answer) < 64:
            chunk = sock.recv(64)
            if not chunk:
                break
            answer += chunk
        return answer


def refused(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1):
            return False
    except ConnectionRefusedError:
        return True


def test_the_fixture_serves_on_a_free_loopback_port_without_persistence(
    redis_server: RedisServer,
) -> None:
    port = redis_server.port
    assert port != SYSTEM_PORT
    assert redis_server.url == f"redis://127.0.0.1:{port}/0"
    assert raw_ping(port) == b"+PONG\r\n"
    assert redis_server.running
    assert redis_server.call("CONFIG", "GET", "bind") == [b"bind", b"127.0.0.1"]
    assert redis_server.call("CONFIG", "GET", "save") == [b"save", b""]
    assert redis_server.call("CONFIG", "GET", "appendonly") == [b"appendonly", b"no"]
    assert redis_server.call("CONFIG", "GET", "dir") == [b"dir", str(redis_server.dir).encode()]


def test_set_get_and_errors_over_raw_resp(redis_server: RedisServer) -> None:
    assert redis_server.call("SET", "fleet:token", "abc") == "OK"
    assert redis_server.call("GET", "fleet:token") == b"abc"
    assert redis_server.call("GET", "missing") is None
    assert redis_server.call("INCR", "n") == 1
    assert redis_server.call("RPUSH", "list", b"\x00\r\n", "two") == 2
    assert redis_server.call("LRANGE", "list", "0", "-1") == [b"\x00\r\n", b"two"]
    with pytest.raises(RedisReplyError, match="ERR unknown command"):
        redis_server.call("NOSUCHCOMMAND")


def test_restart_keeps_the_port_and_loses_the_data(redis_server: RedisServer) -> None:
    port, first_pid = redis_server.port, redis_server.pid
    redis_server.call("SET", "k", "v")
    redis_server.restart()
    assert (redis_server.port, redis_server.url) == (port, f"redis://127.0.0.1:{port}/0")
    assert redis_server.pid != first_pid
    assert redis_server.returncode == 0  # SIGTERM: a clean shutdown
    assert raw_ping(port) == b"+PONG\r\n"
    assert redis_server.call("GET", "k") is None
    redis_server.call("SET", "k", "v")
    redis_server.restart(kill=True)
    assert redis_server.returncode == -signal.SIGKILL
    assert redis_server.port == port
    assert redis_server.call("GET", "k") is None
    assert redis_server.starts == 3


def test_kill_ends_it_at_once_and_start_brings_it_back_on_the_same_port(
    redis_server: RedisServer,
) -> None:
    port, pid = redis_server.port, redis_server.pid
    assert pid is not None
    redis_server.kill()
    assert redis_server.returncode == -signal.SIGKILL  # reaped: the status is known
    assert not redis_server.running
    assert redis_server.pid is None
    assert refused(port)
    assert not redis_server.ping()
    redis_server.kill()  # down already: nothing to do
    redis_server.stop()
    redis_server.start()
    assert raw_ping(port) == b"+PONG\r\n"
    with pytest.raises(RedisServerError, match="running already"):
        redis_server.start()


def test_a_server_that_died_by_itself_is_reaped_and_can_start_again(
    redis_server: RedisServer,
) -> None:
    assert redis_server.pid is not None
    os.kill(redis_server.pid, signal.SIGKILL)  # a crash the harness did not cause
    deadline = time.monotonic() + 5
    while redis_server.running and time.monotonic() < deadline:  # the signal takes a moment
        time.sleep(0.01)
    assert not redis_server.running
    redis_server.start()
    assert redis_server.returncode == -signal.SIGKILL
    assert redis_server.ping()


def test_leaving_the_block_stops_and_reaps_it_and_removes_its_directory() -> None:
    with RedisServer() as server:
        port, directory, pid = server.port, server.dir, server.pid
        assert pid is not None
        assert directory.is_dir()
    assert server.returncode == 0
    assert not server.running
    assert not directory.exists()
    assert refused(port)
    with pytest.raises(ChildProcessError):  # reaped: no zombie left to wait for
        os.waitpid(pid, os.WNOHANG)
    server.close()  # twice is fine


def test_a_taken_port_is_a_clear_error() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind((HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(RedisServerError, match=f"port {port} exited") as error:
            RedisServer(port=port)
    assert "Address already in use" in str(error.value)
    with pytest.raises(ValueError, match="6379"):
        RedisServer(port=SYSTEM_PORT)


def test_a_free_port_taken_before_redis_binds_it_is_replaced_by_another(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind((HOST, 0))
        taken.listen()
        ports = iter([taken.getsockname()[1], free_port()])
        monkeypatch.setattr(harness, "free_port", lambda: next(ports))
        with RedisServer() as server:
            assert server.port != taken.getsockname()[1]
            assert server.starts == 2
            assert server.ping()


def test_without_redis_server_on_path_the_fixture_fails_naming_make_test(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(pytest.fail.Exception, match="make test"):  # a failure, not a skip
        required_executable()
    with pytest.raises(RedisServerError, match="make test"):
        redis_server_executable()
    with pytest.raises(RedisServerError) as error:
        RedisServer()
    assert str(error.value) == MISSING
    assert "never skip" in MISSING
