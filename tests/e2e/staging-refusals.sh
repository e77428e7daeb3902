#!/usr/bin/env bash
# deploy-staging refuses (exit 2) and creates nothing: a staging namespace that is the source
# namespace; a namespace that exists and is not pxclone's (a seeded one), or is pxclone's for
# another run; manifests naming another namespace, holding a cluster-scoped kind, or claiming a
# PVC that is not a staging volume (all three reported at once).
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
cat >"$E2E_TMP/taken.yaml" <<'STATE'
apiVersion: v1
kind: Namespace
metadata:
  name: orders-stg-e2e-taken
  labels: { team: billing }
STATE
sim_start --state "$E2E_TMP/taken.yaml"

px_run snapshot -p "$E2E_PROFILES/staging-portworx.yaml" --run e2e-set -q
expect_exit 0

request_mark
px_run deploy-staging -p "$E2E_PROFILES/staging-in-source.yaml" --run e2e-src
expect_exit 2
expect_err_contains "staging.namespace: must differ from source.namespace"
expect_no_mutations_since_mark

px_run deploy-staging -p "$E2E_PROFILES/staging-portworx.yaml" --run e2e-taken
expect_exit 2
expect_err_contains "namespace orders-stg-e2e-taken exists and was not created by pxclone for run e2e-taken"
expect_no_mutations_since_mark

px_run deploy-staging -p "$E2E_PROFILES/staging-bad-manifest.yaml" --run e2e-bad
expect_exit 2
expect_err_contains "3 problems"
expect_err_contains "manifests/bad.yaml:2:1: metadata.namespace: names namespace \"prod\""
expect_err_contains "manifests/bad.yaml:10:1: kind: ClusterRole is cluster-scoped"
expect_err_contains "claim 'reports-data' is not a staging PVC"
expect_no_mutations_since_mark

# A fixed namespace: the first run makes it, the second run may not take it over.
px_run deploy-staging -p "$E2E_PROFILES/staging-fixed-namespace.yaml" --run e2e-first -q
expect_exit 0
request_mark
px_run deploy-staging -p "$E2E_PROFILES/staging-fixed-namespace.yaml" --run e2e-second
expect_exit 2
expect_err_contains "namespace orders-staging exists and was not created by pxclone for run e2e-second"
expect_no_mutations_since_mark
px_run teardown -p "$E2E_PROFILES/staging-fixed-namespace.yaml" --run e2e-first -q
expect_exit 0
expect_equal "the seeded namespace" "billing" "$(sim_get /_sim/state | jq -r '
    .kubernetes["v1/namespaces"][] | select(.metadata.name == "orders-stg-e2e-taken") | .metadata.labels.team')"
e2e_done
