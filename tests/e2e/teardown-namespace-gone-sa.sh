#!/usr/bin/env bash
# A staging namespace deleted out of band (by an admin) while its PVs and Portworx clones remain,
# under staging.role_binding: the namespace took pxclone's RoleBinding along, so the
# ServiceAccount bound to `pxclone rbac`'s output may read nothing in it any more. list still
# shows the run (its volumes) and exits 0, and `teardown --run` removes the PVs and clones and
# exits 0 without reading in the gone namespace (no 403).
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"

readonly SA_TOKEN="pxsim-e2e-sa-token-0c7d42e9"
profile=$E2E_PROFILES/restore-portworx-bound.yaml

"$E2E_PXCLONE" rbac -p "$profile" --service-account ci/pxclone -o json >"$E2E_TMP/rbac.json" ||
    e2e_fail "pxclone rbac failed"
sa_state "$E2E_TMP/rbac.json" >"$E2E_TMP/rbac-state.yaml"
sa_start "$SA_TOKEN" "$E2E_TMP/rbac-state.yaml"

as_sa snapshot -p "$profile" --run s1 --skip-hooks -q
expect_exit 0
as_sa deploy-staging -p "$profile" --run r1 --snapshot s1 -q
expect_exit 0

# The admin deletes the staging namespace (field manager e2e-admin: not pxclone's request); its
# PVs (Retain, static) and the Portworx clones stay.
curl -sS --max-time 20 -X DELETE -H "Authorization: Bearer $E2E_TOKEN" \
    "$SIM_URL/api/v1/namespaces/orders-stg-r1?fieldManager=e2e-admin" >/dev/null ||
    e2e_fail "the admin's DELETE failed"
await_sim_state "orders-stg-r1 gone" \
    '[.kubernetes["v1/namespaces"][] | select(.metadata.name == "orders-stg-r1")] | length' 0
left=$(sim_get /_sim/state | jq -r '
    [(.kubernetes["v1/persistentvolumes"][] | select(.metadata.labels["pxclone.io/run"] == "r1")),
     (.portworx[] | select(.labels["pxclone.io/run"] == "r1" and .labels["pxclone.io/role"] == "staging"))]
    | length')
[[ $left -ge 2 ]] || e2e_fail "expected r1's PVs and clones to stay, found $left"

as_sa list -p "$profile" -o json
expect_exit 0
expect_json '[.items[] | select(.kind == "StagingEnvironment") | "\(.run) \(.type)"] | join(",")' "r1 volumes"

as_sa teardown -p "$profile" --run r1
expect_exit 0
expect_err_lacks "forbidden"
expect_equal "r1's objects left" 0 "$(sim_get /_sim/state | jq -r '
    [(.kubernetes[][] | select(.metadata.labels["pxclone.io/run"] == "r1")),
     (.portworx[] | select(.labels["pxclone.io/run"] == "r1"))] | length')"
# A second teardown has nothing to do.
as_sa teardown -p "$profile" --run r1
expect_exit 0
expect_out_contains "nothing to delete"
e2e_done
