#!/usr/bin/env bash
# restore's modes and flags are checked before any connection is made: a missing --run, neither
# or both of --pvc/--all, --new-pvc without its flags or into the source namespace, an
# unsupported format all exit 2 naming what to give.
set -u
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"
cli_init "$1"
# A run id from CI variables alone never chooses what to roll back.
check 2 "give --run RUN" restore -p "$profile" --all
check 2 "give --pvc NAME (repeatable) or --all" restore -p "$profile" --run 4
check 2 "give --pvc NAME (repeatable) or --all" restore -p "$profile" --run 4 --all --pvc a
check 2 "--from goes with --new-pvc" restore -p "$profile" --run 4 --all --from a
check 2 "needs --snapshot SET, -n NAMESPACE and --from" restore -p "$profile" --new-pvc x -n dev
check 2 "cannot be combined with --pvc or --all" restore -p "$profile" --new-pvc x --all
check 2 "-n prod is the source namespace" \
    restore -p "$profile" --snapshot 3 --new-pvc x -n prod --from mongo-data-mongo-0
check 2 "-o env is not supported" restore -p "$profile" --run 4 --all -o env
expect_help restore --new-pvc
exit $fail
