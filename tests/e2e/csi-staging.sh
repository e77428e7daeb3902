#!/usr/bin/env bash
# method csi end to end: snapshot (VolumeSnapshots in prod) -> deploy-staging (per volume a
# pre-provisioned VolumeSnapshotContent with Retain, a VolumeSnapshot bound to it and a PVC with
# dataSource, all in the staging namespace; the StatefulSet on top) -> list -> teardown. The
# teardown leaves nothing of the run in Kubernetes (cluster-scoped contents and PVs included) or
# Portworx, and keeps production and the snapshot set (its Portworx snapshots too: Retain).
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
sim_start --latency pvc-bind=20ms,rollout=20ms,ns-delete=50ms
profile=$E2E_PROFILES/csi-staging.yaml
export PXCLONE_NOW=2026-11-27T13:00:00Z

px_run snapshot -p "$profile" --run s1 -q
expect_exit 0
snapshots_before=$(sim_get /_sim/state | jq -c '[.portworx[] | select(.volume.source.parent != null) | .volume.id] | sort')

# Requests from here on are deploy-staging's.
requests_before=$(sim_jq '[pxclone_requests[]] | length')
px_run deploy-staging -p "$profile" --run c1 --snapshot s1 -o json
expect_exit 0
expect_json .namespace orders-csi-c1
expect_json '[.volumes[] | "\(.source) \(.stagingPvc) \(.cloneId)"] | join(",")' \
    "prod/mongo-data-mongo-0 mongo-data-mongo-0 mongo-data-mongo-0,prod/mongo-data-mongo-1 mongo-data-mongo-1 mongo-data-mongo-1,prod/mongo-data-mongo-2 mongo-data-mongo-2 mongo-data-mongo-2"
# Each staging volume: content (Retain, the set's Portworx snapshot) <- VolumeSnapshot (ready)
# <- PVC (Bound) -> dynamic PV (class px-db, Delete) -> a new Portworx volume cloned from it.
got=$(sim_get /_sim/state | jq -r '
    .kubernetes as $k | .portworx as $px
    | ($k["snapshot.storage.k8s.io/v1/volumesnapshots"] | map(select(.metadata.namespace == "prod"))) as $sources
    | $k["snapshot.storage.k8s.io/v1/volumesnapshotcontents"] as $contents
    | [$k["v1/persistentvolumeclaims"][] | select(.metadata.namespace == "orders-csi-c1")
       | . as $pvc
       | ($k["snapshot.storage.k8s.io/v1/volumesnapshots"][]
          | select(.metadata.namespace == "orders-csi-c1" and .metadata.name == $pvc.spec.dataSource.name)) as $vs
       | ($contents[] | select(.metadata.name == $vs.status.boundVolumeSnapshotContentName)) as $c
       | ($k["v1/persistentvolumes"][] | select(.metadata.name == $pvc.spec.volumeName)) as $pv
       | ($px[] | select(.volume.id == $pv.spec.csi.volumeHandle)) as $clone
       | ($sources[] | select(.metadata.name == "orders-s1-" + $pvc.metadata.name)) as $source
       | ($contents[] | select(.metadata.name == $source.status.boundVolumeSnapshotContentName)) as $source_content
       | "\($pvc.metadata.name) \($pvc.status.phase) vs-ready=\($vs.status.readyToUse) content=\($c.spec.deletionPolicy)/\($c.spec.source.snapshotHandle == $source_content.status.snapshotHandle)/\($c.spec.volumeSnapshotRef.uid == $vs.metadata.uid) pv=\($pv.spec.storageClassName)/\($pv.spec.persistentVolumeReclaimPolicy) clone-parent-is-set=\($clone.volume.source.parent == $source_content.status.snapshotHandle)"]
    | sort | .[]')
expect_equal "staging volumes" "mongo-data-mongo-0 Bound vs-ready=true content=Retain/true/true pv=px-db/Delete clone-parent-is-set=true
mongo-data-mongo-1 Bound vs-ready=true content=Retain/true/true pv=px-db/Delete clone-parent-is-set=true
mongo-data-mongo-2 Bound vs-ready=true content=Retain/true/true pv=px-db/Delete clone-parent-is-set=true" "$got"
ready=$(sim_get /_sim/state | jq -r '.kubernetes["apps/v1/statefulsets"][] | select(.metadata.namespace == "orders-csi-c1") | .status.readyReplicas')
expect_equal "staging StatefulSet ready replicas" 3 "$ready"
# deploy-staging's writes (volumes in parallel: compared as a multiset; provisioned PV names
# and Portworx ids as {uuid}). Once Bound, each PVC's PV and its Portworx volume get the run's
# labels.
got=$(sim_jq '[[pxclone_requests[]][$n:][] | select(mutating) | "\(.method) \(.path | gsub("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"; "{uuid}"))"] | sort[]' --argjson n "$requests_before")
expect_equal "deploy-staging writes" "PATCH /api/v1/namespaces/orders-csi-c1
PATCH /api/v1/namespaces/orders-csi-c1/services/mongo
PATCH /api/v1/persistentvolumes/pvc-{uuid}
PATCH /api/v1/persistentvolumes/pvc-{uuid}
PATCH /api/v1/persistentvolumes/pvc-{uuid}
PATCH /apis/apps/v1/namespaces/orders-csi-c1/statefulsets/mongo
POST /api/v1/namespaces
POST /api/v1/namespaces/orders-csi-c1/persistentvolumeclaims
POST /api/v1/namespaces/orders-csi-c1/persistentvolumeclaims
POST /api/v1/namespaces/orders-csi-c1/persistentvolumeclaims
POST /apis/snapshot.storage.k8s.io/v1/namespaces/orders-csi-c1/volumesnapshots
POST /apis/snapshot.storage.k8s.io/v1/namespaces/orders-csi-c1/volumesnapshots
POST /apis/snapshot.storage.k8s.io/v1/namespaces/orders-csi-c1/volumesnapshots
POST /apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents
POST /apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents
POST /apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents
PUT /api/v1/namespaces/kube-system/services/portworx-api:9021/proxy/v1/volumes/{uuid}
PUT /api/v1/namespaces/kube-system/services/portworx-api:9021/proxy/v1/volumes/{uuid}
PUT /api/v1/namespaces/kube-system/services/portworx-api:9021/proxy/v1/volumes/{uuid}" "$got"

px_run list -p "$profile" -o json
expect_exit 0
expect_json '[.items[] | select(.kind == "SnapshotSet") | [.snapshotSet, .state, (.usedBy | join(","))] | join(" ")] | join(",")' "s1 complete c1"
expect_json '[.items[] | select(.kind == "StagingEnvironment") | [.run, .namespace, .snapshotSet] | join(" ")] | join(",")' "c1 orders-csi-c1 s1"

# teardown of the run: its objects go, in order (--parallel 1: the DELETEs golden; whether it
# waits with a watch depends on how fast pxsim removes what was deleted: reads are not compared);
# the set and production stay.
request_mark
px_run teardown -p "$profile" --run c1 --parallel 1 -o json
expect_exit 0
expect_json '[.deleted[] | .kind] | join(",")' \
    "Namespace,PersistentVolume,PersistentVolume,PersistentVolume,VolumeSnapshotContent,VolumeSnapshotContent,VolumeSnapshotContent,PortworxVolume,PortworxVolume,PortworxVolume"
expect_golden_since_mark "$E2E_DIR/csi-staging-teardown.requests"
state=$(sim_get /_sim/state)
expect_equal "run c1 leftovers in Kubernetes" "" "$(jq -r '[.kubernetes[][] | select(.metadata.labels["pxclone.io/run"] == "c1") | "\(.kind) \(.metadata.namespace)/\(.metadata.name)"] | .[]' <<<"$state")"
expect_equal "staging namespace objects" "" "$(jq -r '[.kubernetes[][] | select(.metadata.namespace == "orders-csi-c1") | "\(.kind) \(.metadata.name)"] | .[]' <<<"$state")"
expect_equal "PVs not of prod" "" "$(jq -r '[.kubernetes["v1/persistentvolumes"][] | select(.spec.claimRef.namespace != "prod") | .metadata.name] | .[]' <<<"$state")"
expect_equal "contents not of the set" "" "$(jq -r '[.kubernetes["snapshot.storage.k8s.io/v1/volumesnapshotcontents"][] | select(.spec.volumeSnapshotRef.namespace != "prod") | .metadata.name] | .[]' <<<"$state")"
expect_equal "Portworx volumes besides production and the set" "" "$(jq -r '[.portworx[] | select(.volume.source.parent != null and (.volume.id as $id | $before | index($id) | not)) | .volume.id] | .[]' --argjson before "$snapshots_before" <<<"$state")"
expect_equal "snapshot set s1 kept" "prod/orders-s1-mongo-data-mongo-0
prod/orders-s1-mongo-data-mongo-1
prod/orders-s1-mongo-data-mongo-2" "$(sim_owned_volume_snapshots s1)"
expect_equal "Portworx snapshots kept" "$snapshots_before" "$(jq -c '[.portworx[] | select(.volume.source.parent != null) | .volume.id] | sort' <<<"$state")"
# Production is as it was: the StatefulSet, its PVCs, PVs and volumes.
expect_equal "production PVCs" "mongo-data-mongo-0 Bound,mongo-data-mongo-1 Bound,mongo-data-mongo-2 Bound" \
    "$(jq -r '[.kubernetes["v1/persistentvolumeclaims"][] | select(.metadata.namespace == "prod") | "\(.metadata.name) \(.status.phase)"] | join(",")' <<<"$state")"

# Idempotent; then the set itself goes with --snapshots, its Portworx snapshots with it.
px_run teardown -p "$profile" --run c1
expect_exit 0
expect_out_contains "nothing to delete"
px_run teardown -p "$profile" --run s1 --snapshots -o json
expect_exit 0
expect_json '[.deleted[] | .kind] | join(",")' "VolumeSnapshot,VolumeSnapshot,VolumeSnapshot"
# The contents (Delete policy) and their Portworx snapshots are the snapshot controller's: they go
# once their VolumeSnapshot is gone, on its own time.
await_sim_state "contents and Portworx snapshots after the set's teardown" '[(.kubernetes["snapshot.storage.k8s.io/v1/volumesnapshotcontents"] // [])[] | .metadata.name] + [.portworx[] | select(.volume.source.parent != null) | .volume.id] | .[]' ""
px_run list -p "$profile" -o name
expect_exit 0
expect_equal "list at the end" "" "$(cat "$PX_OUT")"
e2e_done
