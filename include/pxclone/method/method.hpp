// A snapshot method (profile `snapshot.method`): everything that differs between ways of taking
// and using a set's snapshots, behind one interface (docs/ARCHITECTURE.md, "A new snapshot
// method"). Its pure part (labels, how a staging volume is made, which kinds it keeps) is
// plan::MethodRules, which the planners take; its requests (take a snapshot and wait until it is
// ready, find this run's snapshots, delete one) are a SnapshotBackend made over the clients.
// Nothing outside src/method/ branches on profile::SnapshotMethod: it asks method::of().
#pragma once

#include "pxclone/exec/snapshot_backend.hpp"
#include "pxclone/k8s/client.hpp"
#include "pxclone/method/restore_site.hpp"
#include "pxclone/plan/method_rules.hpp"
#include "pxclone/plan/online_checks.hpp"
#include "pxclone/profile/profile.hpp"
#include "pxclone/px/client.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <set>
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

    // ---- restore in place (discover/restore asks each method, in every()'s order) ----------

    // Whether a staging PVC of the run was made by this method (exactly one method says so).
    virtual bool made(const nlohmann::json& pvc) const = 0;

    // This method's swaps that an interrupted restore left without their PVC in site.ns(): for
    // the PVCs not in `present` and, when `asked` is not empty, asked for. Asked only when the
    // profile's method keeps every kind this one keeps (else there is none to find, nor perhaps
    // the permission to look).
    virtual PendingSwaps pending_swaps(RestoreSite& site, const std::set<std::string>& present,
                                       const std::vector<std::string>& asked) const = 0;

    // The set a pending swap was to (nullopt: it goes to the target set, which it may settle).
    // Those with a set are resumed before the PVCs are looked at, the others after.
    virtual std::optional<std::string>
    pending_set(const std::vector<nlohmann::json>& objects) const = 0;

    // Resumes the pending swap of pvc/`name` (`objects` from pending_swaps) through the site.
    virtual void resume_pending(RestoreSite& site, const std::string& name,
                                const std::vector<nlohmann::json>& objects) const = 0;

    // How `pvc`, one this method made, bears on the target set (reads through the site).
    virtual PvcSet pvc_set(RestoreSite& site, const nlohmann::json& pvc) const = 0;

    // Restores `pvc`, one this method made, to site.target_set(): a roll-back to its baseline or
    // a swap, added through the site. UsageError when what it would replace is not the run's.
    virtual void restore_pvc(RestoreSite& site, const nlohmann::json& pvc) const = 0;
};

// The method `kind` names; every profile::SnapshotMethod has one.
const Method& of(profile::SnapshotMethod kind);

// The method a set's label `pxclone.io/method` (or the catalog's SnapshotSet::method) names:
// "csi" is csi; anything else, also "", is portworx (sets made before the label existed).
const Method& named(std::string_view name);

// The kinds every method keeps (Method::kept_kinds of each): what a listing of every profile
// looks for.
std::vector<std::string> every_kept_kind();

// Every method, in the order restore's discovery asks them.
const std::vector<const Method*>& every();

// The method that made a staging PVC (Method::made).
const Method& made(const nlohmann::json& pvc);

// The two methods (their own headers hold what only their tests need).
const Method& portworx();
const Method& csi();

} // namespace pxclone::method
