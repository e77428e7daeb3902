#!/usr/bin/env bash
# `pxclone rbac` for a profile that stages in a cluster of its own (issue 19): each cluster gets
# only what the commands send to it. pxsim A (production) and B (staging) each authorize a
# ServiceAccount ci/pxclone by the RBAC objects of `pxclone rbac`'s part for that cluster alone.
# Then, as those ServiceAccounts: validate --online passes both access checks (access on A,
# staging-access on B); snapshot on A; deploy-staging and teardown --run on B with a kubeconfig
# that names B alone (no 403, nothing sent to A); list on both; teardown --snapshots on A. Every
# Kubernetes request of each cluster is among the permissions its access check asked about; B's
# ServiceAccount holds nothing in a namespace prod and A's cannot make a namespace.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"

readonly SA_TOKEN_A="pxsim-e2e-sa-token-a-5e61b0d2"
readonly SA_TOKEN_B="pxsim-e2e-sa-token-b-7c08f3a9"
readonly SA_USER='system:serviceaccount:ci:pxclone'
profile=$E2E_PROFILES/cross-cluster-rbac.yaml

# 1. pxclone rbac (it contacts no cluster): one part per cluster, each labelled with it.
"$E2E_PXCLONE" rbac -p "$profile" -o json >"$E2E_TMP/rbac.json" || e2e_fail "pxclone rbac failed"
# (The profile names no source context: the kubeconfig's current one.)
expect_equal "rbac -o json: the clusters" "source=
staging=pxsim-b" "$(jq -r '.clusters[] | "\(.cluster)=\(.context)"' "$E2E_TMP/rbac.json")"
expect_equal "objects not labelled with their cluster" "" "$(jq -r '.clusters[] | .cluster as $c
    | .list.items[] | select(.metadata.labels["pxclone.io/cluster"] != $c) | .metadata.name' "$E2E_TMP/rbac.json")"
"$E2E_PXCLONE" rbac -p "$profile" >"$E2E_TMP/rbac.yaml" || e2e_fail "pxclone rbac (yaml) failed"
expect_equal "rbac's cluster headers" "# For the source cluster only: every object below, up to the next such header, is labelled pxclone.io/cluster=source.
# For the staging cluster (context pxsim-b) only: every object below, up to the next such header, is labelled pxclone.io/cluster=staging." \
    "$(grep '^# For the ' "$E2E_TMP/rbac.yaml")"
# The staging cluster's part grants nothing in the source namespace (its Role in kube-system is
# for its own Portworx's service proxy); the source cluster's nothing for the staging
# environments.
expect_equal "staging-cluster objects in namespace prod" "" "$(jq -r '.clusters[]
    | select(.cluster == "staging") | .list.items[] | select(.metadata.namespace == "prod")
    | .metadata.name' "$E2E_TMP/rbac.json")"
expect_equal "source-cluster rules that make namespaces, PVCs or bindings" "" "$(jq -r '.clusters[]
    | select(.cluster == "source") | .list.items[] | select(.rules) | .rules[]
    | select(.resources[0] == "namespaces" or .resources[0] == "persistentvolumeclaims"
             or .resources[0] == "rolebindings")
    | select(.verbs | index("create")) | .resources[0]' "$E2E_TMP/rbac.json")"
# --cluster staging prints that part alone, as a List kubectl applies.
"$E2E_PXCLONE" rbac -p "$profile" --cluster staging -o json >"$E2E_TMP/rbac-staging.json" ||
    e2e_fail "pxclone rbac --cluster staging failed"
expect_equal "rbac --cluster staging is the staging part" \
    "$(jq -c '.clusters[] | select(.cluster == "staging") | .list' "$E2E_TMP/rbac.json")" \
    "$(jq -c . "$E2E_TMP/rbac-staging.json")"

# start_clusters RBAC_JSON: pxsim A and B, each seeded with its part of RBAC_JSON and its
# ServiceAccount ci/pxclone (sa_start, sa_b_start: sa.yaml names both clusters, sa-b.yaml B
# alone), and the credential s3-e2e on each, as an administrator would make it.
start_clusters() {
    sa_state "$1" source >"$E2E_TMP/rbac-a.yaml"
    sa_state "$1" staging >"$E2E_TMP/rbac-b.yaml"
    sa_start "$SA_TOKEN_A" "$E2E_TMP/rbac-a.yaml" "${E2E_CLUSTER_A[@]}"
    sa_b_start "$SA_TOKEN_B" "$E2E_TMP/rbac-b.yaml"
    add_credential_both SECRET-e2e-rbac
    sim_get /_sim/state >"$E2E_TMP/state-before.json" # the credentials are the admin's, not pxclone's
    sim_b_get /_sim/state >"$E2E_TMP/state-before-b.json"
}
start_clusters "$E2E_TMP/rbac.json"

# forbidden_answers LOG: how many of the requests in LOG pxsim refused with 403.
forbidden_answers() {
    jq -s '[.[] | select(.status == 403)] | length' "$1"
}

# 2. validate --online: each cluster asked what the commands need of it.
as_sa_of "$E2E_TMP/sa.yaml" validate --online -p "$profile" --run d1 -o json
expect_exit 0
expect_json '[.checks[] | select(.name == "access" or .name == "staging-access")
    | "\(.name)=\(.result)"] | join(" ")' "access=ok staging-access=ok"
json_out '[.checks[] | select(.name == "access")][0].permissions' >"$E2E_TMP/permissions-a.json"
json_out '[.checks[] | select(.name == "staging-access")][0].permissions' >"$E2E_TMP/permissions-b.json"
expect_equal "staging-access: permissions in namespace prod" "" \
    "$(jq -r '.[] | select(.namespace == "prod") | .verb + " " + .resource' "$E2E_TMP/permissions-b.json")"
expect_equal "access: permissions of deploy-staging" "" \
    "$(jq -r '.[] | select(.neededBy | index("deploy-staging")) | .verb + " " + .resource' "$E2E_TMP/permissions-a.json")"

# 3. The pipeline as the ServiceAccounts: snapshot on A; deploy-staging and teardown --run on B
# with B's kubeconfig alone; list of both; teardown --snapshots on A.
as_sa_of "$E2E_TMP/sa.yaml" snapshot -p "$profile" --run s1 --skip-hooks -o json
expect_exit 0
expect_json '.snapshots | length' 2
request_mark
as_sa_of "$E2E_TMP/sa-b.yaml" deploy-staging -p "$profile" --run d1 -o json
expect_exit 0
expect_json '.namespace' orders-stg-d1
expect_equal "requests from pxclone to A during deploy-staging" "" "$(request_lines_since_mark all)"
expect_equal "B's workloads ready" "deployment reports 2
statefulset mongo 1" "$(sim_b_get /_sim/state | jq -r '
    [.kubernetes["apps/v1/deployments"][] | select(.metadata.namespace == "orders-stg-d1")
     | "deployment \(.metadata.name) \(.status.availableReplicas)"]
    + [.kubernetes["apps/v1/statefulsets"][] | select(.metadata.namespace == "orders-stg-d1")
     | "statefulset \(.metadata.name) \(.status.readyReplicas)"] | .[]')"
as_sa_of "$E2E_TMP/sa.yaml" list -p "$profile" -o json
expect_exit 0
expect_json '[.items[] | select(.kind == "StagingEnvironment") | "\(.run) \(.snapshotSet) \(.state)"] | join(",")' \
    "d1 s1 ready"
expect_json '[.items[] | select(.kind == "SnapshotSet") | "\(.snapshotSet) \(.state)"] | join(",")' \
    "s1 complete"
request_mark
as_sa_of "$E2E_TMP/sa-b.yaml" teardown -p "$profile" --run d1
expect_exit 0
expect_out_contains "namespace/orders-stg-d1 deleted"
expect_equal "requests from pxclone to A during teardown --run" "" "$(request_lines_since_mark all)"
as_sa_of "$E2E_TMP/sa.yaml" teardown -p "$profile" --run s1 --snapshots
expect_exit 0
expect_equal "pxclone's snapshots in A" "" "$(sim_owned_snapshots)"
expect_equal "the bucket after teardown --snapshots" "" "$(bucket_backups)"
expect_equal "requests pxsim A refused" 0 "$(forbidden_answers "$E2E_SIM_LOG")"
expect_equal "requests pxsim B refused" 0 "$(forbidden_answers "$E2E_SIM_B_LOG")"

# 4. Each cluster's Kubernetes requests are among the permissions its access check asked about.
# uncovered LOG PERMISSIONS: pxclone's requests in LOG that none of PERMISSIONS allows.
uncovered() {
    E2E_SIM_LOG=$1 sim_jq 'pxclone_requests | map(rbac)
        | map(select(.resource != "events" and (covered($permissions) | not))
              | select(.resource != "selfsubjectaccessreviews")) | unique
        | map("\(.verb) \(.group)/\(.resource)/\(.subresource) ns=\(.namespace) name=\(.name)") | .[]' \
        --argjson permissions "$(cat "$2")"
}
expect_equal "A's requests not among access's permissions" "" \
    "$(uncovered "$E2E_SIM_LOG" "$E2E_TMP/permissions-a.json")"
expect_equal "B's requests not among staging-access's permissions" "" \
    "$(uncovered "$E2E_SIM_B_LOG" "$E2E_TMP/permissions-b.json")"
checked=$(E2E_SIM_LOG=$E2E_SIM_B_LOG sim_jq 'pxclone_requests | map(rbac) | length')
[[ $checked -gt 30 ]] || e2e_fail "only $checked Kubernetes requests of B were checked"

# 5. Neither ServiceAccount holds the other cluster's part: B's reads nothing in a namespace prod,
# A's makes no namespace.
denied=$(curl -sS --max-time 20 -H "Authorization: Bearer $SA_TOKEN_B" \
    "$SIM_B_URL/api/v1/namespaces/prod/persistentvolumeclaims")
expect_equal "B's ServiceAccount listing PVCs in prod" \
    "persistentvolumeclaims is forbidden: User \"$SA_USER\" cannot list resource \"persistentvolumeclaims\" in API group \"\" in the namespace \"prod\"" \
    "$(jq -r .message <<<"$denied")"
denied=$(curl -sS --max-time 20 -X POST -H "Authorization: Bearer $SA_TOKEN_A" \
    -H 'Content-Type: application/json' --data '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"x"}}' \
    "$SIM_URL/api/v1/namespaces?fieldManager=e2e-admin")
expect_equal "A's ServiceAccount creating a namespace" \
    "namespaces is forbidden: User \"$SA_USER\" cannot create resource \"namespaces\" in API group \"\" at the cluster scope" \
    "$(jq -r .message <<<"$denied")"

# 6. method csi: the staging cluster holds no source namespace, so B's part of `pxclone rbac`
# grants nothing in prod and pxclone reads nothing there on B (exec::staging_scope): the runs'
# completion (which lists sets on B's side too), deploy-staging from the set's cloud backups
# (their metadata carry the csi snapshots' lineage annotations: the source B finds a set by),
# restore to the baseline and to a newer set, teardown --run and list, as the ServiceAccounts
# of both clusters' parts for the csi profile, with no 403 and every B request among
# staging-access's permissions.
csi_profile=$E2E_PROFILES/cross-cluster-rbac-csi.yaml
"$E2E_PXCLONE" rbac -p "$csi_profile" -o json >"$E2E_TMP/rbac-csi.json" ||
    e2e_fail "pxclone rbac (csi) failed"
expect_equal "csi: staging-cluster objects in namespace prod" "" "$(jq -r '.clusters[]
    | select(.cluster == "staging") | .list.items[] | select(.metadata.namespace == "prod")
    | .metadata.name' "$E2E_TMP/rbac-csi.json")"
expect_equal "csi: the staging cluster's rules for volumesnapshots" "volumesnapshots" \
    "$(jq -r '[.clusters[] | select(.cluster == "staging") | .list.items[] | select(.rules)
    | .rules[] | .resources[] | select(. == "volumesnapshots")] | unique | .[]' "$E2E_TMP/rbac-csi.json")"
start_clusters "$E2E_TMP/rbac-csi.json"
as_sa_of "$E2E_TMP/sa.yaml" validate --online -p "$csi_profile" --run d1 -o json
expect_exit 0
expect_json '[.checks[] | select(.name == "access" or .name == "staging-access")
    | "\(.name)=\(.result)"] | join(" ")' "access=ok staging-access=ok"
json_out '[.checks[] | select(.name == "staging-access")][0].permissions' >"$E2E_TMP/permissions-b-csi.json"
as_sa_of "$E2E_TMP/sa.yaml" snapshot -p "$csi_profile" --run s2 --skip-hooks -o json
expect_exit 0
expect_equal "csi: the set's VolumeSnapshots in A" "2" "$(sim_owned_volume_snapshots | wc -l)"
as_sa_of "$E2E_TMP/sa-b.yaml" __complete runs -p "$csi_profile"
expect_exit 0
as_sa_of "$E2E_TMP/sa-b.yaml" deploy-staging -p "$csi_profile" --run d1 -o json
expect_exit 0
expect_json '.namespace' orders-stg-d1
expect_equal "csi: B's staging PVCs, bound" "mongo-data-mongo-0 Bound
mongo-data-mongo-1 Bound" "$(sim_b_get /_sim/state | jq -r '
    .kubernetes["v1/persistentvolumeclaims"][] | select(.metadata.namespace == "orders-stg-d1")
    | "\(.metadata.name) \(.status.phase)"' | sort)"
# restore in B: back to the baseline (B's own snapshot), then to a newer set s3 from its backups.
as_sa_of "$E2E_TMP/sa-b.yaml" restore -p "$csi_profile" --run d1 --pvc mongo-data-mongo-1 -o json
expect_exit 0
expect_json '.mode + " " + ([.volumes[] | .pvc] | join(","))' "inPlace mongo-data-mongo-1"
as_sa_of "$E2E_TMP/sa.yaml" snapshot -p "$csi_profile" --run s3 --skip-hooks -o json
expect_exit 0
as_sa_of "$E2E_TMP/sa-b.yaml" restore -p "$csi_profile" --run d1 --all --snapshot s3 -o json
expect_exit 0
expect_json '[.swaps[] | .pvc] | join(",")' "mongo-data-mongo-0,mongo-data-mongo-1"
as_sa_of "$E2E_TMP/sa-b.yaml" teardown -p "$csi_profile" --run d1
expect_exit 0
as_sa_of "$E2E_TMP/sa.yaml" list -p "$csi_profile" -o json
expect_exit 0
expect_json '[.items[] | select(.kind == "SnapshotSet") | "\(.snapshotSet) \(.state)"] | join(",")' \
    "s3 complete,s2 complete"
expect_equal "csi: requests pxsim A refused" 0 "$(forbidden_answers "$E2E_SIM_LOG")"
expect_equal "csi: requests pxsim B refused" 0 "$(forbidden_answers "$E2E_SIM_B_LOG")"
expect_equal "csi: B's requests in namespace prod" "" "$(E2E_SIM_LOG=$E2E_SIM_B_LOG sim_jq '
    pxclone_requests | map(rbac) | map(select(.namespace == "prod")) | unique
    | map("\(.verb) \(.resource)") | .[]')"
expect_equal "csi: B's requests not among staging-access's permissions" "" \
    "$(uncovered "$E2E_SIM_B_LOG" "$E2E_TMP/permissions-b-csi.json")"

if grep -rqF SECRET-e2e-rbac "$E2E_TMP"/run-*; then
    e2e_fail "a credential's secret key is in pxclone's output"
fi
e2e_done
