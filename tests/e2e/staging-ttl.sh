#!/usr/bin/env bash
# staging.ttl (2h) with PXCLONE_NOW as the clock: an environment deployed at 10:00 expires at
# 12:00; at 14:00 list shows it expired and the one deployed at 13:00 ready, and
# `teardown --expired` removes the expired one only — not the expired environment of another
# profile (billing), which `list --all-profiles` shows beside this profile's.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
sim_start
profile=$E2E_PROFILES/staging-portworx.yaml

px_run snapshot -p "$profile" --run e2e-set -q
expect_exit 0
PXCLONE_NOW=2026-11-27T10:00:00Z px_run deploy-staging -p "$profile" --run e2e-old -q
expect_exit 0
PXCLONE_NOW=2026-11-27T13:00:00Z px_run deploy-staging -p "$profile" --run e2e-new -o json
expect_exit 0
expect_json .expiresAt 2026-11-27T15:00:00Z
expect_equal "expires-at on the namespace" "2026-11-27T15:00:00Z" "$(sim_get /_sim/state | jq -r '
    .kubernetes["v1/namespaces"][] | select(.metadata.name == "orders-stg-e2e-new")
    | .metadata.annotations["pxclone.io/expires-at"]')"

PXCLONE_NOW=2026-11-27T10:00:00Z px_run deploy-staging -p "$E2E_PROFILES/staging-billing.yaml" \
    --run e2e-billing --fresh -q
expect_exit 0
PXCLONE_NOW=2026-11-27T14:00:00Z px_run list -p "$profile" --all-profiles -o json
expect_exit 0
expect_json '[.items[] | select(.kind == "StagingEnvironment") | "\(.profile) \(.run) \(.state)"] | sort | join(",")' \
    "billing e2e-billing expired,orders e2e-new ready,orders e2e-old expired"
expect_json '[.items[] | select(.kind == "SnapshotSet") | "\(.profile) \(.snapshotSet)"] | sort | join(",")' \
    "billing e2e-billing,orders e2e-set"
PXCLONE_NOW=2026-11-27T14:00:00Z px_run list -p "$profile" --all-profiles
expect_exit 0
grep -Eq '^e2e-billing +billing +billing-stg-e2e-billing +e2e-billing +4h +120m ago +expired$' "$PX_OUT" ||
    e2e_fail "list --all-profiles text: $(cat "$PX_OUT")"
PXCLONE_NOW=2026-11-27T14:00:00Z px_run list -p "$profile" -o json
expect_exit 0
expect_json '[.items[] | select(.kind == "StagingEnvironment") | "\(.run) \(.expiresAt) \(.state)"] | sort | join(",")' \
    "e2e-new 2026-11-27T15:00:00Z ready,e2e-old 2026-11-27T12:00:00Z expired"
PXCLONE_NOW=2026-11-27T14:00:00Z px_run list -p "$profile"
expect_exit 0
grep -Eq '^e2e-old +orders-stg-e2e-old +e2e-set +4h +120m ago +expired$' "$PX_OUT" ||
    e2e_fail "list text: $(cat "$PX_OUT")"

PXCLONE_NOW=2026-11-27T14:00:00Z px_run teardown -p "$profile" --expired -o json
expect_exit 0
expect_json '.runs | join(",")' e2e-old
expect_json '[.deleted[] | select(.kind == "Namespace") | .name] | join(",")' orders-stg-e2e-old
PXCLONE_NOW=2026-11-27T14:00:00Z px_run list -p "$profile" -o name
expect_exit 0
expect_equal "left" "snapshot-set/e2e-set
run/e2e-new" "$(cat "$PX_OUT")"
# Nothing else has expired: nothing to delete.
PXCLONE_NOW=2026-11-27T14:00:00Z px_run teardown -p "$profile" --expired
expect_exit 0
expect_equal "second --expired" "nothing to delete" "$(cat "$PX_OUT")"
expect_equal "billing's namespace" "Active" "$(sim_get /_sim/state | jq -r '
    .kubernetes["v1/namespaces"][] | select(.metadata.name == "billing-stg-e2e-billing") | .status.phase')"
e2e_done
