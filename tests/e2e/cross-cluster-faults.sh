#!/usr/bin/env bash
# Faults on the transfer (issue 19), seeded as in tests/reliability: for each seed, cluster A
# fails cloud backups (backup-fail: the backup ends Failed) and answers status calls with 500
# (status-500) at random; `pxclone snapshot` with a transfer either completes (every backup
# Done) or fails with a documented code and rolls its set back with its backups. Then
# `teardown --run --snapshots`, run again as a user would until it exits 0, leaves nothing of
# pxclone's: no snapshot in A, no backup in the bucket (0 orphans), production untouched.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
profile=$E2E_PROFILES/cross-cluster-snapshot.yaml

sim_start "${E2E_CLUSTER_A[@]}"
sim_b_start
add_credential "$SIM_B_URL" "$E2E_TOKEN_B" SECRET-e2e-faults
summary=()
for seed in 1 2 3 4 5 6; do
    # A fresh A per seed (its seed state, this seed's faults); the bucket and B stay.
    sim_restart "${E2E_CLUSTER_A[@]}" --latency backup=100ms --seed "$seed" \
        --faults "rate=0.3,kinds=backup-fail+status-500"
    add_credential "$SIM_URL" "$E2E_TOKEN" SECRET-e2e-faults
    sim_get /_sim/state >"$E2E_TMP/state-before.json"
    px_run snapshot -p "$profile" --run "f$seed" --timeout 50s
    case $PX_RC in
    0 | 1 | 4 | 5) ;;
    *) e2e_fail "seed $seed: snapshot exited $PX_RC (not a documented outcome of a fault)" ;;
    esac
    [[ $PX_RC == 0 ]] || grep -q '^pxclone: error: ' "$PX_ERR" ||
        e2e_fail "seed $seed: snapshot failed without a 'pxclone: error:' line"
    if grep -qiE 'internal error|terminate called|what\(\)' "$PX_ERR"; then
        e2e_fail "seed $seed: a crash or an internal error"
    fi
    snapshot_rc=$PX_RC
    if [[ $snapshot_rc == 1 ]]; then
        # A failed set was rolled back whole, its backups with its snapshots.
        expect_err_contains "cloud backup"
        expect_equal "seed $seed: snapshots after the roll-back" "" "$(sim_owned_snapshots)"
        expect_equal "seed $seed: the bucket after the roll-back" "" "$(bucket_backups)"
    fi
    # Cleaned up as a user would: the same teardown until it exits 0 (bounded).
    for attempt in 1 2 3 4 5; do
        px_run teardown -p "$profile" --run "f$seed" --snapshots
        [[ $PX_RC != 0 ]] || break
        [[ $PX_RC == 5 || $PX_RC == 1 ]] || e2e_fail "seed $seed: teardown exited $PX_RC"
        [[ $attempt != 5 ]] || e2e_fail "seed $seed: teardown still failing after 5 attempts"
    done
    expect_equal "seed $seed: pxclone's snapshots in A" "" "$(sim_owned_snapshots)"
    expect_equal "seed $seed: the bucket" "" "$(bucket_backups)"
    summary+=("seed $seed: snapshot=$snapshot_rc teardown attempts=$attempt")
done
printf '%s\n' "${summary[@]}"
e2e_done
