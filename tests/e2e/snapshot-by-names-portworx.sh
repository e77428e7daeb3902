#!/usr/bin/env bash
# snapshot by PVC names, method portworx: three labelled SDK snapshots between the hooks, the
# JSON record, the mutating requests (golden, --parallel 1) and the reads before them; the
# default parallel run sends the same writes in another order.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
sim_start
profile=$E2E_PROFILES/names-portworx.yaml
golden=$E2E_DIR/snapshot-by-names-portworx.requests

px_run snapshot -p "$profile" --run e2e-names -o json --parallel 1
expect_exit 0
expect_json .snapshotSet e2e-names
expect_json .method portworx
expect_json '[.snapshots[] | "\(.pvc) \(.name) \(.volumeId) \(.reused)"] | join(",")' \
    "mongo-data-mongo-0 orders-e2e-names-mongo-data-mongo-0 1100000000000000000 false,mongo-data-mongo-1 orders-e2e-names-mongo-data-mongo-1 1100000000000007919 false,mongo-data-mongo-2 orders-e2e-names-mongo-data-mongo-2 1100000000000015838 false"
# The ids printed are the snapshots pxsim holds, each a child of its PVC's volume, labelled.
got=$(sim_get /_sim/state | jq -r --slurpfile out "$PX_OUT" '
    [$out[0].snapshots[] as $s | .portworx[] | select(.volume.id == $s.snapshotId)
     | "\(.name) parent=\(.volume.source.parent) set=\(.labels["pxclone.io/snapshot-set"]) source=\(.labels["pxclone.io/source"]) size=\(.labels["pxclone.io/set-size"]) role=\(.labels["pxclone.io/role"])"]
    | sort | .[]')
expect_equal "snapshots in pxsim" "orders-e2e-names-mongo-data-mongo-0 parent=1100000000000000000 set=e2e-names source=prod/mongo-data-mongo-0 size=3 role=snapshot
orders-e2e-names-mongo-data-mongo-1 parent=1100000000000007919 set=e2e-names source=prod/mongo-data-mongo-1 size=3 role=snapshot
orders-e2e-names-mongo-data-mongo-2 parent=1100000000000015838 set=e2e-names source=prod/mongo-data-mongo-2 size=3 role=snapshot" "$got"
# Pre-hook before any snapshot create, post-hook after all three.
expect_equal "hook log" "pre run=e2e-names ns=prod pvcs=mongo-data-mongo-0 mongo-data-mongo-1 mongo-data-mongo-2 context=pxsim kubeconfig=set creates=0
post run=e2e-names ns=prod pvcs=mongo-data-mongo-0 mongo-data-mongo-1 mongo-data-mongo-2 context=pxsim kubeconfig=set creates=3" "$(hook_log)"
expect_golden "$golden"
# The reads the plan puts before the first create: the endpoint, every source PVC and PV, the
# lookup of this run's earlier snapshots, and retention's reads (the sets, the environments that
# use them), so that a read the identity may not do fails before anything is made. Compared as a
# multiset: retention's listings go out together.
px=/api/v1/namespaces/kube-system/services/portworx-api:9021/proxy
staging_selector='labelSelector=app.kubernetes.io/managed-by=pxclone,pxclone.io/profile=orders,pxclone.io/role=staging&limit=500'
expect_equal "reads before the first create" "$(sort <<EOF
GET $px/v1/identities/version
GET /api/v1/namespaces/prod/persistentvolumeclaims/mongo-data-mongo-0
GET /api/v1/namespaces/prod/persistentvolumeclaims/mongo-data-mongo-1
GET /api/v1/namespaces/prod/persistentvolumeclaims/mongo-data-mongo-2
GET /api/v1/persistentvolumes/pvc-{uuid}
GET /api/v1/persistentvolumes/pvc-{uuid}
GET /api/v1/persistentvolumes/pvc-{uuid}
POST $px/v1/volumes/inspectwithfilters
POST $px/v1/volumes/inspectwithfilters
POST $px/v1/volumes/inspectwithfilters
GET /api/v1/namespaces?$staging_selector
GET /api/v1/persistentvolumeclaims?$staging_selector
GET /api/v1/persistentvolumes?$staging_selector
EOF
)" "$(request_lines all | sed '/^POST .*\/v1\/volumes\/snapshots$/,$d' | sort)"

# The same in parallel (the default): the same requests, in whatever order.
sim_restart
px_run snapshot -p "$profile" --run e2e-names -vvv
expect_exit 0
expect_out_contains "snapshot set e2e-names of profile orders: 3 volumes of namespace prod (portworx)"
expect_equal "owned snapshots" "orders-e2e-names-mongo-data-mongo-0
orders-e2e-names-mongo-data-mongo-1
orders-e2e-names-mongo-data-mongo-2" "$(sim_owned_snapshots e2e-names)"
expect_golden "$golden" sorted
e2e_done
