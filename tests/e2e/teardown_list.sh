#!/usr/bin/env bash
# list and teardown end to end: the real pxclone against pxsim seeded with production (prod-mongo)
# and two staging environments of profile `orders` (fixtures/staging-envs.yaml).
# Usage: teardown_list.sh PATH/TO/pxclone PATH/TO/pxsim
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
pxclone=$E2E_PXCLONE
work=$E2E_TMP
fail() { e2e_fail "$@"; }
sim_start --state "$E2E_DIR/fixtures/staging-envs.yaml" --seed 7 --latency ns-delete=100ms

cat >"$work/pxclone.yaml" <<'PROFILE'
version: 1
name: orders
source:
  namespace: prod
  pvcs: [mongo-data-mongo-0]
staging:
  namespace: orders-stg-${run.id}
PROFILE

# Run pxclone at 13:00 on the 27th: run 7 (expires 12:00) is expired, run 8 is not.
px() {
    env -i PATH="$PATH" PXCLONE_NOW=2026-11-27T13:00:00Z \
        "$pxclone" -p "$work/pxclone.yaml" --kubeconfig "$work/k.yaml" -q "$@"
}
sim() { sim_get "/_sim/$1"; }
deletes() { sim requests | jq '[.[] | select(.method == "DELETE")] | length'; }

# list: sets (4 partial: 1 of 2; 5 complete, used by 7 and 8) and environments.
out=$(px list -o json)
[[ $(jq -c '[.items[] | select(.kind == "SnapshotSet") | [.snapshotSet, .state, (.usedBy | join(","))]]' <<<"$out") == \
    '[["5","complete","7,8"],["4","partial",""]]' ]] || fail "list sets: $out"
[[ $(jq -c '[.items[] | select(.kind == "StagingEnvironment") | [.run, .namespace, .snapshotSet, .state]]' <<<"$out") == \
    '[["8","orders-stg-8","5","partial"],["7","orders-stg-7","5","expired"]]' ]] ||
    fail "list environments: $out"
[[ $(px list -o name) == $'snapshot-set/5\nsnapshot-set/4\nrun/8\nrun/7' ]] || fail "list -o name"
out=$(px list)
grep -q '^STAGING ENVIRONMENTS$' <<<"$out" || fail "list text: $out"
grep -Eq '^7 +orders-stg-7 +5 +3h +60m ago +expired$' <<<"$out" || fail "list text row: $out"

# --dry-run prints each DELETE of the expired run and sends none.
out=$(px teardown --expired --dry-run)
grep -qF 'DELETE /api/v1/namespaces/orders-stg-7' <<<"$out" || fail "dry run: $out"
grep -qF 'DELETE /v1/volumes/clone-7' <<<"$out" || fail "dry run clone: $out"
if grep -q 'orders-stg-8' <<<"$out"; then fail "dry run touches run 8: $out"; fi
[[ $(deletes) == 0 ]] || fail "dry run sent a DELETE"

# --expired --snapshots: run 7 goes; set 5 stays (run 8 uses it). The namespace goes first and
# takes its Deployment and PVC along (the state check below sees them gone).
out=$(px teardown --expired --snapshots -o json 2>"$work/stderr") || fail "teardown: $out $(cat "$work/stderr")"
grep -q 'keeping snapshot set 5: still used by run 8' "$work/stderr" || fail "no keep warning"
[[ $(jq -c '[.deleted[] | .kind]' <<<"$out") == \
    '["Namespace","PersistentVolume","PortworxVolume"]' ]] ||
    fail "deleted: $out"
state=$(sim state)
[[ $(jq '[.. | objects | select(.metadata?.labels?["pxclone.io/run"] == "7")] | length' <<<"$state") == 0 ]] ||
    fail "run 7 objects remain in Kubernetes"
grep -q '"clone-7"' <<<"$state" && fail "clone-7 remains"
grep -q '"snap-5"' <<<"$state" || fail "snap-5 was deleted although run 8 uses it"
grep -q 'orders-stg-8' <<<"$state" || fail "run 8 was touched"

# Idempotent: a second teardown has nothing to delete and exits 0.
[[ $(px teardown --run 7) == "nothing to delete" ]] || fail "second teardown"

# Run 8 with its set: now set 5 is free and goes; set 4 (not used by run 8) stays.
px teardown --run 8 --snapshots >/dev/null || fail "teardown --run 8"
state=$(sim state)
grep -q '"snap-5"' <<<"$state" && fail "snap-5 remains"
grep -q '"snap-4"' <<<"$state" || fail "snap-4 deleted"
grep -q 'orders-stg-8' <<<"$state" && fail "orders-stg-8 remains"

# A set taken by `snapshot`, used by no environment: teardown --run without --snapshots keeps
# it (no warning: it is not selected), with --snapshots deletes it.
px snapshot --run s1 >/dev/null || fail "snapshot --run s1"
[[ $(px list -o json | jq -c '[.items[] | select(.kind == "SnapshotSet") | select(.snapshotSet == "s1") | .state]') == '["complete"]' ]] ||
    fail "list after snapshot"
out=$(px teardown --run s1 2>"$work/stderr") || fail "teardown --run s1: $out"
[[ $out == "nothing to delete" ]] || fail "teardown --run s1 without --snapshots: $out"
if grep -q "not deleting" "$work/stderr"; then fail "warned: $(cat "$work/stderr")"; fi
out=$(px teardown --run s1 --snapshots -o json) || fail "teardown --run s1 --snapshots: $out"
[[ $(jq -c '[.deleted[] | .kind]' <<<"$out") == '["PortworxVolume"]' ]] || fail "set s1: $out"
[[ $(px list -o name) == "snapshot-set/4" ]] || fail "list at the end: $(px list -o name)"

# Nothing production was written; every delete was of pxclone's objects.
e2e_done
