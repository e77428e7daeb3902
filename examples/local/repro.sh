#!/usr/bin/env bash
# A developer's private copy of production's orders database, masked, in a namespace of its own
# that expires after REPRO_TTL (default 8h) — for reproducing a production bug on a laptop.
#
#   examples/local/repro.sh up ORD-1234     snapshot prod, deploy the copy, show how to reach it
#   examples/local/repro.sh plan ORD-1234   what `up` would create, without changing anything
#   examples/local/repro.sh down ORD-1234   delete the copy and its snapshots now
#   examples/local/repro.sh list            every copy of this profile, with its expiry
#
# The run id is personal (dev-$USER-TICKET), so two developers never share or delete each other's
# copies, and re-running `up` continues where it stopped. Set PXCLONE_CONTEXT for another
# kubeconfig context (default prod-eks; EKS contexts authenticate with `aws eks get-token`).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
profile=$here/pxclone.yaml
action=${1:-}
ticket=${2:-scratch}
export REPRO_TTL=${REPRO_TTL:-8h}
context=${PXCLONE_CONTEXT:-prod-eks}
# Label-safe: lower case letters, digits and '-'.
run=$(printf 'dev-%s-%s' "${USER:-me}" "$ticket" | tr '[:upper:]' '[:lower:]' | tr -c 'a-z0-9-' '-')
run=${run:0:40}

px() {
    pxclone -p "$profile" --context "$context" --run "$run" "$@"
}

case $action in
    up)
        px validate
        # Reuse this run's set when it is already there (a second `up`), else take one.
        if ! px list -o name | grep -qx "snapshot-set/$run"; then
            px snapshot
        fi
        px deploy-staging --snapshot "$run" -o env >"$here/.repro-$run.env"
        # shellcheck disable=SC1090 # written just above by pxclone -o env
        . "$here/.repro-$run.env"
        cat <<TEXT

Your copy is ready in namespace $PXCLONE_NAMESPACE (run $run, expires in $REPRO_TTL).
  kubectl --context $context -n $PXCLONE_NAMESPACE port-forward svc/mongo 27017:27017
  mongosh mongodb://localhost:27017/orders
Remove it sooner with: $0 down $ticket
TEXT
        ;;
    plan)
        px validate -o yaml
        px snapshot --dry-run
        ;;
    down)
        px teardown --snapshots
        rm -f "$here/.repro-$run.env"
        ;;
    list)
        px list
        ;;
    *)
        sed -n '2,12p' "$0" >&2
        exit 2
        ;;
esac
