#!/usr/bin/python3
"""Prints the README's interoperability table (Markdown) from the interop tests' last run.

Reads ``src-test-it/target/interop-matrix/*.tsv`` (columns ``case, client, server, transport, result, detail``, written
by the ``io.rpcvertx.it.interop`` tests; result ``PASS``, ``FAIL`` or ``REFERENCE_FAILURE``) and prints one row per case
and one column per client, server and transport: ``pass``, ``FAIL``, or ``fail (ref)`` for a case that fails for the
reference pairing (grpc-java in rpc-vertx's place) too.

With ``--by-case``, one row per case and one column per pairing; by default one row per pairing (client, server,
transport) with the number of cases passed and the cases that failed.

Usage: ``interop_table.py [--by-case] [matrix-dir]`` (default: ``target/interop-matrix`` next to this module).
"""

import csv
import glob
import os
import sys

DEFAULT_DIR = os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "target", "interop-matrix"))


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    by_case = "--by-case" in sys.argv[1:]
    directory = args[0] if args else DEFAULT_DIR
    files = sorted(glob.glob(os.path.join(directory, "*.tsv")))
    if not files:
        raise SystemExit(f"no *.tsv in {directory}: run the interop tests first")
    cases, columns, cells = [], [], {}
    for path in files:
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                column = f"{row['client']} → {row['server']} ({row['transport']})"
                if row["case"] not in cases:
                    cases.append(row["case"])
                if column not in columns:
                    columns.append(column)
                cells[(row["case"], column)] = {"PASS": "pass", "REFERENCE_FAILURE": "fail (ref)"}.get(
                    row["result"], row["result"])
    columns.sort()
    if by_case:
        print("| case | " + " | ".join(columns) + " |")
        print("|---|" + "---|" * len(columns))
        for case in cases:
            print(f"| {case} | " + " | ".join(cells.get((case, c), "") for c in columns) + " |")
        return
    print("| client → server (transport) | passed | fail (ref) | FAIL |")
    print("|---|---|---|---|")
    for column in columns:
        results = {case: cells[(case, column)] for case in cases if (case, column) in cells}
        passed = sum(1 for r in results.values() if r == "pass")
        ref = [c for c, r in results.items() if r == "fail (ref)"]
        failed = [c for c, r in results.items() if r not in ("pass", "fail (ref)")]
        print(f"| {column} | {passed}/{len(results)} | {', '.join(ref)} | {', '.join(failed)} |")


if __name__ == "__main__":
    main()
