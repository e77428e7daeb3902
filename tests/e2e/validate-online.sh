#!/usr/bin/env bash
# validate --online, the preflight a CI job runs before it touches anything: every check against
# pxsim, and not one mutating request (access reviews are creates that store nothing). Then one
# problem at a time: a permission taken away (pxsim --deny), a missing source PVC, refused
# credentials (Kubernetes and Portworx), a manifest with a cluster-scoped kind and a foreign
# namespace (also offline), a staging namespace held by another run.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"

# Two staging namespaces that exist already: one of run e2e-mine, one of run e2e-other.
cat >"$E2E_TMP/namespaces.yaml" <<'STATE'
apiVersion: v1
kind: Namespace
metadata:
  name: orders-stg-e2e-mine
  labels:
    app.kubernetes.io/managed-by: pxclone
    pxclone.io/profile: orders
    pxclone.io/run: e2e-mine
    pxclone.io/role: staging
---
apiVersion: v1
kind: Namespace
metadata:
  name: orders-stg-e2e-taken
  labels:
    app.kubernetes.io/managed-by: pxclone
    pxclone.io/profile: orders
    pxclone.io/run: e2e-other
    pxclone.io/role: staging
STATE
sim_start --state "$E2E_TMP/namespaces.yaml"

# checks_of: "name=result" of each check in the last run's JSON report, one line.
checks_of() {
    json_out '[.checks[] | "\(.name)=\(.result)"] | join(" ")'
}

# All well: every check ok, through the service proxy, and nothing written.
px_run validate --online -p "$E2E_PROFILES/staging-portworx.yaml" --run e2e-ok -o json
expect_exit 0
expect_json '.ok' true
expect_equal "checks" "profile=ok manifests=ok cluster=ok access=ok source-pvcs=ok storage-classes=ok portworx=ok staging-namespace=ok" "$(checks_of)"
expect_json '[.checks[] | select(.name == "staging-namespace")][0].message' "orders-stg-e2e-ok is free"
expect_no_mutations
reviews=$(sim_jq '[pxclone_requests[] | select(.method == "POST" and .path == "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews" and .status == 201)] | length')
[[ $reviews -gt 20 ]] || e2e_fail "expected the access reviews in pxsim's log, found $reviews"
expect_equal "requests other than GET and read-only POSTs" "" \
    "$(sim_jq '[pxclone_requests[] | select(.method != "GET" and (read_only_post | not)) | "\(.method) \(.path)"] | join("\n")')"

# Text: one plain line per check when stdout is not a terminal.
px_run validate --online -p "$E2E_PROFILES/staging-portworx.yaml" --run e2e-mine
expect_exit 0
expect_out_contains "ok      cluster: "
expect_out_contains "ok      staging-namespace: orders-stg-e2e-mine is this run's already"
expect_out_lacks "✓"

# Directly to the gateway with a PX-Security token, and a staging storage class.
export PXCLONE_E2E_PX_TOKEN=$E2E_TOKEN
px_run validate --online -p "$E2E_PROFILES/validate-direct.yaml" --run e2e-ok -o json
expect_exit 0
expect_json '[.checks[] | select(.name == "portworx")][0].message | endswith("the token is accepted")' true
expect_json '[.checks[] | select(.name == "storage-classes")][0].message' "px-db exists"

# A Portworx token the gateway refuses: exit 1, the rest still checked.
PXCLONE_E2E_PX_TOKEN=not-the-token px_run validate --online -p "$E2E_PROFILES/validate-direct.yaml" --run e2e-ok -o json
expect_exit 1
expect_equal "checks" "profile=ok manifests=ok cluster=ok access=ok source-pvcs=ok storage-classes=ok portworx=failed staging-namespace=ok" "$(checks_of)"
expect_json '[.checks[] | select(.name == "portworx")][0].message | test("Unable to authenticate token")' true
expect_err_contains "validate --online: 1 of 8 checks failed for profile orders"

# run_with KUBECONFIG ARGS...: px_run with another kubeconfig (same context name).
run_with() {
    local kubeconfig=$1
    shift
    E2E_RUNS=$((E2E_RUNS + 1))
    PX_OUT=$E2E_TMP/run-$E2E_RUNS.out
    PX_ERR=$E2E_TMP/run-$E2E_RUNS.err
    PX_ARGS="$* --kubeconfig $kubeconfig --context pxsim"
    PX_RC=0
    "$E2E_PXCLONE" "$@" --kubeconfig "$kubeconfig" --context pxsim >"$PX_OUT" 2>"$PX_ERR" </dev/null ||
        PX_RC=$?
    echo "run $E2E_RUNS: pxclone $PX_ARGS -> exit $PX_RC"
}

# Kubernetes credentials the API server refuses: exit 1, what needs the cluster is skipped.
sed "s/token: $E2E_TOKEN/token: not-the-token/" "$E2E_TMP/k.yaml" >"$E2E_TMP/bad-k.yaml"
run_with "$E2E_TMP/bad-k.yaml" validate --online -p "$E2E_PROFILES/staging-portworx.yaml" --run e2e-ok -o json
expect_exit 1
expect_equal "checks" "profile=ok manifests=ok cluster=failed access=skipped source-pvcs=skipped storage-classes=skipped portworx=skipped staging-namespace=skipped" "$(checks_of)"
expect_json '[.checks[] | select(.name == "cluster")][0].message | test("refused the credentials \\(401 Unauthorized\\)")' true

# The credentials from an exec plugin: they work; a plugin that fails is the cluster check's
# failure (exit 1).
# exec_kubeconfig FILE PLUGIN: pxsim's kubeconfig with the token replaced by the plugin.
exec_kubeconfig() {
    sed "s|^    token: $E2E_TOKEN\$|    exec: {apiVersion: client.authentication.k8s.io/v1, command: $2, interactiveMode: Never}|" \
        "$E2E_TMP/k.yaml" >"$1"
    grep -q 'exec:' "$1" || e2e_fail "no exec plugin in $1"
}
printf '#!/bin/sh\nprintf %s\n' \
    "'{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"$E2E_TOKEN\"}}\\n'" \
    >"$E2E_TMP/plugin-ok"
printf '#!/bin/sh\necho "the identity provider is down" >&2\nexit 1\n' >"$E2E_TMP/plugin-down"
chmod +x "$E2E_TMP/plugin-ok" "$E2E_TMP/plugin-down"
exec_kubeconfig "$E2E_TMP/exec-k.yaml" "$E2E_TMP/plugin-ok"
run_with "$E2E_TMP/exec-k.yaml" validate --online -p "$E2E_PROFILES/staging-portworx.yaml" --run e2e-ok
expect_exit 0
expect_out_contains "ok      cluster: "
exec_kubeconfig "$E2E_TMP/down-k.yaml" "$E2E_TMP/plugin-down"
run_with "$E2E_TMP/down-k.yaml" validate --online -p "$E2E_PROFILES/staging-portworx.yaml" --run e2e-ok
expect_exit 1
expect_out_contains "FAILED  cluster: "
expect_out_contains "skipped access: the cluster was not reached"

# A missing source PVC: exit 3, named.
px_run validate --online -p "$E2E_PROFILES/missing-pvc.yaml" --run e2e-ok
expect_exit 3
expect_out_contains "FAILED  source-pvcs: 1 problem with the source PVCs in namespace prod"
expect_out_contains "prod/mongo-data-mongo-9"
expect_equal "hook log" "" "$(hook_log)"

# A staging namespace another run holds: exit 2 (deploy-staging would refuse it).
px_run validate --online -p "$E2E_PROFILES/staging-portworx.yaml" --run e2e-taken
expect_exit 2
expect_out_contains "FAILED  staging-namespace: orders-stg-e2e-taken belongs to run e2e-other of profile orders, not to run e2e-taken"

# Manifests with a cluster-scoped kind and a foreign namespace: exit 2 offline and online.
px_run validate -p "$E2E_PROFILES/staging-bad-manifest.yaml" --run e2e-ok
expect_exit 2
expect_err_contains "manifests/bad.yaml:2:1: metadata.namespace: names namespace \"prod\""
expect_err_contains "manifests/bad.yaml:10:1: kind: ClusterRole is cluster-scoped"
px_run validate --online -p "$E2E_PROFILES/staging-bad-manifest.yaml" --run e2e-ok -o json
expect_exit 2
expect_equal "checks" "profile=ok manifests=failed cluster=ok access=ok source-pvcs=ok storage-classes=ok portworx=ok staging-namespace=ok" "$(checks_of)"
expect_json '[.checks[] | select(.name == "manifests")][0].details | length' 2
expect_no_mutations

# Permissions taken away: each denial named with verb, resource and namespace, exit 1.
sim_restart --state "$E2E_TMP/namespaces.yaml" --deny delete:persistentvolumes \
    --deny 'patch:statefulsets.apps/scale@orders-stg-e2e-denied' --deny list:pods
px_run validate --online -p "$E2E_PROFILES/staging-portworx.yaml" --run e2e-denied
expect_exit 1
expect_out_contains "FAILED  access: 3 of "
expect_out_contains "    cannot delete persistentvolumes at the cluster scope (deploy-staging: delete the run's objects"
expect_out_contains "    cannot patch statefulsets.apps/scale in namespace orders-stg-e2e-denied (restore: scale the workloads; refresh: scale the workloads)"
expect_out_contains "    cannot list pods in namespace orders-stg-e2e-denied (deploy-staging: quote a failed masking job's log"
expect_out_contains "ok      source-pvcs: "
expect_err_contains "validate --online: 1 of 8 checks failed for profile orders"
expect_no_mutations
e2e_done
