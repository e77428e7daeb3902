#!/usr/bin/env bash
# A permission denied in the middle of a command leaves nothing half done (issue 16 §7): pxsim
# takes one RBAC permission away at a time (--deny, PUT /_sim/deny) and answers with
# kube-apiserver's 403; after each failure the test says exactly what exists.
# - method portworx without any permission on the CSI kinds: no command reads them;
# - snapshot without list on persistentvolumeclaims (retention's reads): fails before its hooks
#   run and before any snapshot is made;
# - restore without list on pods, or without patch on statefulsets/scale: the workloads it
#   stopped are back at their replicas, no volume was restored, the hint names the subresource;
# - deploy-staging without create on statefulsets: the server-side apply's empty denial is said
#   with the verbs pxclone needed;
# - teardown without delete on namespaces: said once; without delete on persistentvolumes: the
#   PVs and the Portworx volumes they name are kept, and a teardown with the permission removes
#   everything;
# - a failed masking Job whose pod log may not be read: the denial quoted whole.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
sim_start --deny 'list:volumesnapshots.snapshot.storage.k8s.io' \
    --deny 'list:volumesnapshotcontents.snapshot.storage.k8s.io' \
    --deny 'get:volumesnapshotcontents.snapshot.storage.k8s.io'

profile=$E2E_PROFILES/restore-portworx.yaml
hooked=$E2E_PROFILES/names-portworx.yaml # same profile name, with hooks
ns=orders-stg-r1

deny() { # RULE... : replaces pxsim's deny rules (none: every permission back)
    local rules
    rules=$(jq -cn '$ARGS.positional' --args "$@")
    curl -sS --fail -X PUT --data "$rules" "$SIM_URL/_sim/deny" >/dev/null ||
        e2e_fail "PUT /_sim/deny $rules"
}
requests_so_far() { sim_jq 'length'; }
writes_since() {
    sim_jq '.[$n:] | [pxclone_requests[] | select(mutating) | "\(.method) \(.path)"] | .[]' \
        --argjson n "$1"
}
workload() { # KIND-PLURAL NAME -> "replicas restore-annotation"
    sim_get /_sim/state | jq -r --arg r "apps/v1/$1" --arg n "$2" --arg ns "$ns" '
        .kubernetes[$r][] | select(.metadata.namespace == $ns and .metadata.name == $n)
        | "\(.spec.replicas) \(.metadata.annotations["pxclone.io/restore-replicas"] // "-")"'
}
# A run's PVs, each with whether the Portworx volume it names exists: "pv volume-exists".
run_pvs() {
    sim_get /_sim/state | jq -r --arg run "$1" '(.portworx | map(.volume.id)) as $ids
        | [.kubernetes["v1/persistentvolumes"][] | select(.metadata.labels["pxclone.io/run"] == $run)
           | (.spec.csi.volumeHandle // .spec.portworxVolume.volumeID) as $v
           | "\(.metadata.name) \($ids | index($v) != null)"] | sort | .[]'
}
run_objects() { # everything labelled for run RUN, both APIs
    sim_get /_sim/state | jq -r --arg run "$1" '
        [(.kubernetes[][] | select(.metadata.labels["pxclone.io/run"] == $run) | "\(.kind) \(.metadata.name)"),
         (.portworx[] | select(.labels["pxclone.io/run"] == $run) | "portworx \(.name)")] | sort | .[]'
}
portworx_volumes() { # every Portworx volume's id and name
    sim_get /_sim/state | jq -r '[.portworx[] | "\(.volume.id) \(.name)"] | sort | .[]'
}
count_in_err() { grep -cF -- "$1" "$PX_ERR" || true; }

# 1. A portworx profile works without any permission on the CSI kinds, and never asks for them.
px_run snapshot -p "$profile" --run s1 -q
expect_exit 0
px_run deploy-staging -p "$profile" --run r1 --snapshot s1 -q
expect_exit 0
px_run list -p "$profile" -o json
expect_exit 0
expect_equal "requests for snapshot.storage.k8s.io" 0 \
    "$(sim_jq '[pxclone_requests[] | select(.path | startswith("/apis/snapshot.storage.k8s.io"))] | length')"

# 2. snapshot: retention's reads come before the first write. Without list on PVCs (the sets in
# use) it stops before its pre-hook and makes nothing.
deny 'list:persistentvolumeclaims'
mark=$(requests_so_far)
volumes_before=$(portworx_volumes)
px_run snapshot -p "$hooked" --run s2
expect_exit 1
expect_err_contains 'cannot list resource "persistentvolumeclaims"'
expect_err_contains 'pxclone needs RBAC permission to `list` persistentvolumeclaims in all namespaces'
expect_equal "writes of the denied snapshot" "" "$(writes_since "$mark")"
[[ ! -s $E2E_HOOK_LOG ]] || e2e_fail "a hook ran: $(cat "$E2E_HOOK_LOG")"
expect_equal "snapshots of set s2" "" "$(sim_owned_snapshots s2)"
expect_equal "Portworx volumes" "$volumes_before" "$(portworx_volumes)"

# 3. restore without list on pods: the wait for the pods fails after the scale-down; both
# workloads are back (record removed) and no volume was restored.
deny 'list:pods'
mark=$(requests_so_far)
r1_before=$(run_objects r1)
volumes_before=$(portworx_volumes)
px_run restore -p "$profile" --run r1 --all
expect_exit 1
expect_err_contains 'cannot list resource "pods"'
expect_err_contains "no volume was changed; scaled back (not waited for): deployment/reports (2 replicas), statefulset/mongo (1 replica)"
expect_equal "statefulset" "1 -" "$(workload statefulsets mongo)"
expect_equal "deployment" "2 -" "$(workload deployments reports)"
expect_equal "SDK restores" "" "$(writes_since "$mark" | grep '/snapshots/restore' || true)"
expect_equal "objects of run r1" "$r1_before" "$(run_objects r1)"
expect_equal "Portworx volumes" "$volumes_before" "$(portworx_volumes)"

# Without patch on statefulsets/scale: the Deployment, stopped first, is brought back; the hint
# names the subresource.
deny 'patch:statefulsets.apps/scale'
px_run restore -p "$profile" --run r1 --all
expect_exit 1
expect_err_contains 'pxclone needs RBAC permission to `patch` statefulsets/scale (API group "apps") in namespace "orders-stg-r1"'
expect_err_contains "kubectl auth can-i patch statefulsets.apps --subresource=scale -n orders-stg-r1"
expect_err_contains "no volume was changed; scaled back (not waited for): deployment/reports (2 replicas)"
expect_equal "statefulset" "1 -" "$(workload statefulsets mongo)"
expect_equal "deployment" "2 -" "$(workload deployments reports)"
expect_equal "objects of run r1" "$r1_before" "$(run_objects r1)"

# With every permission the restore goes through.
deny
px_run restore -p "$profile" --run r1 --all -q
expect_exit 0

# 4. deploy-staging without create on statefulsets: RBAC's denial of the server-side apply has
# an empty reason; pxclone says which verbs it needed where.
deny 'create:statefulsets.apps'
px_run deploy-staging -p "$profile" --run r2 --snapshot s1
expect_exit 1
expect_err_contains 'statefulsets.apps "mongo" is forbidden (Forbidden)'
expect_err_lacks 'is forbidden:  (Forbidden)'
expect_err_contains 'pxclone needs RBAC permission to `create` and `patch` statefulsets (API group "apps") in namespace "orders-stg-r2" (server-side apply creates what is missing)'
deny
px_run teardown -p "$profile" --run r2 -q
expect_exit 0

# 5. teardown without delete on persistentvolumes: each PV is kept and so is the Portworx
# volume it names (the PVC before it, and the baselines, go).
deny 'delete:persistentvolumes'
pvs_before=$(run_objects r1 | grep '^PersistentVolume ' || true)
[[ $(wc -l <<<"$pvs_before") == 2 ]] || e2e_fail "run r1's PVs before: $pvs_before"
px_run teardown -p "$profile" --run r1 -o json
expect_exit 5
expect_json '[.failed[] | "\(.kind) \(.kept)"] | join(",")' \
    "PersistentVolume false,PersistentVolume false,PortworxVolume true,PortworxVolume true"
expect_equal "run r1's PVs and whether their volumes exist" "$(while read -r _ pv; do echo "$pv true"; done <<<"$pvs_before")" "$(run_pvs r1)"
expect_equal "what is left of run r1" "$pvs_before
portworx orders-r1-clone-mongo-data-mongo-0
portworx orders-r1-clone-mongo-data-mongo-1" "$(run_objects r1)"

# With the permission, the same teardown removes the rest.
deny
px_run teardown -p "$profile" --run r1
expect_exit 0
expect_equal "objects of run r1" "" "$(run_objects r1)"

# 6. teardown without delete on namespaces: one failure, said once, with the RBAC hint.
px_run deploy-staging -p "$profile" --run r3 --snapshot s1 -q
expect_exit 0
deny 'delete:namespaces'
px_run teardown -p "$profile" --run r3
expect_exit 5
expect_err_contains "teardown incomplete: 1 object could not be deleted: namespace/orders-stg-r3"
expect_equal "lines naming the namespace's denial" 1 "$(count_in_err 'namespaces "orders-stg-r3" is forbidden')"
expect_err_contains 'pxclone needs RBAC permission to `delete` namespaces at the cluster scope'
expect_equal "what is left of run r3" "Namespace orders-stg-r3" "$(run_objects r3)"
deny
px_run teardown -p "$profile" --run r3 --snapshots -q
expect_exit 0
expect_equal "objects of run r3" "" "$(run_objects r3)"
expect_equal "snapshots of set s1" "" "$(sim_owned_snapshots s1)"

# 7. The masking Job fails (pxsim fails every Job) and its pod's log may not be read: the
# denial is quoted whole, who may not do what where, and the environment is removed.
sim_restart --faults rate=1,kinds=job-fail --deny 'get:pods/log'
staging=$E2E_PROFILES/staging-portworx.yaml
px_run snapshot -p "$staging" --run m1 -q
expect_exit 0
px_run deploy-staging -p "$staging" --run m2
expect_exit 1
expect_err_contains 'pod log unavailable: pods "orders-m2-mask-'
expect_err_contains '" is forbidden: User "system:serviceaccount:ci:pxclone" cannot get resource "pods/log" in API group "" in the namespace "orders-stg-m2" (the environment was removed)'
expect_equal "objects of run m2" "" "$(run_objects m2)"
e2e_done
