#!/bin/sh
# The main job behind `make run`. Until the SQLite corpus exists it runs the
# conformance check against upstream's vectors in SHARED (default ../shared):
# spec/conform.md says what it compares. Exit 0 all pass, 1 a difference, 2
# missing or malformed vectors.
set -eu
cli=$1
shared=$2
vectors="$shared/vectors/miden-v0.19.0"
if [ ! -f "$vectors/cases.json" ]; then
    echo "make run: $vectors/cases.json not found (pass SHARED=DIR, the folder holding vectors/)" >&2
    exit 2
fi
exec "$cli" conform --vectors "$vectors"
