#!/usr/bin/env bash
# The harness's own checks can fail: requests that break each invariant, sent here with curl,
# make the matching check end with FAIL and say why. (Each check runs in a subshell, whose exit
# leaves this script and its pxsim alone.)
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
sim_start
px=$SIM_URL/api/v1/namespaces/kube-system/services/portworx-api:9021/proxy

# must_fail CHECK TEXT...: CHECK (a function of lib.sh) fails, saying every TEXT.
must_fail() {
    local check=$1 text
    shift
    if ("$check") >"$E2E_TMP/check.out" 2>&1; then
        e2e_fail "$check passed; it should have failed"
    fi
    for text in "$@"; do
        grep -qF -- "$text" "$E2E_TMP/check.out" ||
            e2e_fail "$check failed without saying '$text': $(cat "$E2E_TMP/check.out")"
    done
    echo "ok: $check fails"
}
api() { # METHOD URL [BODY]
    curl -sS --max-time 20 -o /dev/null -X "$1" -H "Authorization: Bearer $E2E_TOKEN" \
        ${3:+-d "$3"} "$2" || e2e_fail "$1 $2 failed"
}

expect_invariants # nothing happened yet

# A snapshot and a ConfigMap without pxclone's labels: mutations, and unowned creates.
api POST "$px/v1/volumes/snapshots" '{"volume_id": "1100000000000000000", "name": "manual"}'
api POST "$SIM_URL/api/v1/namespaces/default/configmaps" \
    '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "manual", "labels": {"a": "b"}}}'
must_fail expect_no_mutations "expected no mutating request"
must_fail expect_created_owned "without pxclone's ownership labels" \
    "POST /api/v1/namespaces/kube-system/services/portworx-api:9021/proxy/v1/volumes/snapshots" \
    "POST /api/v1/namespaces/default/configmaps"
# Deleting a production volume and Service: unowned deletes, and pxsim violations.
api DELETE "$px/v1/volumes/1100000000000007919"
api DELETE "$SIM_URL/api/v1/namespaces/prod/services/mongo"
must_fail expect_deletes_owned "DELETE of objects that did not carry pxclone's labels" \
    "DELETE /api/v1/namespaces/kube-system/services/portworx-api:9021/proxy/v1/volumes/1100000000000007919" \
    "DELETE /api/v1/namespaces/prod/services/mongo"
must_fail expect_no_violations "pxsim recorded violations"
# The token in an output.
echo "Authorization: Bearer $E2E_TOKEN" >"$E2E_TMP/run-99.err"
must_fail expect_no_token "the token appears in"
rm "$E2E_TMP/run-99.err"
# A request log that is not the golden one.
printf 'GET /nothing\n' >"$E2E_TMP/golden"
expect_golden_tmp() { expect_golden "$E2E_TMP/golden"; }
must_fail expect_golden_tmp "requests differ from"
# An empty golden file proves nothing: it fails, and UPDATE_GOLDEN never writes one.
: >"$E2E_TMP/golden"
must_fail expect_golden_tmp "is missing or empty"
update_empty_golden() { E2E_SIM_LOG=/dev/null UPDATE_GOLDEN=1 expect_golden "$E2E_TMP/golden"; }
must_fail update_empty_golden "no mutating request to write"

# Back to a clean pxsim: the invariants hold again.
sim_stop
sim_start
e2e_done
