#!/usr/bin/env bash
# A killed snapshot cannot leave production frozen (issue 16 §9). Pre-hooks are told their
# deadline (PXCLONE_HOOK_DEADLINE, PXCLONE_HOOK_DEADLINE_SECONDS): the latest time pxclone runs
# the post-hooks. tests/e2e/hooks/freeze models a lock as a file whose pre-hook arms a release at
# that deadline:
# - a normal run: the post-hook finds the lock still held and releases it; the release it
#   disarmed never fires;
# - pxclone SIGKILLed between pre- and post-hook (by a second pre-hook, so the point of the kill
#   is fixed by the run itself, not by timing): no post-hook runs, and the lock is released by
#   its own release, not before the deadline.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init "$@"
sim_start

freeze_events() { cat "$E2E_FREEZE_DIR/events"; }

# The release sleeps in its own session: end it (and its sleep) whatever the outcome.
stop_release() {
    local pid
    pid=$(cat "$E2E_FREEZE_DIR/release.pid" 2>/dev/null) || return 0
    kill -- "-$pid" 2>/dev/null || true
}

# ---- a normal run: released by the post-hook, the lock held until then ----
export E2E_FREEZE_DIR=$E2E_TMP/freeze-normal
mkdir -p "$E2E_FREEZE_DIR"
px_run snapshot -p "$E2E_PROFILES/freeze.yaml" --run e2e-freeze-1
stop_release
expect_exit 0
expect_equal "events of a normal run" "locked
unlocked by the post-hook (held, deadline variables: none)" "$(freeze_events)"
[[ ! -e $E2E_FREEZE_DIR/lock && ! -e $E2E_FREEZE_DIR/armed ]] ||
    e2e_fail "the lock or the release's marker is left after a normal run"
# 5s + 5s of pre-hook timeouts and the 1m snapshot timeout, counted from the first pre-hook.
told=$(cat "$E2E_FREEZE_DIR/env")
[[ $told =~ ^deadline=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\ seconds=([0-9]+)$ ]] ||
    e2e_fail "the pre-hook was told '$told'"
(( BASH_REMATCH[1] > 0 && BASH_REMATCH[1] <= 70 )) ||
    e2e_fail "PXCLONE_HOOK_DEADLINE_SECONDS=${BASH_REMATCH[1]}, want 1..70"

# ---- killed between pre- and post-hook: the freeze releases itself at the deadline ----
export E2E_FREEZE_DIR=$E2E_TMP/freeze-killed
mkdir -p "$E2E_FREEZE_DIR"
creates=$(count_requests POST /v1/volumes/snapshots)
E2E_FREEZE_KILL=1 px_start snapshot -p "$E2E_PROFILES/freeze-short.yaml" --run e2e-freeze-2
px_wait
expect_exit 137
told=$(cat "$E2E_FREEZE_DIR/env")
[[ $told =~ ^deadline=([0-9T:Z-]+)\ seconds=([0-9]+)$ ]] || e2e_fail "the pre-hook was told '$told'"
deadline=${BASH_REMATCH[1]}
seconds=${BASH_REMATCH[2]}
(( seconds > 0 && seconds <= 12 )) || e2e_fail "PXCLONE_HOOK_DEADLINE_SECONDS=$seconds, want 1..12"
# Wait for the release (it sleeps $seconds from the pre-hook's start), with a generous bound.
for _ in $(seq $(((seconds + 60) * 5))); do
    grep -q '^released' "$E2E_FREEZE_DIR/events" && break
    sleep 0.2
done
stop_release
events=$(freeze_events)
[[ $events == "locked
pxclone killed
released by the deadline at "* ]] || e2e_fail "events of a killed run:
$events"
[[ ! -e $E2E_FREEZE_DIR/lock ]] || e2e_fail "the lock is still held"
released=${events##* at }
# RFC 3339 stamps in UTC to the second compare as text.
[[ ! $released < $deadline ]] || e2e_fail "released at $released, before the deadline $deadline"
expect_equal "snapshot creates of the killed run" "$creates" "$(count_requests POST /v1/volumes/snapshots)"
e2e_done
