#!/usr/bin/env bash
# snapshot by label selector (app=mongo), both methods: the PVCs come from one list request
# with the selector; the set is the same three volumes as by names. The portworx run's mutating
# requests are golden (--parallel 1).
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
sim_start

px_run snapshot -p "$E2E_PROFILES/selector-portworx.yaml" --run e2e-sel -o json --parallel 1
expect_exit 0
expect_json '[.snapshots[] | "\(.pvc) \(.name) \(.volumeId)"] | join(",")' \
    "mongo-data-mongo-0 orders-e2e-sel-mongo-data-mongo-0 1100000000000000000,mongo-data-mongo-1 orders-e2e-sel-mongo-data-mongo-1 1100000000000007919,mongo-data-mongo-2 orders-e2e-sel-mongo-data-mongo-2 1100000000000015838"
expect_equal "owned snapshots" "orders-e2e-sel-mongo-data-mongo-0
orders-e2e-sel-mongo-data-mongo-1
orders-e2e-sel-mongo-data-mongo-2" "$(sim_owned_snapshots e2e-sel)"
expect_equal "hook log" "pre run=e2e-sel ns=prod pvcs=mongo-data-mongo-0 mongo-data-mongo-1 mongo-data-mongo-2 context=pxsim kubeconfig=set creates=0
post run=e2e-sel ns=prod pvcs=mongo-data-mongo-0 mongo-data-mongo-1 mongo-data-mongo-2 context=pxsim kubeconfig=set creates=3" "$(hook_log)"
expect_golden "$E2E_DIR/snapshot-by-selector.requests"
expect_equal "PVC requests" "GET /api/v1/namespaces/prod/persistentvolumeclaims?labelSelector=app=mongo&limit=500" \
    "$(request_lines all | grep /namespaces/prod/persistentvolumeclaims)"

sim_restart
px_run snapshot -p "$E2E_PROFILES/selector-csi.yaml" --run e2e-sel -o json
expect_exit 0
expect_json .method csi
expect_json '[.snapshots[] | "\(.pvc) \(.snapshotId)"] | join(",")' \
    "mongo-data-mongo-0 prod/orders-e2e-sel-mongo-data-mongo-0,mongo-data-mongo-1 prod/orders-e2e-sel-mongo-data-mongo-1,mongo-data-mongo-2 prod/orders-e2e-sel-mongo-data-mongo-2"
expect_equal "owned VolumeSnapshots" "prod/orders-e2e-sel-mongo-data-mongo-0
prod/orders-e2e-sel-mongo-data-mongo-1
prod/orders-e2e-sel-mongo-data-mongo-2" "$(sim_owned_volume_snapshots e2e-sel)"
expect_equal "PVC requests" "GET /api/v1/namespaces/prod/persistentvolumeclaims?labelSelector=app=mongo&limit=500" \
    "$(request_lines all | grep /namespaces/prod/persistentvolumeclaims)"
expect_equal "hook log" "pre run=e2e-sel ns=prod pvcs=mongo-data-mongo-0 mongo-data-mongo-1 mongo-data-mongo-2 context=pxsim kubeconfig=set creates=0
post run=e2e-sel ns=prod pvcs=mongo-data-mongo-0 mongo-data-mongo-1 mongo-data-mongo-2 context=pxsim kubeconfig=set creates=3" "$(hook_log)"
e2e_done
