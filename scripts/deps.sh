#!/bin/sh
# Install what fragtrace needs from Debian packages, when it is missing.
# As root: apt-get update once, then apt-get install. Otherwise: print the
# command to run and fail. Then make sure Why3 knows the provers.
set -eu

PKGS="build-essential perl frama-c-base why3 z3 cvc4 afl++ libsqlite3-dev sqlite3 libzstd-dev python3"

missing=""
need() { # need PACKAGE TEST...
    pkg=$1; shift
    if ! "$@" >/dev/null 2>&1; then missing="$missing $pkg"; fi
}
need build-essential command -v cc
need perl command -v prove
need frama-c-base command -v frama-c
need why3 command -v why3
need z3 command -v z3
need cvc4 command -v cvc4
need afl++ command -v afl-fuzz
need libsqlite3-dev test -f /usr/include/sqlite3.h
need sqlite3 command -v sqlite3
need libzstd-dev test -f /usr/include/zstd.h
need python3 command -v python3

if [ -n "$missing" ]; then
    cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends$missing"
    if [ "$(id -u)" -ne 0 ]; then
        echo "make deps: missing packages:$missing" >&2
        echo "make deps: run as root: $cmd" >&2
        exit 1
    fi
    echo "make deps: installing:$missing"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >/dev/null
fi

# WP reaches the provers through Why3, which must have detected them.
conf="${WHY3CONFIG:-$HOME/.why3.conf}"
if ! grep -qi 'name = "z3"' "$conf" 2>/dev/null || ! grep -qi 'name = "cvc4"' "$conf" 2>/dev/null; then
    echo "make deps: why3 config detect"
    why3 config detect >/dev/null
fi
