// A snapshot method (profile `snapshot.method`): everything that differs between ways of taking
// and using a set's snapshots, behind one interface (docs/ARCHITECTURE.md, "A new snapshot
// method"). Its pure part (labels, how a staging volume is made, which kinds it keeps) is
// plan::MethodRules, which the planners take; its requests (take a snapshot and wait until it is
// ready, find this run's snapshots, delete one) are a SnapshotBackend made over the clients.
// Nothing outside src/method/ branches on profile::SnapshotMethod: it asks method::of().
#pragma once

#include "pxclone/exec/snapshot_backend.hpp"
#include "pxclone/k8s/client.hpp"
#include "pxclone/plan/method_rules.hpp"
#include "pxclone/plan/online_checks.hpp"
#include "pxclone/profile/profile.hpp"
#include "pxclone/px/client.hpp"

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pxclone::method {

// A check of validate --online that a method adds (reads only, on the cluster's client).
struct OnlineCheck {
    std::string name; // as validate reports it, also when skipped
    std::function<plan::Check(const k8s::Client& kube, const profile::Profile& profile)> run;
};

class Method : public plan::MethodRules {
public:
    // validate --online's checks of what only this method needs (csi: that snapshot.class
    // exists), run after the checks every method has.
    virtual std::vector<OnlineCheck> online_checks() const { return {}; }

    // The id a set's snapshot has in every document (snapshotId) and in the catalog
    // (exec::SetSnapshot::id), from `id`, what its backend took it as in `source_namespace`
    // (exec::TakenSnapshot::id): portworx the Portworx snapshot id; csi namespace/name of the
    // VolumeSnapshot. "" (not taken yet) stays "".
    virtual std::string snapshot_id(const std::string& source_namespace,
                                    const std::string& id) const {
        (void)source_namespace;
        return id;
    }

    // The backend that takes, finds and deletes this method's snapshots through the clients (a
    // method uses only those it needs). The backend refers to the clients: they outlive it.
    virtual std::unique_ptr<exec::SnapshotBackend> backend(const k8s::Client& kube,
                                                           const px::Client& portworx,
                                                           exec::BackendContext context) const = 0;
};

// The method `kind` names; every profile::SnapshotMethod has one.
const Method& of(profile::SnapshotMethod kind);

// The method a set's label `pxclone.io/method` (or the catalog's SnapshotSet::method) names:
// "csi" is csi; anything else, also "", is portworx (sets made before the label existed).
const Method& named(std::string_view name);

// The kinds every method keeps (Method::kept_kinds of each): what a listing of every profile
// looks for.
std::vector<std::string> every_kept_kind();

// The two methods (their own headers hold what only their tests need).
const Method& portworx();
const Method& csi();

} // namespace pxclone::method
