#!/usr/bin/env bash
# restore --dry-run equals the real run, in place (method portworx): rolled back to the baselines
# (replica records, scale-downs, SDK restores, scale-ups, records removed), and swapped to another
# set (new clones, PVs and PVCs, the old ones deleted, the masking Job again, new baselines): each
# time the same restore run for real on the same state sends exactly the writes the dry run
# printed, in that order.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
sim_start
profile=$E2E_PROFILES/restore-portworx.yaml
ns=orders-stg-r1

# Sets s1 and s2, run r1 deployed from s1 (lib.sh).
restore_two_sets "$profile"

expect_dry_run_equals_real restore -p "$profile" --run r1 --all
expect_out_contains "restored 2 volumes in $ns to their baselines"
expect_dry_run_equals_real restore -p "$profile" --run r1 --all --snapshot s2
expect_out_contains "made 2 volumes in $ns from snapshot set s2 (run r1), masked again"
e2e_done
