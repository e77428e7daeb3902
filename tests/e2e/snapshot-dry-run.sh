#!/usr/bin/env bash
# snapshot --dry-run, both methods: prints the exact create requests (one whole line each, the
# body carrying pxclone's labels) between "RUN" lines naming the hooks, sends no mutating
# request, runs no hook, leaves no snapshot.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
sim_start

# plan_lines PREFIX JQ: checks every stdout line but the hooks' is PREFIX followed by a JSON body
# and prints JQ of each body, sorted (the backend prints from parallel workers, in any order).
plan_lines() {
    local prefix=$1 filter=$2 line
    while IFS= read -r line; do
        [[ $line != "RUN "* ]] || continue
        [[ $line == "$prefix "* ]] || e2e_fail "dry-run line is not '$prefix {body}': $line"
        jq -r --argjson keys "$E2E_OWNERSHIP_KEYS" "$E2E_JQ_DEFS $filter" <<<"${line#"$prefix "}" ||
            e2e_fail "dry-run line's body is not JSON: $line"
    done <"$PX_OUT" | sort
}

px_run snapshot -p "$E2E_PROFILES/names-portworx.yaml" --run e2e-dry --dry-run
expect_exit 0
expect_equal "portworx plan" "1100000000000000000 orders-e2e-dry-mongo-data-mongo-0 prod/mongo-data-mongo-0 owned=true
1100000000000007919 orders-e2e-dry-mongo-data-mongo-1 prod/mongo-data-mongo-1 owned=true
1100000000000015838 orders-e2e-dry-mongo-data-mongo-2 prod/mongo-data-mongo-2 owned=true" \
    "$(plan_lines "POST /v1/volumes/snapshots" \
        '"\(.volume_id) \(.name) \(.labels["pxclone.io/source"]) owned=\(.labels | owned($keys))"')"
expect_err_contains "snapshot set e2e-dry: 3 volumes of prod (3 to create)"
expect_no_mutations
expect_equal "hooks named, first and last" "RUN $E2E_DIR/hooks/record pre
RUN $E2E_DIR/hooks/record post" "$(sed -n '1p;$p' "$PX_OUT")"
expect_equal "hook log" "" "$(hook_log)"
expect_equal "owned snapshots" "" "$(sim_owned_snapshots)"

px_run snapshot -p "$E2E_PROFILES/names-csi.yaml" --run e2e-dry --dry-run
expect_exit 0
expect_equal "csi plan" "prod/orders-e2e-dry-mongo-data-mongo-0 pvc=mongo-data-mongo-0 class=px-csi-snapclass owned=true
prod/orders-e2e-dry-mongo-data-mongo-1 pvc=mongo-data-mongo-1 class=px-csi-snapclass owned=true
prod/orders-e2e-dry-mongo-data-mongo-2 pvc=mongo-data-mongo-2 class=px-csi-snapclass owned=true" \
    "$(plan_lines "POST /apis/snapshot.storage.k8s.io/v1/namespaces/prod/volumesnapshots" \
        '"\(.metadata.namespace)/\(.metadata.name) pvc=\(.spec.source.persistentVolumeClaimName) class=\(.spec.volumeSnapshotClassName) owned=\(.metadata.labels | owned($keys))"')"
expect_no_mutations
expect_equal "hook log" "" "$(hook_log)"
expect_equal "owned VolumeSnapshots" "" "$(sim_owned_volume_snapshots)"
e2e_done
