#!/usr/bin/env bash
# deploy-staging --dry-run equals the real run (method portworx, the MongoDB example: masking Job,
# baselines): the dry run prints the namespace, every clone, PV and PVC, the applies, the masking
# Job, the baselines and the namespace's ready-at PATCH; the same command run for real on the
# same state sends exactly those writes, in that order (--parallel 1). With --fresh the dry run
# also shows the new set's creates between the hooks it would run.
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
e2e_done
