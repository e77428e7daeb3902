#!/usr/bin/env bash
# snapshot by PVC names, method csi: a labelled VolumeSnapshot per PVC in the source namespace,
# ready, its Portworx snapshot id read from the VolumeSnapshotContent; hooks around the creates.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
sim_start

px_run snapshot -p "$E2E_PROFILES/names-csi.yaml" --run e2e-csi -o json
expect_exit 0
expect_json .snapshotSet e2e-csi
expect_json .method csi
expect_json '[.snapshots[] | "\(.pvc) \(.snapshotId) \(.reused)"] | join(",")' \
    "mongo-data-mongo-0 prod/orders-e2e-csi-mongo-data-mongo-0 false,mongo-data-mongo-1 prod/orders-e2e-csi-mongo-data-mongo-1 false,mongo-data-mongo-2 prod/orders-e2e-csi-mongo-data-mongo-2 false"
# Each VolumeSnapshot is ready, of the profile's class, labelled with the set; its content's
# handle is the Portworx snapshot pxclone printed, a child of the PVC's volume.
got=$(sim_get /_sim/state | jq -r --slurpfile out "$PX_OUT" '
    .portworx as $px | .kubernetes["snapshot.storage.k8s.io/v1/volumesnapshotcontents"] as $contents
    | [$out[0].snapshots[] as $s
       | .kubernetes["snapshot.storage.k8s.io/v1/volumesnapshots"][]
       | select("\(.metadata.namespace)/\(.metadata.name)" == $s.snapshotId)
       | .status.boundVolumeSnapshotContentName as $c
       | ($contents[] | select(.metadata.name == $c) | .status.snapshotHandle) as $handle
       | ($px[] | select(.volume.id == $handle) | .volume.source.parent) as $parent
       | "\(.metadata.name) pvc=\(.spec.source.persistentVolumeClaimName) class=\(.spec.volumeSnapshotClassName) ready=\(.status.readyToUse) set=\(.metadata.labels["pxclone.io/snapshot-set"]) handle-is-printed=\($handle == $s.portworxSnapshotId) parent=\($parent)"]
    | .[]')
expect_equal "VolumeSnapshots in pxsim" "orders-e2e-csi-mongo-data-mongo-0 pvc=mongo-data-mongo-0 class=px-csi-snapclass ready=true set=e2e-csi handle-is-printed=true parent=1100000000000000000
orders-e2e-csi-mongo-data-mongo-1 pvc=mongo-data-mongo-1 class=px-csi-snapclass ready=true set=e2e-csi handle-is-printed=true parent=1100000000000007919
orders-e2e-csi-mongo-data-mongo-2 pvc=mongo-data-mongo-2 class=px-csi-snapclass ready=true set=e2e-csi handle-is-printed=true parent=1100000000000015838" "$got"
expect_equal "hook log" "pre run=e2e-csi ns=prod pvcs=mongo-data-mongo-0 mongo-data-mongo-1 mongo-data-mongo-2 context=pxsim kubeconfig=set creates=0
post run=e2e-csi ns=prod pvcs=mongo-data-mongo-0 mongo-data-mongo-1 mongo-data-mongo-2 context=pxsim kubeconfig=set creates=3" "$(hook_log)"
# The only writes: one VolumeSnapshot POST per PVC.
expect_equal "mutating requests" "POST /apis/snapshot.storage.k8s.io/v1/namespaces/prod/volumesnapshots
POST /apis/snapshot.storage.k8s.io/v1/namespaces/prod/volumesnapshots
POST /apis/snapshot.storage.k8s.io/v1/namespaces/prod/volumesnapshots" \
    "$(sim_jq '[pxclone_requests[] | select(mutating) | "\(.method) \(.path)"] | .[]')"
e2e_done
