#!/usr/bin/env bash
# post-snapshot hook (runs also when the snapshot failed): release the write lock on every
# member. Unlocking a member that is not locked is harmless, so this is safe to re-run.
set -uo pipefail
namespace=${PXCLONE_SOURCE_NAMESPACE:-prod}
status=0
for member in mongo-0 mongo-1 mongo-2; do
    echo "fsync-unlock: $namespace/$member" >&2
    kubectl -n "$namespace" exec "$member" -c mongo -- \
        mongosh --quiet --eval 'printjson(db.fsyncUnlock())' || status=1
done
exit $status
