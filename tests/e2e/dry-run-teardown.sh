#!/usr/bin/env bash
# teardown --dry-run equals the real run: for an environment of each method (portworx: clones,
# static PVs, baselines; csi: contents, VolumeSnapshots, provisioned PVs and their volumes), with
# --snapshots (the sets go too), the dry run prints every DELETE the real run then sends on the
# same state, in the same order (--parallel 1).
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
sim_start

for profile in "$E2E_SRC/examples/mongodb/pxclone.yaml" "$E2E_PROFILES/csi-staging.yaml"; do
    px_run snapshot -p "$profile" --run s1 --skip-hooks -q
    expect_exit 0
    px_run deploy-staging -p "$profile" --run r1 --snapshot s1 -q
    expect_exit 0
    expect_dry_run_equals_real teardown -p "$profile" --run r1 --snapshots --parallel 1
    expect_out_contains "teardown complete: "
    sim_restart
done
e2e_done
