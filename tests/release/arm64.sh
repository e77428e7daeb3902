#!/usr/bin/env bash
# The arm64 release binary, cross-compiled on amd64, runs (issue 20): under qemu-aarch64 with
# Debian's arm64 libc (libc6-arm64-cross) as its sysroot and libcurl.so.4 from multiarch
# (libcurl4:arm64), `version -o json` loads libcurl and names its version, and `validate` accepts
# the example profile.
#
# No pipeline against pxsim: Debian 12's qemu-user (7.2) hangs in pthread_create() of every arm64
# program on this machine (a five-line C program that starts one thread never returns from it),
# and pxclone's commands that talk to a server start worker threads.
# Usage: tests/release/arm64.sh PATH/TO/arm64/pxclone (from the source tree)
set -uo pipefail
binary=$1
command -v qemu-aarch64 >/dev/null ||
    { echo "arm64: qemu-aarch64 not found (scripts/install-deps.sh --release)" >&2; exit 2; }
run() { timeout -s KILL 60 qemu-aarch64 -L /usr/aarch64-linux-gnu "$binary" "$@"; }
fail=0

if ! out=$(run version -o json 2>&1); then
    echo "FAIL arm64: version -o json: $out"
    fail=1
elif ! jq -e '.version != "" and (.libraries.libcurl | startswith("unavailable") | not)' <<<"$out" >/dev/null; then
    echo "FAIL arm64: version -o json printed: $out"
    fail=1
else
    echo "arm64: $(jq -c '{version, libcurl: .libraries.libcurl}' <<<"$out")"
fi
if ! out=$(run validate -p examples/mongodb/pxclone.yaml 2>&1); then
    echo "FAIL arm64: validate -p examples/mongodb/pxclone.yaml: $out"
    fail=1
fi
# An error thrown and caught: the unwinder finds its tables through cmake/portable/dl_find_object.cpp.
out=$(run validate -p /nonexistent/pxclone.yaml 2>&1)
rc=$?
if [ "$rc" = 0 ] || ! grep -q '^pxclone: error: ' <<<"$out"; then
    echo "FAIL arm64: validate of a missing file exited $rc and said: $out"
    fail=1
fi
[ "$fail" = 1 ] || echo "PASS arm64"
exit $fail
