#!/usr/bin/env bash
# teardown's choice of what to delete is explicit, and refused before any connection is made:
# no mode, two modes, or an unsupported format exit 2 naming the flags.
set -u
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"
cli_init "$1"
# A run id from CI variables alone never chooses what to delete.
check 2 "exactly one of --run ID, --expired or --all" teardown -p "$profile"
check 2 "exactly one of --run ID, --expired or --all" teardown -p "$profile" --all --expired
check 2 "exactly one of --run ID, --expired or --all" teardown -p "$profile" --run 4 --all
check 2 "-o env is not supported" teardown -p "$profile" --all -o env
check 2 "-o env is not supported" list -p "$profile" -o env
expect_help teardown --snapshots
expect_help list --all-profiles
exit $fail
