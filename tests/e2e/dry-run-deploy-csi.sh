#!/usr/bin/env bash
# deploy-staging --dry-run equals the real run (method csi): the dry run prints the namespace,
# each volume's VolumeSnapshotContent, VolumeSnapshot and PVC, the label PATCH of the PV each PVC
# is bound to and the label update of the Portworx volume behind it (named by placeholders: the
# provisioner names them), the applies and the namespace's ready-at PATCH; the same command run
# for real on the same state sends exactly those writes, in that order (--parallel 1).
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
sim_start
profile=$E2E_PROFILES/csi-staging.yaml

px_run snapshot -p "$profile" --run s1 -q
expect_exit 0

expect_dry_run_equals_real deploy-staging -p "$profile" --run c1 --snapshot s1 --parallel 1
e2e_done
