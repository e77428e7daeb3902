#!/usr/bin/env bash
# The arm64 release binary, cross-compiled on amd64, runs (issue 20): under qemu-aarch64 with
# Debian's arm64 libc (libc6-arm64-cross) as its sysroot and libcurl.so.4 from multiarch
# (libcurl4:arm64), it prints `version -o json` (which loads libcurl), validates the example
# profile, and runs a short snapshot → deploy-staging → teardown against pxsim (amd64, loopback).
# Usage: tests/release/arm64.sh PATH/TO/arm64/pxclone PXSIM (from the source tree)
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/../e2e/lib.sh"
binary=$1
command -v qemu-aarch64 >/dev/null ||
    { echo "arm64: qemu-aarch64 not found (scripts/install-deps.sh --release)" >&2; exit 2; }
sysroot=/usr/aarch64-linux-gnu
# px_run runs E2E_PXCLONE: a wrapper that runs the binary under qemu.
wrapper=$(mktemp "${TMPDIR:-/tmp}/pxclone-arm64.XXXXXX")
printf '#!/bin/sh\nexec qemu-aarch64 -L %s %s "$@"\n' "$sysroot" "$(realpath "$binary")" >"$wrapper"
chmod +x "$wrapper"
e2e_init "$wrapper" "$2"
mv "$wrapper" "$E2E_TMP/pxclone-arm64"
E2E_PXCLONE=$E2E_TMP/pxclone-arm64
profile=examples/mongodb/pxclone.yaml

PX_RC=0
"$E2E_PXCLONE" version -o json >"$E2E_TMP/version.json" 2>"$E2E_TMP/version.err" || PX_RC=$?
PX_OUT=$E2E_TMP/version.json
PX_ERR=$E2E_TMP/version.err
expect_exit 0
expect_json '.libraries.libcurl | startswith("unavailable") | not' true
echo "arm64: $(jq -c '{version, libcurl: .libraries.libcurl}' "$PX_OUT")"
PX_RC=0
"$E2E_PXCLONE" validate -p "$profile" >"$PX_OUT" 2>"$PX_ERR" || PX_RC=$?
expect_exit 0

sim_start
px_run snapshot -p "$profile" --run arm-set --skip-hooks -q
expect_exit 0
px_run deploy-staging -p "$profile" --run arm-stg
expect_exit 0
px_run teardown -p "$profile" --run arm-stg --snapshots
expect_exit 0
expect_out_contains "teardown complete: "
e2e_done
