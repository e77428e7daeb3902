// method: csi — a VolumeSnapshot per PVC in the source namespace, ready when readyToUse, its
// Portworx id read from its VolumeSnapshotContent's status.snapshotHandle; a staging volume is a
// PVC whose dataSource is a VolumeSnapshot of that handle in the staging namespace.
#pragma once

#include "pxclone/method/method.hpp"
#include "pxclone/plan/snapshot_plan.hpp"

#include <nlohmann/json.hpp>

namespace pxclone::method {

// The VolumeSnapshot of one planned snapshot, in the plan's source namespace.
nlohmann::json volume_snapshot_object(const plan::SnapshotPlan& plan,
                                      const plan::PlannedSnapshot& snapshot);

} // namespace pxclone::method
