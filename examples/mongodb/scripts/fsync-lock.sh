#!/usr/bin/env bash
# pre-snapshot hook: flush MongoDB's journal to disk and block writes on every replica set member,
# so that the Portworx snapshots of mongo-data-mongo-0/1/2 are consistent.
# pxclone sets PXCLONE_SOURCE_NAMESPACE (and PXCLONE_RUN, PXCLONE_PROFILE, PXCLONE_PVCS) for hooks.
set -euo pipefail
namespace=${PXCLONE_SOURCE_NAMESPACE:-prod}
for member in mongo-0 mongo-1 mongo-2; do
    echo "fsync-lock: $namespace/$member" >&2
    kubectl -n "$namespace" exec "$member" -c mongo -- \
        mongosh --quiet --eval 'printjson(db.fsyncLock())'
done
