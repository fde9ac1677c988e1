"""Compare two batch results directories table by table: ``python scripts/compare_batches.py
A B`` prints, for runs/ and series/, whether the tables (all parts, rows sorted by run_id and
round) are identical, value for value and column for column (names, order, dtypes): one line
each, ``runs: N rows x C columns: identical`` (A's shape) or ``DIFFERENT``; exit 0 if all
are, 1 if not. A or B without a runs table (not a batch's results): one line, exit 2."""

from __future__ import annotations

import sys
from pathlib import Path

import pyarrow.parquet as pq


def table(out: Path, name: str):
    folder = out / name
    if not folder.is_dir() or not any(folder.glob("*.parquet")):
        return None
    frame = pq.read_table(folder).to_pandas()
    keys = [k for k in ("run_id", "round") if k in frame.columns]
    return frame.sort_values(keys).reset_index(drop=True)


def main(argv: list[str]) -> int:
    if argv in (["-h"], ["--help"]):
        print(__doc__)
        return 0
    if len(argv) != 2:
        print("error: compare_batches.py: expected two results directories A B", file=sys.stderr)
        return 2
    a, b = (Path(x) for x in argv)
    for out in (a, b):
        if not any((out / "runs").glob("*.parquet")):
            print(f"error: compare_batches.py: {out} has no runs table ({out}/runs/*.parquet)",
                  file=sys.stderr)  # fmt: skip
            return 2
    same = True
    for name in ("runs", "series"):
        x, y = table(a, name), table(b, name)
        if x is None and y is None:
            continue
        equal = x is not None and y is not None and x.equals(y) and list(x) == list(y)
        equal &= x is not None and y is not None and list(x.dtypes) == list(y.dtypes)
        rows = "absent" if x is None else f"{len(x)} rows x {x.shape[1]} columns"
        print(f"{name}: {rows}: {'identical' if equal else 'DIFFERENT'}")
        same &= bool(equal)
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
