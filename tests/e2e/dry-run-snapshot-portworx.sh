#!/usr/bin/env bash
# snapshot --dry-run equals the real run (method portworx): with an older set and keep: 1, the
# dry run prints the SnapshotCreates, names the pre- and post-hooks in their places (running
# neither), and prints retention's DELETEs of the older set's snapshots; the same command run for
# real on the same state sends exactly those writes (in order: --parallel 1), deletes exactly
# those snapshots and runs exactly those hooks.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
sim_start
profile=$E2E_TMP/keep.yaml
cat >"$profile" <<PROFILE
version: 1
name: orders
portworx:
  endpoint: service:kube-system/portworx-api:9021
source:
  namespace: prod
  pvcs: [mongo-data-mongo-0, mongo-data-mongo-1, mongo-data-mongo-2]
  hooks:
    pre: [{run: [$E2E_DIR/hooks/record, pre]}]
    post: [{run: [$E2E_DIR/hooks/record, post]}]
snapshot:
  method: portworx
  keep: 1
PROFILE

px_run snapshot -p "$profile" --run s1 --skip-hooks -q
expect_exit 0

expect_dry_run_equals_real snapshot -p "$profile" --run s2 --parallel 1
expect_err_contains "retention (keep 1): deleted snapshot set s1"
expect_equal "hooks named by the dry run, in its order" \
    "RUN $E2E_DIR/hooks/record pre
POST /v1/volumes/snapshots
POST /v1/volumes/snapshots
POST /v1/volumes/snapshots
RUN $E2E_DIR/hooks/record post
DELETE
DELETE
DELETE" "$(grep -E '^(RUN|POST|DELETE) ' "$DRY_OUT" | sed -E 's/^(POST [^ ]*) .*/\1/; s/^DELETE .*/DELETE/')"
expect_equal "hooks the real run ran" "pre
post" "$(hook_log | cut -d' ' -f1)"
# The very snapshots of set s1 (ids are known before the run: compared as they are).
expect_equal "retention's DELETEs" "$(grep '^DELETE ' "$DRY_OUT" | cut -d' ' -f2 | sort)" \
    "$(sim_jq '.[$mark:] | pxclone_requests[] | select(.method == "DELETE") | px_path' \
        --argjson mark "$E2E_MARK" | sort)"
e2e_done
