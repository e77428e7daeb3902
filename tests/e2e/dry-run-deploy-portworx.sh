#!/usr/bin/env bash
# deploy-staging --dry-run equals the real run (method portworx, the MongoDB example: masking Job,
# baselines): the dry run prints the namespace, every clone, PV and PVC, the applies, the masking
# Job, the baselines and the namespace's ready-at PATCH; the same command run for real on the
# same state sends exactly those writes, in that order (--parallel 1). With --fresh the dry run
# also shows the new set's creates between the hooks it would run. With staging.role_binding the
# RoleBinding follows the namespace.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
sim_start
profile=$E2E_SRC/examples/mongodb/pxclone.yaml

px_run snapshot -p "$profile" --run e2e-set --skip-hooks -q
expect_exit 0

expect_dry_run_equals_real deploy-staging -p "$profile" --run e2e-stg --snapshot e2e-set --parallel 1
expect_equal "the dry run's last write" "PATCH /api/v1/namespaces/orders-stg-e2e-stg" \
    "$(grep -E '^(POST|PUT|PATCH|DELETE) ' "$DRY_OUT" | tail -n 1 | cut -d' ' -f1-2)"

expect_dry_run_equals_real deploy-staging -p "$E2E_PROFILES/staging-portworx.yaml" --run e2e-fresh \
    --fresh --parallel 1
expect_equal "hooks: named by the dry run, run by the real one" "pre
post" "$(sed -n 's|^RUN .*/hooks/record ||p' "$DRY_OUT")"
expect_equal "hooks the real run ran" "pre
post" "$(hook_log | cut -d' ' -f1)"

# staging.role_binding: the RoleBinding right after the namespace, in the dry run as for real.
bound=$E2E_PROFILES/restore-portworx-bound.yaml
px_run snapshot -p "$bound" --run e2e-bound-set --skip-hooks -q
expect_exit 0
expect_dry_run_equals_real deploy-staging -p "$bound" --run e2e-bound --snapshot e2e-bound-set \
    --parallel 1
expect_equal "the dry run's first two writes" "POST /api/v1/namespaces
POST /apis/rbac.authorization.k8s.io/v1/namespaces/orders-stg-e2e-bound/rolebindings" \
    "$(grep -E '^(POST|PUT|PATCH|DELETE) ' "$DRY_OUT" | head -n 2 | cut -d' ' -f1-2)"
binding=$(curl -sS --fail --max-time 20 -H "Authorization: Bearer $E2E_TOKEN" \
    "$SIM_URL/apis/rbac.authorization.k8s.io/v1/namespaces/orders-stg-e2e-bound/rolebindings/pxclone-orders-staging")
expect_equal "the RoleBinding deploy-staging made" \
    'ClusterRole/pxclone-orders-staging ServiceAccount:ci/pxclone e2e-bound' \
    "$(jq -r '"\(.roleRef.kind)/\(.roleRef.name) \(.subjects[0].kind):\(.subjects[0].namespace)/\(.subjects[0].name) \(.metadata.labels["pxclone.io/run"])"' <<<"$binding")"
e2e_done
