#!/usr/bin/env bash
# staging.pool (issue 21): an admin creates two namespaces in advance, labelled
# pxclone.io/pool=ci-pool, with pxclone rbac's staging ClusterRole bound in each to the
# ServiceAccount pxclone runs as (which holds no namespace create or delete). Two runs claim the
# two namespaces; a third finds none free (exit 3, one line naming the pool). Tearing one run
# down deletes what it made inside its namespace, keeps the namespace (and the admin's labels and
# RoleBinding) and releases it; the next run claims it. A deploy interrupted after its claim is
# finished by the next teardown. Production is never written (expect_invariants, at e2e_done).
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"

readonly SA_TOKEN="pxsim-e2e-sa-token-5d31a0f2"
profile=$E2E_PROFILES/pool-portworx.yaml

# ns_json NAME: the namespace as pxsim holds it (the admin's read).
ns_json() {
    curl -sS --max-time 20 -H "Authorization: Bearer $E2E_TOKEN" "$SIM_URL/api/v1/namespaces/$1"
}
# owned_in NS RUN: how many Deployments, PVCs and Jobs in NS carry run RUN's label.
owned_in() {
    local total=0 kind count
    for kind in apis/apps/v1/namespaces/$1/deployments api/v1/namespaces/$1/persistentvolumeclaims \
        apis/batch/v1/namespaces/$1/jobs; do
        count=$(curl -sS --max-time 20 -H "Authorization: Bearer $E2E_TOKEN" \
            "$SIM_URL/$kind?labelSelector=pxclone.io%2Frun%3D$2" | jq '.items | length')
        total=$((total + count))
    done
    echo "$total"
}

# 1. The admin's setup: pxclone rbac's output (no namespace create/delete in it), the two pool
# namespaces with the staging ClusterRole bound in each.
"$E2E_PXCLONE" rbac -p "$profile" --service-account ci/pxclone -o json >"$E2E_TMP/rbac.json" ||
    e2e_fail "pxclone rbac failed"
[[ $(jq '[.items[] | select(.kind == "ClusterRole") | .rules[]
          | select(.resources | index("namespaces")) | .verbs[]
          | select(. == "create" or . == "delete")] | length' "$E2E_TMP/rbac.json") == 0 ]] ||
    e2e_fail "pxclone rbac grants namespace create/delete to a pool profile"
staging_role=$(jq -r '.items[] | select(.kind == "ClusterRole" and (.metadata.name | endswith("-staging")))
                      | .metadata.name' "$E2E_TMP/rbac.json")
[[ $staging_role == pxclone-orders-staging ]] || e2e_fail "no staging ClusterRole: '$staging_role'"
{
    sa_state "$E2E_TMP/rbac.json"
    for ns in pool-a pool-b; do
        echo '---'
        echo "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"$ns\",\"labels\":{\"pxclone.io/pool\":\"ci-pool\",\"team\":\"payments\"},\"annotations\":{\"owner\":\"platform\"}}}"
        echo '---'
        echo "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"RoleBinding\",\"metadata\":{\"name\":\"pxclone\",\"namespace\":\"$ns\"},\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"ClusterRole\",\"name\":\"$staging_role\"},\"subjects\":[{\"kind\":\"ServiceAccount\",\"name\":\"pxclone\",\"namespace\":\"ci\"}]}"
    done
} >"$E2E_TMP/pool-state.yaml"
sa_start "$SA_TOKEN" "$E2E_TMP/pool-state.yaml"

# 2. validate --online sees the free namespaces; two runs claim the two namespaces, by name.
as_sa validate --online -p "$profile" --run r1
expect_exit 0
expect_out_contains "pool ci-pool: 2 of 2 namespaces free"
as_sa snapshot -p "$profile" --run s1 --skip-hooks -q
expect_exit 0
as_sa deploy-staging -p "$profile" --run r1 --snapshot s1 -o json
expect_exit 0
expect_json .namespace pool-a
as_sa deploy-staging -p "$profile" --run r2 --snapshot s1 -o json
expect_exit 0
expect_json .namespace pool-b
# A re-run of r1 continues in the namespace it claimed.
as_sa deploy-staging -p "$profile" --run r1 --snapshot s1 -o json
expect_exit 0
expect_json .namespace pool-a

# 3. A third run finds none free: exit 3, one line naming the pool; nothing is made.
request_mark
as_sa deploy-staging -p "$profile" --run r3 --snapshot s1 -q
expect_exit 3
expect_err_contains "pxclone: error: no free namespace in pool ci-pool (2 namespaces labelled pxclone.io/pool=ci-pool, none free)"
expect_no_mutations_since_mark

# 4. list shows the environments as pooled.
as_sa list -p "$profile" -o json
expect_exit 0
expect_json '[.items[] | select(.kind == "StagingEnvironment") | "\(.run)=\(.namespace)/\(.pool)"] | sort | join(",")' \
    "r1=pool-a/ci-pool,r2=pool-b/ci-pool"
as_sa list -p "$profile"
expect_exit 0
expect_out_contains "pool-a (pool ci-pool)"

# 5. Teardown of r1: its objects in pool-a are gone, pool-a stays with the admin's labels,
# annotations and RoleBinding, without pxclone's.
as_sa teardown -p "$profile" --run r1
expect_exit 0
expect_out_contains "namespace pool-a released to pool ci-pool"
pool_a=$(ns_json pool-a)
expect_equal "pool-a still exists" Namespace "$(jq -r .kind <<<"$pool_a")"
expect_equal "pool-a's labels" '{"kubernetes.io/metadata.name":"pool-a","pxclone.io/pool":"ci-pool","team":"payments"}' \
    "$(jq -cS .metadata.labels <<<"$pool_a")"
expect_equal "pool-a's annotations" '{"owner":"platform"}' "$(jq -cS '.metadata.annotations // {}' <<<"$pool_a")"
expect_equal "r1's objects left in pool-a" 0 "$(owned_in pool-a r1)"
binding=$(curl -sS --max-time 20 -H "Authorization: Bearer $E2E_TOKEN" \
    "$SIM_URL/apis/rbac.authorization.k8s.io/v1/namespaces/pool-a/rolebindings/pxclone" | jq -r .kind)
expect_equal "the admin's RoleBinding in pool-a" RoleBinding "$binding"
# No DELETE of a namespace was sent.
expect_equal "namespace DELETEs" 0 \
    "$(sim_jq '[pxclone_requests[] | select(.method == "DELETE" and (.path | test("^/api/v1/namespaces/[^/]+$")))] | length')"
# A second teardown has nothing left to do.
as_sa teardown -p "$profile" --run r1
expect_exit 0
expect_out_contains "nothing to delete"

# 6. The next run claims the released namespace.
as_sa deploy-staging -p "$profile" --run r3 --snapshot s1 -o json
expect_exit 0
expect_json .namespace pool-a

# 7. Both released; pool-b too, so the pool is whole again.
as_sa teardown -p "$profile" --run r2 -o json
expect_exit 0
expect_json '.released | join(",")' pool-b
as_sa teardown -p "$profile" --run r3 -q
expect_exit 0
as_sa validate --online -p "$profile" --run r4
expect_exit 0
expect_out_contains "pool ci-pool: 2 of 2 namespaces free"

# 8. A deploy interrupted once a PVC exists in the namespace it claimed: list shows the run in
# its pool namespace, partial; the next teardown deletes what it made there and releases it.
request_mark
px_start deploy-staging -p "$profile" --run r5 --snapshot s1 -q
signal_at_request TERM '^POST /api/v1/namespaces/pool-a/persistentvolumeclaims$'
px_wait
expect_exit 130
as_sa list -p "$profile" -o json
expect_exit 0
expect_json '[.items[] | select(.kind == "StagingEnvironment") | "\(.run)=\(.namespace)/\(.pool)/\(.state)"] | join(",")' \
    "r5=pool-a/ci-pool/partial"
as_sa teardown -p "$profile" --run r5
expect_exit 0
expect_out_contains "namespace pool-a released to pool ci-pool"
expect_equal "pool-a's labels after r5" '{"kubernetes.io/metadata.name":"pool-a","pxclone.io/pool":"ci-pool","team":"payments"}' \
    "$(ns_json pool-a | jq -cS .metadata.labels)"
expect_equal "r5's objects left in pool-a" 0 "$(owned_in pool-a r5)"
e2e_done
