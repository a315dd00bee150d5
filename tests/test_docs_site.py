"""``make docs``: the site builds strictly, and its reference holds every public name.

The build is MkDocs with mkdocstrings (``mkdocs.yml``); strict mode makes a broken
link, a missing page or a name the reference cannot resolve fail the build. The
reference must show every endpoint method (read from the route table, so a new
endpoint without documentation fails here), ``AsyncAgentChat``, ``watch_chats``,
``chat_worker`` and every error.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import agentchat
from agentchat import _routes

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.httpx_only  # the same site on every transport: build it once


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env=os.environ | {"NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return out


def anchors(site: Path, page: str) -> set[str]:
    text = (site / "reference" / page / "index.html").read_text("utf-8")
    return set(re.findall(r'id="(agentchat\.[\w.]+)"', text))


def test_every_endpoint_method_is_in_the_reference(site: Path) -> None:
    documented = anchors(site, "client")
    table = json.loads((ROOT / "tests" / "data" / "endpoints.json").read_text("utf-8"))
    methods = {endpoint["python"] for endpoint in table}
    assert len(methods) == len(_routes.ROUTES) == 42
    missing = {m for m in methods if f"agentchat.AsyncAgentChat.{m}" not in documented}
    assert not missing
    for name in ("AsyncAgentChat", "AsyncAgentChat.watch_chats", "AsyncAgentChat.chat_worker"):
        assert f"agentchat.{name}" in documented


def test_every_error_and_model_is_in_the_reference(site: Path) -> None:
    documented = set().union(
        *(anchors(site, page) for page in ("errors", "models", "inputs", "fleet"))
    )
    documented |= anchors(site, "bots") | anchors(site, "client")
    public = {
        name
        for name in agentchat.__all__
        if isinstance(getattr(agentchat, name), type) or name.isupper()
    }
    missing = {name for name in public if f"agentchat.{name}" not in documented}
    assert not missing
    errors = [n for n in public if isinstance(getattr(agentchat, n), type)]
    errors = [n for n in errors if issubclass(getattr(agentchat, n), BaseException)]
    assert len(errors) == 15


def test_a_docstring_reaches_the_page(site: Path) -> None:
    """The reference is rendered from the docstrings, not only the names."""
    text = (site / "reference" / "client" / "index.html").read_text("utf-8")
    assert _routes.ROUTES["SendMessage"].path in text
    assert "OutcomeUnknownError" in text
