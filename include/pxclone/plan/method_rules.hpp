// The pure part of a snapshot method (docs/ARCHITECTURE.md, "A new snapshot method"): what a
// method's snapshots are labelled with, how a staging volume is made from one, which Kubernetes
// kinds it keeps. The planners reach a method only through this interface, never by a switch on
// profile::SnapshotMethod; src/method/ implements it for each method (method::Method adds the
// requests that take, find and delete the snapshots).
#pragma once

#include "pxclone/plan/lineage.hpp"
#include "pxclone/profile/profile.hpp"

#include <string>
#include <utility>
#include <vector>

namespace pxclone::plan {

struct StagingVolume;
struct SnapshotSetVolume;

// One permission a method's own requests need: `verb` on `kind` (a Kubernetes kind, e.g.
// "VolumeSnapshot") in `ns` ("" = every namespace, or the cluster scope), for `why`; `name`
// limits it to one object. plan::needed_permissions adds it for the command that asked.
struct MethodAccess {
    std::string verb;
    std::string kind;
    std::string ns;
    std::string why;
    std::string name = {};
};

// Where among a command's requests a method's own come (plan::needed_permissions asks for each
// in the commands' order, so that the permissions keep their first-needed order).
enum class AccessPhase {
    take_snapshots, // snapshot: find, take, wait for and roll back this run's snapshots
    read_sets,      // the catalog: find the profile's snapshot sets
    make_volumes,   // deploy-staging, restore: make a staging volume from a snapshot
    swap_volumes,   // restore: replace a PVC's volume with one from another snapshot
    validate,       // validate --online: read what the method's own checks read
};

// What a restore swap replaces of the old volume (each "" when there is none): the Portworx
// clone (or the volume provisioned for the old PVC) and its PV; with a CSI method the
// VolumeSnapshot it was made from and its content.
struct ReplacedVolume {
    std::string clone_id;
    std::string pv;
    std::string snapshot;
    std::string content;
};

class MethodRules {
public:
    virtual ~MethodRules() = default;

    virtual profile::SnapshotMethod kind() const = 0;
    std::string_view name() const { return profile::method_name(kind()); }

    // The Kubernetes kinds the method keeps besides the PVCs and PVs of every method (csi:
    // VolumeSnapshot, VolumeSnapshotContent; a set's in the source namespace, a staging volume's
    // in the staging namespace). The catalog, teardown and retention list and delete these kinds,
    // and the permissions grant them, only for the profile's method.
    virtual std::vector<std::string> kept_kinds() const = 0;

    // The permissions the method's own requests need at `phase`, for `profile` (in the order it
    // sends them).
    virtual std::vector<MethodAccess> access(AccessPhase phase,
                                             const profile::Profile& profile) const = 0;

    // Whether a staging volume is provisioned by the CSI driver (not made by pxclone), so that
    // pxclone labels it afterwards: its PV (a patch) and its Portworx volume (an update).
    virtual bool labels_provisioned_volumes() const = 0;

    // Whether a staging volume takes its source PVC's storage class when staging.storageClass
    // names none (its provisioner needs one): validate --online then checks those classes.
    virtual bool staging_class_from_source() const = 0;

    // Whether the method's staging volumes have baselines (Portworx snapshots of their clones
    // that restore rolls back to); a swap deletes the replaced clone's then.
    virtual bool has_baselines() const = 0;

    // What a restore swap annotates its target with as replaced (the `replaces` and
    // `replaces_object` of swap_target), chosen from `old`.
    virtual std::pair<std::string, std::string> swap_replaces(const ReplacedVolume& old) const = 0;

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
