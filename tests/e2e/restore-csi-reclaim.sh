#!/usr/bin/env bash
# restore of a method: csi environment leaves nothing behind, whatever the staging storage
# class's reclaimPolicy (issue 16 §8). A CSI provisioner copies no PVC label (nor does pxsim's):
# restore labels the PV provisioned for each PVC it makes again, and the Portworx volume behind
# it, as deploy-staging does; the PV and volume of the PVC it replaced are deleted (PV first) as
# soon as the new PVC is Bound, from the same set and from another (also when a second run
# finishes an interrupted restore); and teardown then leaves nothing of the run. Run once with reclaimPolicy Delete and once with Retain.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"

ns=orders-reclaim-r1

# The staging PVCs as "pvc pv-run pv-role volume-run volume-role" lines: their PVs and volumes.
staging_volumes() {
    sim_get /_sim/state | jq -r --arg ns "$ns" '
        .kubernetes as $k | .portworx as $px
        | [$k["v1/persistentvolumeclaims"][] | select(.metadata.namespace == $ns) | . as $pvc
           | ($k["v1/persistentvolumes"][] | select(.metadata.name == $pvc.spec.volumeName)) as $pv
           | ($px[] | select(.volume.id == $pv.spec.csi.volumeHandle)) as $volume
           | "\($pvc.metadata.name) pv-run=\($pv.metadata.labels["pxclone.io/run"]) pv-role=\($pv.metadata.labels["pxclone.io/role"]) volume-run=\($volume.labels["pxclone.io/run"]) volume-role=\($volume.labels["pxclone.io/role"])"]
        | sort | .[]'
}
volume_ids() { # the Portworx volumes behind the staging PVCs
    sim_get /_sim/state | jq -r --arg ns "$ns" '
        .kubernetes as $k
        | [$k["v1/persistentvolumeclaims"][] | select(.metadata.namespace == $ns) | . as $pvc
           | $k["v1/persistentvolumes"][] | select(.metadata.name == $pvc.spec.volumeName)
           | .spec.csi.volumeHandle] | sort | .[]'
}
# Of the Portworx volumes IDS..., those that exist, and the PVs that still name one.
still_there() {
    sim_get /_sim/state | jq -r '($ARGS.positional) as $ids
        | [(.portworx[] | select(.volume.id as $id | $ids | index($id)) | "volume \(.volume.id)"),
           (.kubernetes["v1/persistentvolumes"][] | select(.spec.csi.volumeHandle as $id | $ids | index($id))
            | "pv \(.metadata.name) \(.status.phase)")] | .[]' --args "$@"
}
expected_labels="mongo-data-mongo-0 pv-run=r1 pv-role=staging volume-run=r1 volume-role=staging
mongo-data-mongo-1 pv-run=r1 pv-role=staging volume-run=r1 volume-role=staging"

for policy in Delete Retain; do
    cat >"$E2E_TMP/class.yaml" <<STATE
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: px-db-reclaim
provisioner: pxd.portworx.com
parameters:
  repl: "2"
reclaimPolicy: $policy
volumeBindingMode: Immediate
STATE
    cat >"$E2E_TMP/profile.yaml" <<'PROFILE'
version: 1
name: orders
portworx:
  endpoint: service:kube-system/portworx-api:9021
source:
  namespace: prod
  pvcs: [mongo-data-mongo-0, mongo-data-mongo-1]
snapshot:
  method: csi
  class: px-csi-snapclass
  timeout: 1m
staging:
  namespace: orders-reclaim-${run.id}
  storage_class: px-db-reclaim
  wait:
    timeout: 1m
PROFILE
    # The 5th staging PVC create fails (deploy-staging makes two, the first restore two): the
    # restore to s2 stops with both PVCs deleted, and a second run finishes it.
    faults="POST /api/v1/namespaces/$ns/persistentvolumeclaims#5=500"
    if [[ -n $SIM_PID ]]; then
        sim_restart --state "$E2E_TMP/class.yaml" --faults "$faults"
    else
        sim_start --state "$E2E_TMP/class.yaml" --faults "$faults"
    fi
    echo "--- reclaimPolicy $policy"
    profile=$E2E_TMP/profile.yaml

    px_run snapshot -p "$profile" --run s1 -q
    expect_exit 0
    px_run snapshot -p "$profile" --run s2 -q
    expect_exit 0
    px_run deploy-staging -p "$profile" --run r1 --snapshot s1 -q
    expect_exit 0
    expect_equal "$policy: deployed volumes" "$expected_labels" "$(staging_volumes)"

    # The same set again: new PVCs from the same VolumeSnapshots; the replaced volumes go.
    mapfile -t old < <(volume_ids)
    px_run restore -p "$profile" --run r1 --all
    expect_exit 0
    expect_equal "$policy: volumes after restore" "$expected_labels" "$(staging_volumes)"
    expect_equal "$policy: replaced volumes and PVs naming them" "" "$(still_there "${old[@]}")"

    # Another set, interrupted once the PVCs are deleted (the create fails), then finished by
    # the same restore: the old volumes are found again by their PVs' labels and claims.
    mapfile -t old < <(volume_ids)
    px_run restore -p "$profile" --run r1 --all --snapshot s2
    expect_exit 1
    px_run restore -p "$profile" --run r1 --all --snapshot s2
    expect_exit 0
    expect_equal "$policy: volumes after restore to s2" "$expected_labels" "$(staging_volumes)"
    expect_equal "$policy: replaced volumes and PVs naming them (s2)" "" "$(still_there "${old[@]}")"

    # teardown finds everything restore made: nothing of the run, no staging PV, no volume but
    # production's and the sets' snapshots.
    px_run teardown -p "$profile" --run r1 --snapshots
    expect_exit 0
    state=$(sim_get /_sim/state)
    expect_equal "$policy: labelled objects of run r1" "" "$(jq -r '
        [(.kubernetes[][] | select(.metadata.labels["pxclone.io/run"] == "r1") | "\(.kind) \(.metadata.name)"),
         (.portworx[] | select(.labels["pxclone.io/run"] == "r1") | "portworx \(.volume.id)")] | .[]' <<<"$state")"
    expect_equal "$policy: PVs not of prod" "" "$(jq -r '[.kubernetes["v1/persistentvolumes"][]
        | select(.spec.claimRef.namespace != "prod") | "\(.metadata.name) \(.status.phase)"] | .[]' <<<"$state")"
    expect_equal "$policy: Portworx volumes but production's and snapshots" "" "$(jq -r --slurpfile before "$E2E_TMP/state-before.json" '
        ($before[0].portworx | map(.volume.id)) as $prod
        | [.portworx[] | select((.volume.id as $id | $prod | index($id)) == null)
           | select(.volume.readonly != true) | "\(.volume.id) \(.name)"] | .[]' <<<"$state")"
done
e2e_done
