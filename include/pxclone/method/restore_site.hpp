// What a snapshot method's part of restore's in-place discovery works with (docs/ARCHITECTURE.md,
// "A new snapshot method"): discover/restore implements it for one restore in one namespace, and
// each method's hooks (method::Method, "restore in place") read through it and add to the plan
// through it. Reads are cached there, so that each object is read once and in the order the
// decisions need it.
#pragma once

#include "pxclone/k8s/client.hpp"
#include "pxclone/plan/lineage.hpp"
#include "pxclone/plan/method_rules.hpp"
#include "pxclone/plan/restore_plan.hpp"
#include "pxclone/px/client.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace pxclone::method {

// A method's swaps that an interrupted restore left without their PVC, by PVC name: the objects
// of the method that tell what the swap was to (portworx: the new PV; csi: the PVC's
// VolumeSnapshots), never empty.
using PendingSwaps = std::map<std::string, std::vector<nlohmann::json>>;

// How a PVC bears on the set an in-place restore goes to when --snapshot names none.
struct PvcSet {
    // The set of a swap to it left unfinished: the restore must go on to that set.
    std::optional<std::string> unfinished;
    // Whether the PVC's own set may be the target (the first such PVC's is).
    bool chooses = true;
};

class RestoreSite {
public:
    virtual ~RestoreSite() = default;

    virtual const k8s::Client& kube() const = 0;
    virtual const px::Client& portworx() const = 0;
    virtual const std::string& ns() const = 0;     // the namespace restored in
    virtual const std::string& run_id() const = 0; // the run restored
    virtual const plan::Labels& ours() const = 0;  // the labels of the run's staging objects

    // The run's staging objects of `kind` (by its labels) in `ns`, "" for every namespace; one
    // list each call. A snapshot kind the server does not serve is an empty list.
    virtual std::vector<nlohmann::json> list_run(const std::string& kind,
                                                 const std::string& ns) const = 0;
    // The run's staging PVs (cluster-wide), listed on first use.
    virtual const std::vector<nlohmann::json>& run_pvs() = 0;
    // The PV a PVC is bound to (read once); nullopt when unbound or gone.
    virtual const std::optional<nlohmann::json>& pv_of(const nlohmann::json& pvc) = 0;

    // The set restored to: "" until --snapshot, an unfinished swap or the first PVC settles it.
    virtual const std::string& target_set() const = 0;
    // Settles the target set to `set` (pvc/`name`'s); UsageError when another is settled.
    virtual void settle_set(const std::string& name, const std::string& set) = 0;

    // Reads the profile's snapshot sets now, if they are not read yet (volume() reads them on
    // first use): for a method whose other reads come after the sets'.
    virtual void read_sets() = 0;
    // The staging volume deploy-staging makes for `source` ("NAMESPACE/PVC") from set `set` as
    // `staging_pvc` here, and the lineage of its objects. The set must be of `method`, the PVC's
    // own (UsageError); NotFoundError without the set or its ready snapshot of `source`.
    virtual std::pair<plan::StagingVolume, plan::Lineage> volume(const std::string& set,
                                                                 const std::string& source,
                                                                 const std::string& staging_pvc,
                                                                 std::string_view method) = 0;

    // Rolls `volume` back to its baseline (found afterwards).
    virtual void roll_back(plan::RestoreVolume volume) = 0;
    // Swaps `pvc` to `target`, replacing `old` (and its baselines, for a method that has them);
    // returns the swap as planned.
    virtual plan::SwapVolume& swap(const std::string& pvc, plan::StagingVolume target,
                                   const plan::Lineage& lineage, const plan::ReplacedVolume& old,
                                   bool pvc_exists, bool swapped,
                                   const std::string& reuse_snapshot = {}) = 0;
};

} // namespace pxclone::method
