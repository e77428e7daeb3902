// method: portworx — an OpenStorage SDK SnapshotCreate per volume, checked by inspect; a staging
// volume is a Portworx clone of the snapshot behind a static PV.
#pragma once

#include "pxclone/method/method.hpp"
#include "pxclone/plan/snapshot_plan.hpp"
#include "pxclone/px/types.hpp"

namespace pxclone::method {

// The SnapshotCreate request of one planned snapshot (its name and every lineage label).
px::SnapshotCreateRequest portworx_snapshot_request(const plan::PlannedSnapshot& snapshot);

} // namespace pxclone::method
