"""Shared helpers of the benchmarks: paths, timing, tables."""
from __future__ import annotations

import csv
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The shared benchmark data (Solomon instances, best-known solutions) lives beside the
# repository; set GONGDAN_BENCHMARKS to its folder when it is elsewhere.
SHARED = Path(os.environ.get("GONGDAN_BENCHMARKS", ROOT.parent / "shared" / "benchmarks"))
SOLOMON_100 = SHARED / "solomon" / "100"


def distance_only_bks() -> dict[str, float]:
    """Best-known distances when only distance is minimised, real-valued (`real` rows)."""
    with open(SHARED / "solomon" / "bks_distance_only_100.csv", newline="") as handle:
        return {row["instance"]: float(row["distance"]) for row in csv.DictReader(handle)
                if row["distance_convention"] == "real"}


def table(headers: list[str], rows: list[list]) -> str:
    """A plain-text table, right-aligned numbers."""
    cells = [[str(h) for h in headers]] + [[_fmt(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for k, row in enumerate(cells):
        lines.append("  ".join(cell.rjust(width) for cell, width in zip(row, widths)))
        if k == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    return "" if value is None else str(value)
