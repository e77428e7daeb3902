#!/usr/bin/env bash
# snapshot of 12 volumes (more than resolve_sources reads one GET each): their PVs come from one
# paginated LIST of every PV, not a GET each (issue 18: a 200-volume set sent 200 GETs). The
# request counts asserted here do not depend on timing.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
E2E_FIXTURE=$E2E_TMP/prod-mongo-12.yaml
"$E2E_PXSIM" --generate-fixture 12 >"$E2E_FIXTURE"
sim_start

px_run snapshot -p "$E2E_PROFILES/selector-portworx.yaml" --run e2e-many -o json --skip-hooks
expect_exit 0
expect_json '.snapshots | length' 12
expect_equal "snapshots made" 12 "$(request_lines | grep -c '^POST /api/v1/namespaces/kube-system/services/portworx-api:9021/proxy/v1/volumes/snapshots$')"
expect_equal "PV reads" "GET /api/v1/persistentvolumes?limit=500" \
    "$(request_lines all | grep '^GET /api/v1/persistentvolumes' | grep -v labelSelector)"
e2e_done
