"""Every ```python block of the README and of docs/ runs, as it is, against a fresh simulator.

A user copies a block into a file and runs it with the environment that
``agentchat simulate`` prints (``AGENTCHAT_BASE_URL``, ``AGENTCHAT_EMAIL``,
``AGENTCHAT_PASSWORD``, and ``AGENTCHAT_MANAGER_EMAIL``/``AGENTCHAT_MANAGER_PASSWORD``
for the manager's blocks). So does this test: each block is written to a file of
its own and run by a new interpreter, with that environment for a simulator that
no other block has touched, served on a loopback port. A block holding
``def test_`` is a pytest module, and is run by pytest. Blocks meant to be read
only are fenced as something else (```pycon, ```text, ```console).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from _pytest.mark import ParameterSet

from agentchat.simulator import Simulator, serve_in_thread

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
# A block that runs longer than this is broken (a bot that never stops, a hang).
BLOCK_TIMEOUT = 60.0

_FENCE = re.compile(r"^(?P<indent>[ ]*)```(?P<info>\S*)[ ]*$")


def python_blocks(text: str) -> list[tuple[int, str]]:
    """The ```python blocks of a Markdown text: (line number of the fence, code)."""
    blocks: list[tuple[int, str]] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        index += 1
        if opening is None:
            continue
        indent, start = len(opening["indent"]), index
        while index < len(lines) and not _closes(lines[index], indent):
            index += 1
        if index == len(lines):
            raise ValueError(f"the fence on line {start} is never closed")
        if opening["info"] == "python":
            code = "\n".join(line[indent:] for line in lines[start:index])
            blocks.append((start, code + "\n"))
        index += 1
    return blocks


def _closes(line: str, indent: int) -> bool:
    return line.strip() == "```" and len(line) - len(line.lstrip(" ")) <= indent


def _cases() -> list[ParameterSet]:
    cases = []
    for page in PAGES:
        for line, code in python_blocks(page.read_text(encoding="utf-8")):
            name = f"{page.relative_to(ROOT)}:{line}"
            cases.append(pytest.param(code, id=name))
    return cases


def _environment(url: str, sim: Simulator) -> dict[str, str]:
    """The process environment, less anything of ours or of a proxy, plus the simulator's."""
    keep = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("AGENTCHAT_")
        and name.lower() not in {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}
    }
    return keep | sim.environment(url)


def run_block(code: str, directory: Path) -> subprocess.CompletedProcess[str]:
    """Run one block against a fresh simulator, as a script or (with tests) under pytest."""
    sim = Simulator()
    is_test_module = re.search(r"^\s*(async )?def test_", code, re.MULTILINE) is not None
    path = directory / ("test_block.py" if is_test_module else "block.py")
    path.write_text(code, encoding="utf-8")
    command = [sys.executable, str(path)]
    if is_test_module:
        command = [sys.executable, "-m", "pytest", "-q", "-W", "error", "-p", "no:cacheprovider"]
        command += ["-p", "no:asyncio"]  # the block marks its tests for anyio's plugin
        command += ["--rootdir", str(directory), str(path)]
    with serve_in_thread(sim) as url:
        return subprocess.run(  # noqa: S603 - our own interpreter; the block is our docs
            command,
            cwd=directory,
            env=_environment(url, sim),
            capture_output=True,
            text=True,
            timeout=BLOCK_TIMEOUT,
            check=False,
        )


@pytest.mark.httpx_only  # each block picks its own transport; once is enough
@pytest.mark.parametrize("code", _cases())
def test_block_runs(code: str, tmp_path: Path) -> None:
    result = run_block(code, tmp_path)
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    if "def test_" in code:
        assert re.search(r"\b[1-9]\d* passed", result.stdout), result.stdout


def test_the_pages_have_blocks_to_run() -> None:
    counts = {
        str(page.relative_to(ROOT)): len(python_blocks(page.read_text("utf-8"))) for page in PAGES
    }
    assert counts["README.md"] >= 2, counts
    assert counts["docs/bots.md"] >= 3, counts
    assert sum(counts.values()) >= 27, counts


def test_a_broken_block_fails(tmp_path: Path) -> None:
    """The runner sees a failing block: an error from the library, and a hang."""
    refused = (
        "import asyncio, os\n"
        "from agentchat import AsyncAgentChat\n"
        "async def main() -> None:\n"
        "    async with AsyncAgentChat(os.environ['AGENTCHAT_EMAIL'], 'wrong') as chat:\n"
        "        await chat.get_chat_list()\n"
        "asyncio.run(main())\n"
    )
    result = run_block(refused, tmp_path)
    assert result.returncode != 0
    assert "LogonError" in result.stderr


def test_the_environment_reaches_the_block(tmp_path: Path) -> None:
    code = (
        "import asyncio\n"
        "from agentchat import AsyncAgentChat\n"
        "async def main() -> None:\n"
        "    async with AsyncAgentChat() as chat:\n"
        "        print(len(await chat.get_chat_list()))\n"
        "asyncio.run(main())\n"
    )
    result = run_block(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 0


def test_blocks_are_found_as_markdown_fences() -> None:
    text = (
        "```python\nprint(1)\n```\n"
        "```pycon\n>>> 1\n```\n"
        "- a list item:\n\n  ```python\n  print(2)\n  ```\n"
        "```console\n$ make\n```\n"
    )
    assert python_blocks(text) == [(1, "print(1)\n"), (9, "print(2)\n")]
