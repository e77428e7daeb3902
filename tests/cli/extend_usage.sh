#!/usr/bin/env bash
# extend's bad input is refused before any connection is made: no --run (a CI build number alone
# never chooses what to keep), a --ttl that is neither a positive duration nor `never`, or an
# unsupported format exit 2 with one line naming the flag.
set -u
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"
cli_init "$1"
check 2 "extend: give the environment's run with --run ID" extend -p "$profile" --ttl 48h
check 2 "extend: --ttl 2d: not a positive duration or never" extend -p "$profile" --run 4 --ttl 2d
check 2 "extend: --ttl 0s: not a positive duration or never" extend -p "$profile" --run 4 --ttl 0s
check 2 "extend: --ttl forever: not a positive duration or never" \
    extend -p "$profile" --run 4 --ttl forever
check 2 "extend: -o env is not supported" extend -p "$profile" --run 4 -o env
check 2 "--ttl: 1 required" extend -p "$profile" --run 4 --ttl
expect_help extend --ttl
exit $fail
