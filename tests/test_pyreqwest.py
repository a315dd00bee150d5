"""The pyreqwest wire's own parts: its failures, the certificates it is given, leaving.

What the network does is in ``test_wires.py`` (every transport over real
sockets); the pyreqwest behaviour the wire relies on is in ``test_compat.py``.
pyreqwest has wheels for Python 3.11 and newer only: these are skipped without it.
"""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
from pathlib import Path
from typing import Any, Final

import anyio
import httpx
import pytest
import trustme

from agentchat import AsyncAgentChat, InvalidRequestError
from agentchat._pipeline import Timeouts
from agentchat._redaction import Secret

from .fakes import EMAIL, PASSWORD
from .loopback import LoopbackServer, serve

pyreqwest = pytest.importorskip("pyreqwest")

from pyreqwest import exceptions as errors  # noqa: E402 - after the skip

from agentchat._pyreqwest import _translate, close_client, open_pyreqwest_wire  # noqa: E402

ROOT: Final = Path(__file__).resolve().parent.parent
TOKEN: Final = "tok-0a1b2c3d4e5f60718293"
URL_CAUSE: Final = f"error sending request for url (http://h.test/api/X?SessionToken={TOKEN})"


def failure(cls: type[errors.RequestError], *causes: str) -> errors.RequestError:
    return cls("failed", {"causes": [{"message": cause} for cause in causes]})


#: (pyreqwest's error, its causes after the URL's, the httpx class it stands for).
FAILURES: Final[list[tuple[type[errors.RequestError], tuple[str, ...], type[Exception]]]] = [
    (errors.ConnectError, ("client error (Connect)", "tcp connect error"), httpx.ConnectError),
    (errors.ConnectTimeoutError, ("client error (Connect)", "deadline"), httpx.ConnectTimeout),
    (errors.ConnectError, ("client error (Connect)", "tunnel error: 407"), httpx.ConnectError),
    # The same classes after the request was written: never a connect failure.
    (errors.ConnectError, ("client error (SendRequest)", "closed"), httpx.ReadError),
    (errors.ConnectTimeoutError, ("operation timed out",), httpx.ReadTimeout),
    (errors.ReadTimeoutError, ("operation timed out",), httpx.ReadTimeout),
    (errors.WriteTimeoutError, (), httpx.WriteTimeout),
    (errors.ReadError, (), httpx.ReadError),
    (errors.WriteError, (), httpx.WriteError),
    (errors.DecodeError, ("invalid HTTP header parsed",), httpx.RemoteProtocolError),
    (errors.BodyDecodeError, ("end of file before message length",), httpx.RemoteProtocolError),
    (errors.TransportError, (), httpx.RemoteProtocolError),
    (errors.PoolTimeoutError, (), httpx.PoolTimeout),
    (errors.ClientClosedError, (), httpx.TransportError),
    (errors.RequestPanicError, (), httpx.TransportError),
]


@pytest.mark.parametrize(("cls", "causes", "expected"), FAILURES)
def test_each_failure_stands_as_the_httpx_class_of_what_happened(
    cls: type[errors.RequestError], causes: tuple[str, ...], expected: type[Exception]
) -> None:
    translated = _translate(failure(cls, URL_CAUSE, *causes))
    assert type(translated) is expected
    text = str(translated)
    assert text.startswith(f"{cls.__name__}: failed: error sending request")
    assert TOKEN not in text
    assert "h.test" not in text  # the URL is left out, not only its token
    assert all(cause in text for cause in causes)


def test_a_secret_in_a_cause_is_masked() -> None:
    secret = Secret("pw-8c1e5a0b7d")  # a canary
    translated = _translate(failure(errors.ReadError, f"peer said {secret.get()}"))
    assert secret.get() not in str(translated)


def test_a_builder_error_is_refused_before_sending() -> None:
    refused = errors.BuilderError("builder error", {"causes": None})
    assert type(_translate(refused)) is httpx.UnsupportedProtocol


# -- the pool ----------------------------------------------------------------------------


async def get(wire: Any, server: LoopbackServer) -> int:
    url = server.base_url + "/api/GetChatList"
    reply = await wire.send("GET", url, {"Version": "1"}, {}, None, Timeouts.of(5.0), 10_000)
    return int(reply.status_code)


@pytest.mark.anyio
async def test_connections_are_reused_until_idle_past_their_expiry() -> None:
    async with serve() as server:
        wire, client = await open_pyreqwest_wire(4, phases=httpx.Timeout(5.0), keepalive_expiry=0.2)
        try:
            assert [await get(wire, server) for _ in range(5)] == [200] * 5
            assert server.accepted == 1
            await anyio.sleep(0.6)
            assert await get(wire, server) == 200
            assert server.accepted == 2  # the idle one had expired
        finally:
            await close_client(client)
        with anyio.fail_after(5):  # and closing the client closed it
            while server.open:
                await anyio.sleep(0.01)


@pytest.mark.anyio
async def test_a_burst_opens_at_most_max_connections() -> None:
    async with serve(delay=0.01) as server:
        wire, client = await open_pyreqwest_wire(4, phases=httpx.Timeout(5.0))
        statuses: list[int] = []

        async def one() -> None:
            statuses.append(await get(wire, server))

        try:
            with anyio.fail_after(20):
                async with anyio.create_task_group() as tg:
                    for _ in range(60):
                        tg.start_soon(one)
        finally:
            await close_client(client)
    assert statuses == [200] * 60
    assert server.max_open <= 4
    assert server.max_in_progress <= 4


# -- verify= ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def config(**kwargs: Any) -> Any:
    return AsyncAgentChat(EMAIL, PASSWORD, transport="pyreqwest", **kwargs)._core.config


def test_a_ca_file_or_directory_is_read_as_certificates(ca: trustme.CA, tmp_path: Path) -> None:
    other = trustme.CA()
    der = ssl.PEM_cert_to_DER_cert(ca.cert_pem.bytes().decode())
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(ca.cert_pem.bytes() + other.cert_pem.bytes())
    assert config(verify=str(bundle)).ca_certificates == (
        der,
        ssl.PEM_cert_to_DER_cert(other.cert_pem.bytes().decode()),
    )
    directory = tmp_path / "certs"
    directory.mkdir()
    (directory / "ca.pem").write_bytes(ca.cert_pem.bytes())
    os.symlink(directory / "ca.pem", directory / "1a2b3c4d.0")  # as c_rehash links them
    (directory / "notes.txt").write_text("no certificate here")
    (directory / "sub").mkdir()
    assert config(verify=directory).ca_certificates == (der,)
    assert config().ca_certificates is None  # the system's
    # Other wires take the SSL context built from the same path.
    httpx_config = AsyncAgentChat(
        EMAIL, PASSWORD, transport="httpx", verify=str(bundle)
    )._core.config
    assert httpx_config.ca_certificates is None
    assert httpx_config.ssl_context is not None


def test_a_directory_without_certificates_or_an_ssl_context_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidRequestError, match="no CA certificates could be read"):
        config(verify=tmp_path)
    with pytest.raises(InvalidRequestError, match=r"cannot use an ssl\.SSLContext"):
        config(verify=ssl.create_default_context())


# -- leaving ---------------------------------------------------------------------------

#: One client that meets failures (a refused connection, a dropped one, a read
#: timeout) and leaves; then the process ends.
LEAVER: Final = """
import anyio, socket, sys
from agentchat import AgentChatError, AsyncAgentChat
from tests.loopback import serve

async def main():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    async with serve() as server:
        server.faults["/api/GetChatList"] = "drop"
        server.faults["/api/SendMessage"] = "hang"
        async with AsyncAgentChat(
            "a@example.com", "pw", base_url=server.base_url, transport="pyreqwest",
            keep_alive_interval=None, max_retries=0, timeout=0.2,
        ) as chat:
            for call in (chat.get_chat_list(), chat.send_message(101, "x")):
                try:
                    await call
                except AgentChatError:
                    pass
    try:
        async with AsyncAgentChat(
            "a@example.com", "pw", base_url=f"http://127.0.0.1:{dead}",
            transport="pyreqwest", keep_alive_interval=None, max_retries=0,
        ):
            pass
    except AgentChatError:
        pass

anyio.run(main, backend="asyncio")
"""


def test_a_process_that_leaves_after_failures_ends_cleanly() -> None:
    # A small script that closes a pyreqwest client and ends can abort while the
    # interpreter finalizes (SIGABRT, "Fatal Python error: PyGILState_Release"):
    # pyreqwest's runtime thread takes the GIL then. Leaving waits a little for it
    # (SETTLE_AFTER_CLOSE). Through the library it was not seen with or without
    # the wait, so this checks the outcome only: a few such exits end cleanly.
    runs = [
        subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
            [sys.executable, "-c", LEAVER],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(4)
    ]
    outcomes = [(run.wait(60), run.communicate()[1].decode(errors="replace")) for run in runs]
    assert [code for code, _ in outcomes] == [0] * len(runs), outcomes
