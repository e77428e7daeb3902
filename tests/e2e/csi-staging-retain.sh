#!/usr/bin/env bash
# method csi with a StorageClass whose reclaimPolicy is Retain: the PVs provisioned for the
# staging PVCs would outlive their claims, and the Portworx volumes behind them too. Once each
# PVC is Bound, deploy-staging labels its PV (only one whose claimRef is that staging PVC) and the
# Portworx volume behind it with the run's labels; teardown then deletes the Released PVs and the
# volumes, and nothing labelled for the run, nor any new Portworx volume, is left.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
cat >"$E2E_TMP/retain.yaml" <<'STATE'
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: px-db-retain
provisioner: pxd.portworx.com
parameters:
  repl: "2"
reclaimPolicy: Retain
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
  namespace: orders-retain-${run.id}
  storage_class: px-db-retain
  wait:
    timeout: 1m
PROFILE
sim_start --state "$E2E_TMP/retain.yaml"
profile=$E2E_TMP/profile.yaml

px_run snapshot -p "$profile" --run s1 -q
expect_exit 0
volumes_before=$(sim_get /_sim/state | jq -c '[.portworx[] | .volume.id] | sort')

px_run deploy-staging -p "$profile" --run r1 --snapshot s1 -o json
expect_exit 0
# Each staging PVC's PV: Retain, bound to it, labelled for the run; its Portworx volume too.
got=$(sim_get /_sim/state | jq -r '
    .kubernetes as $k | .portworx as $px
    | [$k["v1/persistentvolumeclaims"][] | select(.metadata.namespace == "orders-retain-r1") | . as $pvc
       | ($k["v1/persistentvolumes"][] | select(.metadata.name == $pvc.spec.volumeName)) as $pv
       | ($px[] | select(.volume.id == $pv.spec.csi.volumeHandle)) as $volume
       | "\($pvc.metadata.name) \($pv.spec.persistentVolumeReclaimPolicy) claim=\($pv.spec.claimRef.name) pv-run=\($pv.metadata.labels["pxclone.io/run"]) pv-role=\($pv.metadata.labels["pxclone.io/role"]) volume-run=\($volume.labels["pxclone.io/run"]) volume-source=\($volume.labels["pxclone.io/source"])"]
    | sort | .[]')
expect_equal "staging PVs" "mongo-data-mongo-0 Retain claim=mongo-data-mongo-0 pv-run=r1 pv-role=staging volume-run=r1 volume-source=prod/mongo-data-mongo-0
mongo-data-mongo-1 Retain claim=mongo-data-mongo-1 pv-run=r1 pv-role=staging volume-run=r1 volume-source=prod/mongo-data-mongo-1" "$got"
# A re-run finds them labelled: no second write.
request_mark
px_run deploy-staging -p "$profile" --run r1 --snapshot s1 -q
expect_exit 0
expect_equal "re-run writes to PVs and volumes" "" \
    "$(request_lines_since_mark mutating | grep -E 'persistentvolumes/|/v1/volumes/' || true)"

px_run teardown -p "$profile" --run r1 -o json
expect_exit 0
expect_json '[.deleted[] | .kind] | map(select(. == "PersistentVolume" or . == "PortworxVolume")) | join(",")' \
    "PersistentVolume,PersistentVolume,PortworxVolume,PortworxVolume"
state=$(sim_get /_sim/state)
expect_equal "labelled objects of run r1" "" "$(jq -r '
    [(.kubernetes[][] | select(.metadata.labels["pxclone.io/run"] == "r1") | "\(.kind) \(.metadata.name)"),
     (.portworx[] | select(.labels["pxclone.io/run"] == "r1") | "portworx \(.volume.id)")] | .[]' <<<"$state")"
expect_equal "PVs not of prod" "" "$(jq -r '[.kubernetes["v1/persistentvolumes"][] | select(.spec.claimRef.namespace != "prod") | .metadata.name] | .[]' <<<"$state")"
expect_equal "Portworx volumes" "$volumes_before" "$(jq -c '[.portworx[] | .volume.id] | sort' <<<"$state")"
e2e_done
