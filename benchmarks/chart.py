"""The load benchmark's chart: throughput and p99 latency against concurrency.

Two rows (one per operation) by two columns (requests per second, p99 latency),
one line per client, log x axis: a raw client dashed, the library solid, in the
colour of its wire. Drawn with matplotlib's Agg canvas (no display
needed); ``load.py --chart`` calls ``render()``, and a saved ``--json`` file can
be drawn again with:

    python -m benchmarks.chart load.json load.png
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Final, TypedDict

__all__ = ["CellRecord", "main", "render"]


class CellRecord(TypedDict):
    """One cell of the load benchmark: one client, one operation, one concurrency."""

    op: str
    client: str
    concurrency: int
    completed: int
    errors: dict[str, int]
    wall_s: float
    rps: float
    p50_ms: float | None  # None when nothing completed
    p99_ms: float | None


#: A colour per wire (matplotlib's default cycle): raw-x and agentchat-x share one.
COLOURS: Final = {"httpx": "C0", "aiohttp": "C1", "pyreqwest": "C2", "httpx2": "C4"}


def _style(client: str) -> dict[str, str]:
    """Dashed for a raw client, solid for the library; the colour of the wire."""
    kind, _, wire = client.partition("-")
    style = {"linestyle": "--" if kind == "raw" else "-"}
    if wire in COLOURS:
        style["color"] = COLOURS[wire]
    return style


def render(cells: Sequence[CellRecord], path: str | Path, *, title: str = "") -> None:
    """Draw ``cells`` into a PNG at ``path``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    ops = list(dict.fromkeys(cell["op"] for cell in cells))
    clients = list(dict.fromkeys(cell["client"] for cell in cells))
    levels_all = sorted({cell["concurrency"] for cell in cells})
    figure = Figure(figsize=(12, 4.2 * max(len(ops), 1)), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(max(len(ops), 1), 2, squeeze=False)
    for row, op in enumerate(ops):
        throughput, latency = axes[row][0], axes[row][1]
        for client in clients:
            mine = sorted(
                (c for c in cells if c["op"] == op and c["client"] == client),
                key=lambda c: c["concurrency"],
            )
            levels = [c["concurrency"] for c in mine]
            rps = [c["rps"] for c in mine]
            p99 = [math.nan if c["p99_ms"] is None else c["p99_ms"] for c in mine]
            style = _style(client)
            throughput.plot(levels, rps, marker="o", label=client, **style)
            latency.plot(levels, p99, marker="o", label=client, **style)
        throughput.set_title(f"{op}: throughput")
        throughput.set_ylabel("requests/s")
        throughput.set_ylim(bottom=0)
        latency.set_title(f"{op}: p99 latency")
        latency.set_ylabel("p99 latency (ms)")
        latency.set_yscale("log")
        for axis in (throughput, latency):
            axis.set_xscale("log")
            axis.set_xticks(levels_all, labels=[str(level) for level in levels_all])
            axis.minorticks_off()
            axis.set_xlabel("concurrency (closed-loop workers)")
            axis.grid(True, alpha=0.3)
            axis.legend(fontsize="small")
    if title:
        figure.suptitle(title)
    figure.savefig(path, format="png", dpi=100)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("json_file", type=Path, help="a file written by load.py --json")
    parser.add_argument("png_file", type=Path)
    args = parser.parse_args(argv)
    data = json.loads(args.json_file.read_text(encoding="utf-8"))
    render(data["cells"], args.png_file, title=data.get("title", ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
