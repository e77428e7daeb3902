#!/usr/bin/env bash
# extend moves an environment's expiry (from PXCLONE_NOW) or pins it: staging.ttl is 2h, three
# environments deployed at 10:00. At 11:00 e2e-pin is pinned (--ttl never; its --dry-run first
# sends nothing and prints the PATCH) and e2e-ext extended by 48h; at 14:00 list shows e2e-old
# expired, e2e-pin pinned and e2e-ext ready, and `teardown --expired` removes e2e-old only. Ten
# years on, `teardown --expired` removes e2e-ext but leaves e2e-pin, which `teardown --run`
# still removes. extend writes one annotation of the staging namespace and nothing else; bad input
# (unknown run, a namespace not the run's) fails with one line and its documented exit code.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
sim_start
profile=$E2E_PROFILES/staging-portworx.yaml

px_run snapshot -p "$profile" --run e2e-set -q
expect_exit 0
for run in e2e-old e2e-pin e2e-ext; do
    PXCLONE_NOW=2026-11-27T10:00:00Z px_run deploy-staging -p "$profile" --run "$run" -q
    expect_exit 0
done
expires_of() {
    sim_get /_sim/state | jq -r --arg ns "orders-stg-$1" '.kubernetes["v1/namespaces"][]
        | select(.metadata.name == $ns) | .metadata.annotations["pxclone.io/expires-at"]'
}

# A dry run prints the PATCH and sends nothing.
request_mark
PXCLONE_NOW=2026-11-27T11:00:00Z px_run extend -p "$profile" --run e2e-pin --ttl never --dry-run
expect_exit 0
expect_equal "dry run output" 'PATCH /api/v1/namespaces/orders-stg-e2e-pin {"metadata":{"annotations":{"pxclone.io/expires-at":"never"}}}
run e2e-pin: staging namespace orders-stg-e2e-pin pinned: it never expires (was 2026-11-27T12:00:00Z) (dry run)' \
    "$(cat "$PX_OUT")"
expect_no_mutations_since_mark
expect_equal "expiry after the dry run" 2026-11-27T12:00:00Z "$(expires_of e2e-pin)"

# Pin and extend: each sends exactly one write, the staging namespace's merge patch.
request_mark
PXCLONE_NOW=2026-11-27T11:00:00Z px_run extend -p "$profile" --run e2e-pin --ttl never
expect_exit 0
expect_out_contains "run e2e-pin: staging namespace orders-stg-e2e-pin pinned: it never expires"
PXCLONE_NOW=2026-11-27T11:00:00Z px_run extend -p "$profile" --run e2e-ext --ttl 48h -o json
expect_exit 0
expect_json '"\(.namespace) \(.previousExpiresAt) \(.expiresAt) \(.pinned) \(.dryRun)"' \
    "orders-stg-e2e-ext 2026-11-27T12:00:00Z 2026-11-29T11:00:00Z false false"
expect_equal "extend's writes" "PATCH /api/v1/namespaces/orders-stg-e2e-pin
PATCH /api/v1/namespaces/orders-stg-e2e-ext" "$(request_lines_since_mark)"
expect_equal "pinned annotation" never "$(expires_of e2e-pin)"
expect_equal "extended annotation" 2026-11-29T11:00:00Z "$(expires_of e2e-ext)"

# list: EXPIRES "never" and pinned in the documents.
PXCLONE_NOW=2026-11-27T14:00:00Z px_run list -p "$profile" -o json
expect_exit 0
expect_json '[.items[] | select(.kind == "StagingEnvironment") | "\(.run) \(.expiresAt) \(.pinned) \(.state)"] | sort | join(",")' \
    "e2e-ext 2026-11-29T11:00:00Z false ready,e2e-old 2026-11-27T12:00:00Z false expired,e2e-pin  true ready"
PXCLONE_NOW=2026-11-27T14:00:00Z px_run list -p "$profile"
expect_exit 0
grep -Eq '^e2e-pin +orders-stg-e2e-pin +e2e-set +4h +never +ready$' "$PX_OUT" ||
    e2e_fail "list text: $(cat "$PX_OUT")"

PXCLONE_NOW=2026-11-27T14:00:00Z px_run teardown -p "$profile" --expired -o json
expect_exit 0
expect_json '.runs | join(",")' e2e-old
PXCLONE_NOW=2036-11-27T14:00:00Z px_run teardown -p "$profile" --expired -o json
expect_exit 0
expect_json '.runs | join(",")' e2e-ext
PXCLONE_NOW=2036-11-27T14:00:00Z px_run teardown -p "$profile" --expired
expect_exit 0
expect_equal "nothing else expires" "nothing to delete" "$(cat "$PX_OUT")"
PXCLONE_NOW=2036-11-27T14:00:00Z px_run list -p "$profile" -o name
expect_exit 0
expect_equal "left" "snapshot-set/e2e-set
run/e2e-pin" "$(cat "$PX_OUT")"

# Bad input: one error line (and its hint), the documented code, nothing written.
request_mark
px_run extend -p "$profile" --run e2e-old --ttl 1h
expect_exit 3
expect_equal "unknown run" "pxclone: error: extend: run e2e-old of profile orders has no staging namespace" \
    "$(head -n 1 "$PX_ERR")"
[[ ! -s $PX_OUT ]] || e2e_fail "stdout of a failed extend: $(cat "$PX_OUT")"
px_run extend -p "$profile" --ttl 1h
expect_exit 2
expect_err_contains "pxclone: error: extend: give the environment's run with --run ID"
px_run extend -p "$profile" --run e2e-pin --ttl 3days
expect_exit 2
expect_err_contains "pxclone: error: extend: --ttl 3days: not a positive duration or never"
expect_no_mutations_since_mark

# teardown --run still removes a pinned environment.
px_run teardown -p "$profile" --run e2e-pin -o json
expect_exit 0
expect_json '.runs | join(",")' e2e-pin
px_run list -p "$profile" -o name
expect_exit 0
expect_equal "left at the end" "snapshot-set/e2e-set" "$(cat "$PX_OUT")"
e2e_done
