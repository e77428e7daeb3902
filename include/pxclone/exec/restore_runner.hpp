// Running a RestorePlan (plan/restore_plan.hpp) step by step, and taking baselines. The steps
// talk to the cluster only through a RestoreRunner: the real one sends requests, the dry-run one
// prints each write and sends nothing, so `--dry-run` walks exactly the same steps.
#pragma once

#include "pxclone/exec/staging_runner.hpp"
#include "pxclone/k8s/client.hpp"
#include "pxclone/plan/restore_plan.hpp"
#include "pxclone/px/client.hpp"
#include "pxclone/util/clock.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <ostream>
#include <set>
#include <string>

namespace pxclone::exec {

using time_point = std::chrono::system_clock::time_point;

struct RestoreContext {
    const util::Clock* clock = nullptr;
    util::Sleeper* sleeper = nullptr;
    std::function<void(const std::string& key, const std::string& text)> on_progress;
    std::function<bool()> cancelled;
    // Between two Portworx inspects while waiting for a volume to detach.
    std::chrono::milliseconds detach_poll{250};
};

class RestoreRunner {
public:
    virtual ~RestoreRunner() = default;

    // Annotates the workload with its replica count (plan::record_replicas_patch).
    virtual void record_replicas(const plan::Workload& workload) = 0;
    // Sets spec.replicas through the scale subresource.
    virtual void scale(const plan::Workload& workload, int replicas) = 0;
    // Until no pod of `ns` (not yet terminated) mounts one of `pvcs`: a watch on the pods.
    // Throws exit 4 at the deadline, naming the pods still there.
    virtual void wait_pods_gone(const std::string& ns, const std::set<std::string>& pvcs,
                                time_point deadline) = 0;
    // Until the Portworx volume is not attached (inspect; exit 4 at the deadline).
    virtual void wait_detached(const plan::RestoreVolume& volume, time_point deadline) = 0;
    // Checks the baseline again (exists, parent is the clone), then the SDK restore.
    virtual void restore(const plan::RestoreVolume& volume) = 0;
    // Until the workload is ready (exit 4 at the deadline, 1 when it failed).
    virtual void wait_ready(const plan::Workload& workload, time_point deadline) = 0;
    // Removes the annotation.
    virtual void clear_record(const plan::Workload& workload) = 0;
    // This baseline if it exists (labels, parent), else a new snapshot. Returns its id.
    virtual std::string baseline(const plan::BaselineRequest& baseline) = 0;
    // Deletes the object (already gone is fine); with `wait`, until it is gone (exit 4 at the
    // deadline, naming what holds it).
    virtual void remove(const k8s::Resource& resource, const std::string& ns,
                        const std::string& name, bool wait, time_point deadline) = 0;
    // Deletes a Portworx volume (already gone is fine).
    virtual void delete_volume(const std::string& volume_id) = 0;
    // Merge patch of an object.
    virtual void patch(const k8s::Resource& resource, const std::string& ns,
                       const std::string& name, const nlohmann::json& patch) = 0;
};

std::unique_ptr<RestoreRunner>
make_restore_runner(const k8s::Client& kube, const px::Client& portworx, RestoreContext context);
// Prints `PATCH|POST <path> <body>` for every write and `WAIT ...` for every wait.
std::unique_ptr<RestoreRunner> make_dry_run_restore_runner(std::ostream& out);

// The baseline of the request if it exists, else a new snapshot (find first: snapshot names are
// not unique, and a second snapshot would be a leak). Returns its id.
std::string find_or_take_baseline(const px::Client& portworx,
                                  const plan::BaselineRequest& baseline);

// Runs plan.steps in order, stopping at the first failure or interruption. A swap's objects are
// made through `staging` (the clone found again by its labels, objects created or adopted, waits)
// as deploy-staging makes them; a csi swap's new PV and Portworx volume are labelled as
// deploy-staging labels them. Returns the new volume of every swap (Portworx clone id; csi: the
// VolumeSnapshot), in plan.swaps order.
// On a failure or interruption after workloads were scaled down, they are scaled back to their
// recorded count (record removed, not waited for) unless that would let them mount a PVC that is
// missing or holds data not masked yet; the error (same code; 5 when scaling back failed) then
// has detail lines saying which workloads were brought back and which are still stopped, and
// `finish_command` (the command that finishes the restore: the workloads keep their annotation,
// a swap's new PV or PVC its k_restore_replaces_key, so that running restore again resumes).
std::vector<std::string> run_restore_plan(const plan::RestorePlan& plan, RestoreRunner& runner,
                                          StagingRunner& staging, time_point deadline,
                                          const std::function<bool()>& cancelled,
                                          const std::string& finish_command = {});

} // namespace pxclone::exec
