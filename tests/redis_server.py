"""A real ``redis-server`` for the tests: `RedisServer` and the ``redis_server`` fixture.

Each `RedisServer` runs the ``redis-server`` binary as a child process on a free
127.0.0.1 port (never 6379, never a system service), with no persistence
(``--save '' --appendonly no``) and its own temporary ``--dir`` (which also holds
its log). It is ready when it answers ``PING`` over a raw socket; it can be
stopped (SIGTERM), killed (SIGKILL) and started again on the same port, empty,
as a Redis restarted mid-run would be. Every stop waits for the process, so none
is left running or unreaped (``-W error`` would report the leak).

The methods block (a start takes some milliseconds); an async test calls them
through ``anyio.to_thread.run_sync(server.restart)`` when its event loop must go on
meanwhile. `RedisServer.call()` speaks RESP over a raw socket, so the harness and
its tests need no Redis client package.

``redis-server`` must be installed: ``make test`` installs it (``make system-deps``);
without it the fixture *fails*, naming ``make test``: these tests never skip.

Register the fixture with ``pytest_plugins = [..., "tests.redis_server"]`` in
``tests/conftest.py``.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Final, TypeAlias

import pytest

__all__ = [
    "HOST",
    "MISSING",
    "RedisReplyError",
    "RedisServer",
    "RedisServerError",
    "Reply",
    "free_port",
    "redis_server_fixture",
    "redis_server_executable",
    "required_executable",
]

HOST: Final = "127.0.0.1"
#: The port a system Redis listens on: never handed to a test.
SYSTEM_PORT: Final = 6379
#: How long a start (until PING answers) or a stop may take before it is an error.
STARTUP_TIMEOUT: Final = 10.0
STOP_TIMEOUT: Final = 10.0
#: Free ports tried when the one picked is taken before redis-server binds it.
PORT_ATTEMPTS: Final = 5
#: What the fixture says when there is no redis-server.
MISSING: Final = (
    "redis-server is not installed (not on PATH): `make test` installs it "
    "(`make system-deps`: apt-get install redis-server); the Redis tests never skip"
)

#: A RESP reply: simple string (str), integer, bulk string (bytes), array, or nil.
Reply: TypeAlias = "str | int | bytes | list[Reply] | None"


class RedisServerError(RuntimeError):
    """redis-server is missing, did not start, or did not stop in time."""


class RedisReplyError(Exception):
    """Redis answered a command with an error (``-ERR ...``)."""


def free_port() -> int:
    """A port nothing listens on at the moment (the kernel's choice), never 6379."""
    for _ in range(PORT_ATTEMPTS):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((HOST, 0))
            port: int = sock.getsockname()[1]
        if port != SYSTEM_PORT:
            return port
    raise RedisServerError(f"no free port other than {SYSTEM_PORT} in {PORT_ATTEMPTS} tries")


def redis_server_executable() -> str:
    """The path of ``redis-server`` on PATH.

    Raises:
        RedisServerError: It is not installed (the message names ``make test``).
    """
    executable = shutil.which("redis-server")
    if executable is None:
        raise RedisServerError(MISSING)
    return executable


def _command(*args: str | bytes) -> bytes:
    parts = [a.encode() if isinstance(a, str) else a for a in args]
    return b"".join(
        [f"*{len(parts)}\r\n".encode(), *(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)]
    )


def _read_reply(stream: io.BufferedReader) -> Reply:
    line = stream.readline()
    if not line.endswith(b"\r\n"):
        raise ConnectionError(f"the connection ended mid-reply: {line!r}")
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RedisReplyError(rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        size = int(rest)
        if size < 0:
            return None
        return stream.read(size + 2)[:-2]
    if kind == b"*":
        count = int(rest)
        return None if count < 0 else [_read_reply(stream) for _ in range(count)]
    raise ConnectionError(f"not a RESP reply: {line!r}")


class RedisServer:
    """One ``redis-server`` process on a free 127.0.0.1 port, started at construction.

    Example:
        ```python
        with RedisServer() as redis:
            redis.call("SET", "k", "v")
            redis.restart()  # same port, no data
            assert redis.call("GET", "k") is None
        ```

    Args:
        port: The port; `None` picks a free one (another is tried should it be
            taken before redis-server binds it). Never 6379.
        executable: The ``redis-server`` binary; default: the one on PATH.
        startup_timeout: Seconds a start may take until PING answers.

    Raises:
        RedisServerError: ``redis-server`` is missing, or did not start (the
            message holds the end of its log).
    """

    def __init__(
        self,
        *,
        port: int | None = None,
        executable: str | None = None,
        startup_timeout: float = STARTUP_TIMEOUT,
    ) -> None:
        if port == SYSTEM_PORT:
            raise ValueError(f"port {SYSTEM_PORT} belongs to a system Redis; use a free one")
        self.executable = executable or redis_server_executable()
        self.startup_timeout = startup_timeout
        self._dir = tempfile.TemporaryDirectory(prefix="redis-test-")
        self.dir = Path(self._dir.name)
        self.log_path = self.dir / "redis.log"
        self._process: subprocess.Popen[bytes] | None = None
        #: The exit status of the last process stopped or killed (-9 after `kill()`).
        self.returncode: int | None = None
        #: How many times a process was started.
        self.starts = 0
        self.port = port or 0
        try:
            self.port = self._first_start(port)
        except BaseException:
            try:
                self._end(signal.SIGKILL)  # interrupted mid-start: no process left behind
            finally:
                self._dir.cleanup()
            raise

    def __repr__(self) -> str:
        state = f"pid={self.pid}" if self.running else "down"
        return f"<RedisServer {self.url} {state}>"

    def __enter__(self) -> RedisServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def url(self) -> str:
        """``redis://127.0.0.1:PORT/0``: the same whether the server is up or down."""
        return f"redis://{HOST}:{self.port}/0"

    @property
    def pid(self) -> int | None:
        """The running process's ID; `None` while down."""
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        """Whether its process is alive (started, not stopped, not dead)."""
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start a process on `port` (after `stop()`, `kill()` or a crash) and wait for PING.

        Raises:
            RedisServerError: One is running already, or it did not start.
        """
        if self.running:
            raise RedisServerError(f"{self!r} is running already")
        self._end(signal.SIGKILL)  # reaps one that died by itself
        for leftover in self.dir.iterdir():  # no persistence: nothing should be there
            if leftover != self.log_path:
                leftover.unlink()
        self._spawn(self.port)
        self._wait_for_ping()

    def stop(self) -> None:
        """SIGTERM and wait (SIGKILL after `STOP_TIMEOUT`); nothing when down."""
        self._end(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL and wait, as a crash would end it; nothing when down."""
        self._end(signal.SIGKILL)

    def restart(self, *, kill: bool = False) -> None:
        """Stop (or kill) it and start it again on the same port, with no data."""
        self._end(signal.SIGKILL if kill else signal.SIGTERM)
        self.start()

    def close(self) -> None:
        """Stop it and remove its directory; safe to call twice."""
        try:
            self.stop()
        finally:
            self._dir.cleanup()

    def ping(self, timeout: float = 1.0) -> bool:
        """Whether it answers PING now (raw socket)."""
        try:
            return self.call("PING", timeout=timeout) == "PONG"
        except (OSError, RedisReplyError):
            return False

    def call(self, *args: str | bytes, timeout: float = 5.0) -> Reply:
        """Send one command over a new raw connection and read its reply.

        Args:
            args: The command and its arguments (``"SET", "k", "v"``).
            timeout: Seconds for connecting and for reading.

        Returns:
            The RESP reply: str, int, bytes, list, or `None` (nil).

        Raises:
            RedisReplyError: An error reply.
            OSError: Nothing listens, or the connection failed.
        """
        with socket.create_connection((HOST, self.port), timeout=timeout) as sock:
            sock.sendall(_command(*args))
            with sock.makefile("rb") as stream:
                return _read_reply(stream)

    def log(self) -> str:
        """The end of its log (every start appends to it), for failure messages."""
        with contextlib.suppress(FileNotFoundError):
            return self.log_path.read_text(errors="replace")[-3000:]
        return ""

    # -- the process ---------------------------------------------------------

    def _first_start(self, port: int | None) -> int:
        attempts = 1 if port is not None else PORT_ATTEMPTS
        for attempt in range(attempts):
            chosen = port if port is not None else free_port()
            logged = self.log_path.stat().st_size if self.log_path.exists() else 0
            self._spawn(chosen)
            try:
                self._wait_for_ping(chosen)
            except RedisServerError:
                taken = b"Address already in use" in self.log_path.read_bytes()[logged:]
                if attempt + 1 == attempts or not taken:
                    raise
            else:
                return chosen
        raise AssertionError("unreachable")  # pragma: no cover

    def _spawn(self, port: int) -> None:
        command = [
            self.executable, "--port", str(port), "--bind", HOST, "--save", "",
            "--appendonly", "no", "--dir", str(self.dir), "--daemonize", "no",
        ]  # fmt: skip
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 - the redis-server binary, our arguments
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                cwd=self.dir, start_new_session=True,
            )  # fmt: skip
        self.starts += 1

    def _wait_for_ping(self, port: int | None = None) -> None:
        port = self.port if port is None else port
        process = self._process
        assert process is not None
        deadline = time.monotonic() + self.startup_timeout
        while True:
            if process.poll() is not None:
                self._process, self.returncode = None, process.returncode
                raise RedisServerError(
                    f"redis-server on port {port} exited with {process.returncode}:\n{self.log()}"
                )
            if _pings(port):
                return
            if time.monotonic() > deadline:
                self._end(signal.SIGKILL)
                raise RedisServerError(
                    f"redis-server on port {port} did not answer PING within "
                    f"{self.startup_timeout:g} s:\n{self.log()}"
                )
            time.sleep(0.01)

    def _end(self, how: signal.Signals) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, how)
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                self.returncode = process.returncode
                raise RedisServerError(
                    f"redis-server did not stop within {STOP_TIMEOUT:g} s of {how.name}; killed"
                ) from None
        self.returncode = process.returncode


def _pings(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5) as sock:
            sock.sendall(_command("PING"))
            with sock.makefile("rb") as stream:
                return _read_reply(stream) == "PONG"
    except (OSError, RedisReplyError):  # not listening yet, or still loading
        return False


@pytest.fixture(name="redis_server")
def redis_server_fixture() -> Iterator[RedisServer]:
    """A fresh `RedisServer` for one test, stopped (and its process reaped) after it.

    Fails (never skips) when ``redis-server`` is not installed: ``make test``
    installs it.
    """
    with RedisServer(executable=required_executable()) as server:
        yield server


def required_executable() -> str:
    """`redis_server_executable()`, or the test fails (a skip would hide the gap)."""
    try:
        return redis_server_executable()
    except RedisServerError as exc:
        pytest.fail(str(exc), pytrace=False)
