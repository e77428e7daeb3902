#!/usr/bin/env bash
# The demo: builds pxclone and pxsim (Release), starts pxsim with a production MongoDB in namespace
# `prod` and a realistic latency model, and runs the example pipeline against it:
#   snapshot → deploy-staging → list → restore → teardown
# It stops pxsim at the end and leaves nothing behind outside build/release/demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target pxclone pxsim

build=build/release
work=$build/demo
rm -rf "$work" && mkdir -p "$work"

# pxsim: the Kubernetes API and the Portworx SDK gateway on one loopback port.
"$build/tests/sim/pxsim" --port 0 --state tests/sim/fixtures/prod-mongo.yaml \
    --source-namespace prod --kubeconfig-out "$work/kubeconfig" --log "$work/requests.log" \
    --latency "snapshot=1s,clone=500ms,pvc-bind=300ms,rollout=2s,job=1s,ns-delete=500ms,request=2ms" \
    >"$work/pxsim.out" 2>"$work/pxsim.err" &
sim=$!
trap 'kill "$sim" 2>/dev/null || true; wait "$sim" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    grep -q "listening on" "$work/pxsim.out" 2>/dev/null && break
    sleep 0.1
done
url=$(sed -n 's/^pxsim listening on //p' "$work/pxsim.out")
echo "== pxsim listening on $url (production: namespace prod, MongoDB with 3 volumes)"

export ECR_REPO=${ECR_REPO:-registry.example.com/orders}
pxclone() {
    echo "\$ pxclone $*"
    "$build/pxclone" -p examples/mongodb/pxclone.yaml --kubeconfig "$work/kubeconfig" \
        --context pxsim --run demo "$@"
}

echo "== 1. snapshot the production volumes (the example's hooks call kubectl exec, which pxsim"
echo "      does not serve, so the demo skips them)"
pxclone snapshot --skip-hooks
echo
echo "== 2. deploy a staging environment from that set: namespace, cloned volumes, MongoDB,"
echo "      the masking job, then the app (the variables a CI job would export):"
pxclone deploy-staging -o env
echo
echo "== 3. list what pxclone has in the cluster"
pxclone list
echo
# What a test suite would do to the staging copy: pxsim models each volume's data as a string.
staging_volume() {
    curl -s "$url/_sim/state" | jq -r '.kubernetes["v1/persistentvolumes"][]
        | select(.spec.claimRef.namespace == "orders-stg-demo"
                 and .spec.claimRef.name == "mongo-data-mongo-0")
        | .spec.csi.volumeHandle // .spec.portworxVolume.volumeID'
}
volume_data() {
    curl -s "$url/_sim/state" | jq -r --arg id "$1" '.portworx[] | select(.volume.id == $id)
        | .sim_data // "(the data cloned from production)"'
}
clone=$(staging_volume)
curl -s -X PUT --data "rows a test suite changed" "$url/_sim/volume-data/$clone" >/dev/null
echo "== 4. a test suite changed the staging data: mongo-data-mongo-0 holds '$(volume_data "$clone")'"
echo "      roll every staging volume back to the masked copy deploy-staging made (between suites):"
pxclone restore --all
echo "      mongo-data-mongo-0 holds '$(volume_data "$clone")' again"
echo
echo "== 5. tear down the run: the environment and its snapshot set"
pxclone teardown --snapshots
echo
violations=$(curl -s "$url/_sim/violations")
echo "== production writes recorded by pxsim: $violations"
[ "$violations" = "[]" ]
