#!/usr/bin/env bash
# refresh's bad input is refused before any connection is made: no --run (a CI build number alone
# never chooses the environment to change), or an unsupported format, exit 2 naming the flag.
set -u
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"
cli_init "$1"
check 2 "refresh: give the environment's run with --run ID" refresh -p "$profile"
check 2 "refresh: -o env is not supported" refresh -p "$profile" --run 4 -o env
check 2 "refresh: -o name is not supported" refresh -p "$profile" --run 4 -o name
expect_help refresh --skip-hooks
# With staging.cluster it needs both clusters: the help says so.
expect_help refresh 'With staging.cluster refresh uses both clusters'
exit $fail
