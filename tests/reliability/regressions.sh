#!/usr/bin/env bash
# Regression tests for what the fault soak and the kill runs found (tests/reliability/RESULTS.md),
# each reproduced with a targeted pxsim fault instead of a seed, so that it stays found.
#
# Usage (from the source tree): tests/reliability/regressions.sh PXCLONE PXSIM
set -uo pipefail
# shellcheck source=tests/reliability/lib.sh
source "$(dirname "$0")/lib.sh"
rel_init "$1" "$2"

proxy=/api/v1/namespaces/kube-system/services/portworx-api:9021/proxy
failures=0

# report NAME: PASS, or FAIL with this case's problems.
report() {
    rel_sim_stop
    if [[ ${#REL_PROBLEMS[@]} == 0 ]]; then
        echo "PASS $1"
    else
        failures=$((failures + 1))
        echo "FAIL $1 (files in $REL_WORK)"
        printf '  problem: %s\n' "${REL_PROBLEMS[@]}"
    fi
}

# 1. A Clone whose reply is lost (connection reset after pxsim handled it) was an "internal error"
#    (exit 1 without the documented one-line reason) and skipped the removal of an environment
#    whose data was not masked yet. Now: exit 1, one reason, the environment removed.
rel_sim_start clone-reply-lost 1 --faults "POST $proxy/v1/volumes/clone#1=reset-after"
rel_px snapshot snapshot --run r1 --skip-hooks
[[ $REL_RC == 0 ]] || rel_problem "snapshot exit $REL_RC: $(rel_first_error)"
rel_px deploy deploy-staging --run r1 --snapshot r1
rel_check_outcome deploy-staging "1"
grep -q 'the environment was removed' "$REL_ERR" ||
    rel_problem "the environment was not removed: $(rel_first_error)"
staged=$(rel_sim_get /_sim/state | jq '[(.kubernetes[][] | select(.metadata.labels["pxclone.io/role"] == "staging")),
    (.portworx[] | select(.labels["pxclone.io/role"] == "staging"))] | length')
[[ $staged == 0 ]] || rel_problem "$staged staging objects remain after the failed deployment"
rel_teardown_until_clean r1 1
rel_expect_clean
report clone-reply-lost

((failures == 0)) || exit 1
echo "PASS regressions"
