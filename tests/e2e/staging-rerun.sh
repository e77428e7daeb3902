#!/usr/bin/env bash
# Re-running deploy-staging for the same --run continues instead of starting again: it finds its
# namespace, clones, PVs and PVCs by their labels and creates nothing a second time (no POST at
# all: Portworx clones are looked up before Clone is called); it applies the manifests again
# (server-side apply is idempotent) and reports the same clones. A run that stopped after its
# volumes (killed) is completed the same way.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
# The killed run's second PVC create is held 3 s at the server, so the SIGKILL sent on its first
# always lands while the run is alive (without it a fast run could finish before the signal).
sim_start --faults 'slow=3s,POST /api/v1/namespaces/orders-stg-e2e-killed/persistentvolumeclaims#2=slow'
profile=$E2E_PROFILES/staging-portworx.yaml

# The creates pxsim carried out after the mark (a POST answered 2xx), as "POST path" lines.
created_since_mark() {
    sim_jq '.[$mark:] | pxclone_requests[] | select(mutating and .method == "POST" and .status < 300)
            | "POST \(uuid_free_path)"' --argjson mark "$E2E_MARK"
}

px_run snapshot -p "$profile" --run e2e-set -q
expect_exit 0
px_run deploy-staging -p "$profile" --run e2e-again -o json
expect_exit 0
first=$(json_out '[.volumes[].cloneId] | join(",")')

request_mark
px_run deploy-staging -p "$profile" --run e2e-again -o json
expect_exit 0
expect_json '[.volumes[].cloneId] | join(",")' "$first"
expect_equal "objects created by the second run" "" "$(created_since_mark)"
expect_equal "Portworx clone calls in the second run" "" \
    "$(request_lines_since_mark mutating | grep -F /v1/volumes/clone || true)"
expect_equal "deletes and updates in the second run" "" \
    "$(request_lines_since_mark mutating | grep -E '^(PUT|DELETE) ' || true)"
expect_equal "clones of the run" 3 "$(sim_get /_sim/state |
    jq '[.portworx[] | select(.labels["pxclone.io/run"] == "e2e-again" and .labels["pxclone.io/role"] == "staging")] | length')"

# A run killed once its PVCs were made: the re-run creates only what is missing.
request_mark
px_start deploy-staging -p "$profile" --run e2e-killed --parallel 1
signal_at_request KILL '^POST /api/v1/namespaces/orders-stg-e2e-killed/persistentvolumeclaims$'
px_wait
expect_exit 137
created_before=$(created_since_mark)
request_mark
px_run deploy-staging -p "$profile" --run e2e-killed --parallel 1
expect_exit 0
created_after=$(created_since_mark)
# Over both runs every object was created exactly once.
expect_equal "creates over both runs" "POST /api/v1/namespaces
POST /api/v1/namespaces/kube-system/services/portworx-api:9021/proxy/v1/volumes/clone x3
POST /api/v1/namespaces/kube-system/services/portworx-api:9021/proxy/v1/volumes/snapshots x3
POST /api/v1/namespaces/orders-stg-e2e-killed/configmaps
POST /api/v1/namespaces/orders-stg-e2e-killed/persistentvolumeclaims x3
POST /api/v1/persistentvolumes x3
POST /apis/batch/v1/namespaces/orders-stg-e2e-killed/jobs" \
    "$(printf '%s\n%s\n' "$created_before" "$created_after" | sed '/^$/d' | sort | uniq -c |
        awk '{print $2 " " $3 ($1 > 1 ? " x" $1 : "")}')"
e2e_done
