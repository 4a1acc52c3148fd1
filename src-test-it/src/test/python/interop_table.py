#!/usr/bin/python3
"""Prints the README's interoperability table (Markdown) from the interop tests' last run.

Reads ``src-test-it/target/interop-matrix/*.tsv`` (columns ``case, direction, transport, result[, note]``, written by
the ``io.rpcvertx.it.interop`` tests) and prints one row per case and one column per direction and transport:
``pass``, ``FAIL``, or ``fail (ref)`` for a case that also fails between grpc-java and itself.

Usage: ``interop_table.py [matrix-dir]`` (default: ``target/interop-matrix`` next to this module).
"""

import csv
import glob
import os
import sys

DEFAULT_DIR = os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "target", "interop-matrix"))


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_DIR
    files = sorted(glob.glob(os.path.join(directory, "*.tsv")))
    if not files:
        raise SystemExit(f"no *.tsv in {directory}: run the interop tests first")
    cases, columns, cells = [], [], {}
    for path in files:
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                column = f"{row['direction']} ({row['transport']})"
                if row["case"] not in cases:
                    cases.append(row["case"])
                if column not in columns:
                    columns.append(column)
                reference = "grpc-java vs grpc-java too" in (row.get("note") or "")
                if row["result"] == "PASS":
                    cell = "pass"
                else:
                    cell = "fail (ref)" if reference else row["result"]
                cells[(row["case"], column)] = cell
    columns.sort()
    print("| case | " + " | ".join(columns) + " |")
    print("|---|" + "---|" * len(columns))
    for case in cases:
        print(f"| {case} | " + " | ".join(cells.get((case, c), "") for c in columns) + " |")


if __name__ == "__main__":
    main()
