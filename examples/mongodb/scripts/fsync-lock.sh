#!/usr/bin/env bash
# pre-snapshot hook: flush MongoDB's journal to disk and block writes on every replica set member,
# so that the Portworx snapshots of mongo-data-mongo-0/1/2 are consistent.
#
# The lock releases itself. Before locking a member, this arms a release inside its pod that
# unlocks it after PXCLONE_HOOK_DEADLINE_SECONDS (the latest time pxclone runs the post-hook)
# unless fsync-unlock.sh removed the marker first. A pxclone killed between the two hooks
# (SIGKILL, a CI job's timeout) then leaves production locked until that deadline at most.
# pxclone sets PXCLONE_SOURCE_NAMESPACE, PXCLONE_RUN and PXCLONE_HOOK_DEADLINE_SECONDS (and
# PXCLONE_PROFILE, PXCLONE_PVCS, PXCLONE_HOOK_DEADLINE) for hooks.
set -euo pipefail
namespace=${PXCLONE_SOURCE_NAMESPACE:-prod}
seconds=${PXCLONE_HOOK_DEADLINE_SECONDS:-900} # run by hand: 15 minutes
marker=/tmp/pxclone-fsync-lock-${PXCLONE_RUN:-manual}
# Run by the mongo container's sh with $1 = seconds, $2 = marker: the release sleeps in the
# background, detached from the exec session (whose end neither waits for it nor stops it).
# shellcheck disable=SC2016 # expanded in the pod, not here
arm='touch "$2" && (trap "" HUP; sleep "$1"; if [ -e "$2" ]; then rm -f "$2"; mongosh --quiet --eval "db.fsyncUnlock()"; fi) </dev/null >/dev/null 2>&1 &'
for member in mongo-0 mongo-1 mongo-2; do
    echo "fsync-lock: $namespace/$member (releases itself in ${seconds}s)" >&2
    kubectl -n "$namespace" exec "$member" -c mongo -- sh -c "$arm" sh "$seconds" "$marker"
    kubectl -n "$namespace" exec "$member" -c mongo -- \
        mongosh --quiet --eval 'printjson(db.fsyncLock())'
done
