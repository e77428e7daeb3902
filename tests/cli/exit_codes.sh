#!/usr/bin/env bash
# The exit-code contract of the real binary: help is 0, bad usage is 2 (never CLI11's 100-127).
set -u
pxclone=$1
fail=0
expect() {
    local want=$1; shift
    "$pxclone" "$@" >/dev/null 2>&1
    local got=$?
    if [ "$got" != "$want" ]; then
        echo "FAIL: pxclone $* exited $got, want $want"
        fail=1
    fi
}
expect 0 --help
expect 0 version
expect 0 version -o json
expect 2
expect 2 no-such-command
expect 2 version -o xml
expect 2 version --parallel 0
"$pxclone" --help | grep -q "130" || { echo "FAIL: --help does not list exit code 130"; fail=1; }
exit $fail
