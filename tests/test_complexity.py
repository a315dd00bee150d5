"""No function of the client is more complex than a reader can hold (radon, simulator aside),
and no module of the package is longer than one a reader can hold.

Cyclomatic complexity as radon counts it (branches, loops, boolean operators, except
clauses): above ``MAX_COMPLEXITY`` a function is split into named steps. The
simulator is left out: it is a test server, and its handlers follow the reference's
rules one by one. A module over ``MAX_LINES`` is split by concern (the endpoint
methods live in ``_endpoints/``, one module per group of the reference).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pytest
from radon.complexity import cc_visit
from radon.visitors import Class, Function

pytestmark = pytest.mark.httpx_only  # no wire: the source, the same on every transport

#: The most branches a client function may have.
MAX_COMPLEXITY: Final = 15
#: The most lines a module of the package may have (docstrings included).
MAX_LINES: Final = 600
PACKAGE: Final = Path(__file__).resolve().parents[1] / "src" / "agentchat"


def blocks(path: Path) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    for block in cc_visit(path.read_text(encoding="utf-8")):  # type: ignore[no-untyped-call]
        if isinstance(block, Class):
            found += [(f"{block.name}.{m.name}", m.complexity) for m in block.methods]
        elif isinstance(block, Function):
            found.append((block.fullname, block.complexity))
    return found


def test_no_client_function_is_above_the_bound() -> None:
    files = [p for p in sorted(PACKAGE.rglob("*.py")) if "simulator" not in p.parts]
    assert len(files) > 20
    measured = {
        f"{path.relative_to(PACKAGE)}:{name}": complexity
        for path in files
        for name, complexity in blocks(path)
    }
    assert measured["_pipeline.py:Pipeline._call"] > 1  # radon did read them
    too_complex = {name: c for name, c in measured.items() if c > MAX_COMPLEXITY}
    assert not too_complex, too_complex


def test_no_module_is_longer_than_the_bound() -> None:
    files = sorted(PACKAGE.rglob("*.py"))
    lines = {str(p.relative_to(PACKAGE)): len(p.read_text("utf-8").splitlines()) for p in files}
    assert lines["_client.py"] > 100  # the files were read
    assert {"_endpoints/chats.py", "_endpoints/tags.py"} <= lines.keys()
    too_long = {name: n for name, n in lines.items() if n > MAX_LINES}
    assert not too_long, too_long
