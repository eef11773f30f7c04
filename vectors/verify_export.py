#!/usr/bin/env python3
"""Check a fragtrace-vectors directory (spec/vectors-format.md) without fragtrace.

usage: python3 verify_export.py DIR

For every case: each file listed in `files` exists with that SHA-256, nothing
unlisted is in the case folder, and trace.csv (when exported) has trace_rows
lines of 72 canonical decimals below p and hashes to expected.trace_sha256.
One line per case; exit 0 all pass, 1 a case fails, 2 a malformed manifest.
Standard library only.
"""
import hashlib
import json
import os
import re
import sys

P = 2**64 - 2**32 + 1
WIDTH = 72
CANONICAL = re.compile(rb"0|[1-9][0-9]{0,19}")
NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}")


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_trace(path, rows):
    """None if trace.csv is rows lines of WIDTH canonical felts, else why not."""
    n = 0
    with open(path, "rb") as f:
        for n, line in enumerate(f, 1):
            if not line.endswith(b"\n"):
                return "line %d: no final newline" % n
            vals = line[:-1].split(b",")
            if len(vals) != WIDTH:
                return "line %d: %d values, expected %d" % (n, len(vals), WIDTH)
            for c, v in enumerate(vals):
                if not CANONICAL.fullmatch(v) or int(v) >= P:
                    return "line %d column %d: %r is not a canonical value below p" % (n, c, v)
    return None if n == rows else "%d lines, trace_rows is %d" % (n, rows)


def check_case(root, case):
    """Problems of one case (an empty list when it passes)."""
    bad_file = any("/" in n or n.startswith(".") for n in case["files"])
    if not NAME.fullmatch(case["name"]) or bad_file:
        raise ValueError("bad case or file name in case %r" % case["name"])
    folder = os.path.join(root, "cases", case["name"])
    files, exp = case["files"], case["expected"]
    problems = []
    for name, sha in files.items():
        path = os.path.join(folder, name)
        if not os.path.isfile(path):
            problems.append("%s: missing" % name)
        elif sha256_file(path) != sha:
            problems.append("%s: SHA-256 differs from the manifest" % name)
    if os.path.isdir(folder):
        problems += ["%s: not listed in the manifest" % n for n in sorted(os.listdir(folder))
                     if n not in files]
    if exp["outcome"] == "ok" and exp["trace_file"] is not None and not problems:
        path = os.path.join(folder, exp["trace_file"])
        why = check_trace(path, exp["trace_rows"])
        if why:
            problems.append("%s: %s" % (exp["trace_file"], why))
        elif sha256_file(path) != exp["trace_sha256"]:
            problems.append("%s: does not hash to trace_sha256" % exp["trace_file"])
    return problems


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: verify_export.py DIR")
    root = sys.argv[1]
    try:
        with open(os.path.join(root, "manifest.json"), encoding="utf-8") as f:
            m = json.load(f)
        if m["format"] != "fragtrace-vectors" or type(m["format_version"]) is not int \
                or m["format_version"] != 1:
            raise ValueError("not fragtrace-vectors version 1")
        results = [(c["name"], check_case(root, c)) for c in m["cases"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        print("%s/manifest.json: malformed: %s" % (root, e), file=sys.stderr)
        sys.exit(2)
    for name, problems in results:
        print("ok %s" % name if not problems else "FAIL %s: %s" % (name, "; ".join(problems)))
    sys.exit(1 if any(p for _, p in results) else 0)


if __name__ == "__main__":
    main()
