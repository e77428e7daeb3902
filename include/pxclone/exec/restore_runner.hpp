// Running a RestorePlan (plan/restore_plan.hpp) step by step, and taking baselines. The steps
// talk to the cluster only through a RestoreRunner: the real one sends requests, the dry-run one
// prints each write and sends nothing, so `--dry-run` walks exactly the same steps.
#pragma once

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
};

std::unique_ptr<RestoreRunner>
make_restore_runner(const k8s::Client& kube, const px::Client& portworx, RestoreContext context);
// Prints `PATCH|POST <path> <body>` for every write and `WAIT ...` for every wait.
std::unique_ptr<RestoreRunner> make_dry_run_restore_runner(std::ostream& out);

// The baseline of the request if it exists, else a new snapshot (find first: snapshot names are
// not unique, and a second snapshot would be a leak). Returns its id.
std::string find_or_take_baseline(const px::Client& portworx,
                                  const plan::BaselineRequest& baseline);

// Runs plan.steps in order, stopping at the first failure or interruption (the error
// propagates; the workloads keep their annotation so that running restore again resumes).
void run_restore_plan(const plan::RestorePlan& plan, RestoreRunner& runner, time_point deadline,
                      const std::function<bool()>& cancelled);

} // namespace pxclone::exec
