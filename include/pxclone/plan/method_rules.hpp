// The pure part of a snapshot method (docs/ARCHITECTURE.md, "A new snapshot method"): what a
// method's snapshots are labelled with, how a staging volume is made from one, which Kubernetes
// kinds it keeps. The planners reach a method only through this interface, never by a switch on
// profile::SnapshotMethod; src/method/ implements it for each method (method::Method adds the
// requests that take, find and delete the snapshots).
#pragma once

#include "pxclone/plan/lineage.hpp"
#include "pxclone/profile/profile.hpp"

#include <string>
#include <vector>

namespace pxclone::plan {

struct StagingVolume;
struct SnapshotSetVolume;

class MethodRules {
public:
    virtual ~MethodRules() = default;

    virtual profile::SnapshotMethod kind() const = 0;
    std::string_view name() const { return profile::method_name(kind()); }

    // Whether the method keeps objects of the Kubernetes snapshot API (VolumeSnapshot,
    // VolumeSnapshotContent): a set's in the source namespace, a staging volume's in the staging
    // namespace. Listing, teardown and the permissions read and delete those kinds only then.
    virtual bool uses_volume_snapshots() const = 0;

    // The labels and annotations of one snapshot of a set; `lineage` has role snapshot, the set
    // and the source filled in.
    virtual Labels snapshot_labels(const Lineage& lineage) const = 0;
    virtual Labels snapshot_annotations(const Lineage& lineage) const = 0;

    // Makes a staging volume from `source`, one snapshot of the set: `volume` comes with its
    // names (source, staging PVC, snapshot id); returns it with what the method creates (a
    // Portworx clone, Kubernetes objects in creation order).
    virtual StagingVolume staging_volume(const profile::Profile& profile, const Lineage& lineage,
                                         const std::string& staging_namespace, StagingVolume volume,
                                         const SnapshotSetVolume& source) const = 0;

    // Restore (roll a staging PVC over to another set's snapshot): the target of the swap, made
    // from `planned` (the volume staging_volume makes for that set) so that no name collides
    // with what exists until the old volume is deleted, annotated with what it `replaces`
    // (plan::portworx_swap_target, plan::csi_swap_target). `reuse_snapshot`: a staging snapshot
    // of that set already there (csi), "" for none.
    virtual StagingVolume swap_target(StagingVolume planned, const Lineage& lineage,
                                      const std::string& replaces,
                                      const std::string& replaces_object,
                                      const std::string& reuse_snapshot) const = 0;

    // The objects ("Kind/name") a staging volume holds in the staging namespace besides its PVC,
    // which no staging manifest may define.
    virtual std::vector<std::string> reserved_names(const StagingVolume& volume) const = 0;
};

} // namespace pxclone::plan
