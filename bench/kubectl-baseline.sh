#!/usr/bin/env bash
# The kubectl baseline of the benchmark (issue 8): the job of `pxclone snapshot`, `deploy-staging`
# and `teardown --snapshots`, done the way teams script it today with the real kubectl:
#
#   snapshot  one CSI VolumeSnapshot per production PVC (one multi-document `kubectl apply`), then
#             `kubectl wait --for=jsonpath='{.status.readyToUse}'=true`
#   deploy    the namespace; for each snapshot its Portworx snapshot id (the VolumeSnapshotContent's
#             snapshotHandle) is cloned, one after another, as `pxctl volume clone` would (here
#             `kubectl create --raw` on the SDK gateway through the API server's service proxy:
#             pxsim has no pxctl); static PV + PVC manifests (one `kubectl apply`);
#             `kubectl wait --for=jsonpath='{.status.phase}'=Bound`; `kubectl apply` of the
#             manifests; `kubectl rollout status` of each workload
#   teardown  `kubectl delete namespace` (waits until gone), the PVs, the clones (`kubectl delete
#             --raw` on the SDK, as `pxctl volume delete`), the VolumeSnapshots
#
# Usage: KUBECONFIG=k.yaml kubectl-baseline.sh snapshot|deploy|teardown RUN MANIFESTS.yaml
# Production: namespace prod, PVCs labelled app=mongo. The staging namespace is kc-stg-RUN.
set -euo pipefail

phase=$1
run=$2
manifests=$3
readonly prod=prod
readonly staging=kc-stg-$run
readonly px=/api/v1/namespaces/kube-system/services/portworx-api:9021/proxy/v1
work=$(mktemp -d "${TMPDIR:-/tmp}/kubectl-baseline.XXXXXX")
trap 'rm -rf "$work"' EXIT
k() { kubectl --request-timeout=60s "$@"; }

snapshot() {
    local pvc
    for pvc in $(k get pvc -n "$prod" -l app=mongo -o jsonpath='{.items[*].metadata.name}'); do
        cat <<YAML
---
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata:
  name: $run-$pvc
  namespace: $prod
  labels: {baseline-run: "$run"}
spec:
  volumeSnapshotClassName: px-csi-snapclass
  source: {persistentVolumeClaimName: $pvc}
YAML
    done >"$work/snapshots.yaml"
    k apply -f "$work/snapshots.yaml" >/dev/null
    k wait --for=jsonpath='{.status.readyToUse}'=true volumesnapshot -n "$prod" \
        -l baseline-run="$run" --timeout=10m >/dev/null
}

deploy() {
    printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n  labels: {baseline-run: "%s"}\n' \
        "$staging" "$run" | k apply -f - >/dev/null
    # pvc <tab> Portworx snapshot id, from the VolumeSnapshots and their contents.
    k get volumesnapshot -n "$prod" -l baseline-run="$run" -o json |
        jq -r '.items[] | [.spec.source.persistentVolumeClaimName, .status.boundVolumeSnapshotContentName] | @tsv' \
            >"$work/snapshots.tsv"
    k get volumesnapshotcontent -o json |
        jq -r '.items[] | [.metadata.name, .status.snapshotHandle] | @tsv' >"$work/contents.tsv"
    local pvc content handle clone
    : >"$work/volumes.yaml"
    while IFS=$'\t' read -r pvc content; do
        handle=$(awk -F'\t' -v c="$content" '$1 == c { print $2 }' "$work/contents.tsv")
        printf '{"name":"%s-%s","parent_id":"%s","additional_labels":{"baseline-run":"%s"}}' \
            "$run" "$pvc" "$handle" "$run" >"$work/clone.json"
        clone=$(k create --raw "$px/volumes/clone" -f "$work/clone.json" | jq -r .volume_id)
        cat >>"$work/volumes.yaml" <<YAML
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: $staging-$pvc
  labels: {baseline-run: "$run"}
spec:
  capacity: {storage: 10Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: px-db
  claimRef: {namespace: $staging, name: $pvc}
  csi: {driver: pxd.portworx.com, volumeHandle: "$clone", fsType: ext4}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: $pvc
  namespace: $staging
  labels: {baseline-run: "$run"}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: px-db
  volumeName: $staging-$pvc
  resources: {requests: {storage: 10Gi}}
YAML
    done <"$work/snapshots.tsv"
    k apply -f "$work/volumes.yaml" >/dev/null
    k wait --for=jsonpath='{.status.phase}'=Bound pvc -n "$staging" -l baseline-run="$run" \
        --timeout=10m >/dev/null
    k apply -n "$staging" -f "$manifests" >/dev/null
    k rollout status statefulset/mongo -n "$staging" --timeout=10m >/dev/null
    k rollout status deployment/orders -n "$staging" --timeout=10m >/dev/null
}

teardown() {
    k delete namespace "$staging" --ignore-not-found --timeout=10m >/dev/null
    k delete pv -l baseline-run="$run" --ignore-not-found >/dev/null
    local ids
    ids=$(printf '{"labels":{"baseline-run":"%s"}}' "$run" >"$work/filter.json" &&
        k create --raw "$px/volumes/filters" -f "$work/filter.json" | jq -r '.volume_ids[]?')
    local id
    for id in $ids; do
        k delete --raw "$px/volumes/$id" >/dev/null
    done
    k delete volumesnapshot -n "$prod" -l baseline-run="$run" --ignore-not-found --timeout=10m >/dev/null
}

case $phase in
snapshot | deploy | teardown) "$phase" ;;
*) echo "usage: $0 snapshot|deploy|teardown RUN MANIFESTS" >&2; exit 2 ;;
esac
