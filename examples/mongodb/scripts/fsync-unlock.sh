#!/usr/bin/env bash
# post-snapshot hook (runs also when the snapshot failed): release the write lock on every
# member, after removing fsync-lock.sh's marker, which disarms the release that hook left in the
# pod. Unlocking a member that is not locked is harmless, so this is safe to re-run.
set -uo pipefail
namespace=${PXCLONE_SOURCE_NAMESPACE:-prod}
marker=/tmp/pxclone-fsync-lock-${PXCLONE_RUN:-manual}
status=0
for member in mongo-0 mongo-1 mongo-2; do
    echo "fsync-unlock: $namespace/$member" >&2
    # shellcheck disable=SC2016 # expanded in the pod, not here
    kubectl -n "$namespace" exec "$member" -c mongo -- \
        sh -c 'rm -f "$1"; exec mongosh --quiet --eval "printjson(db.fsyncUnlock())"' sh "$marker" ||
        status=1
done
exit $status
