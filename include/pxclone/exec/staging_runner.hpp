// Running a StagingPlan (plan/staging_plan.hpp) step by step. The steps talk to the cluster only
// through a StagingRunner: the real one sends requests, the dry-run one prints each object and
// sends nothing that writes, so `--dry-run` walks exactly the same steps.
#pragma once

#include "pxclone/exec/job_log.hpp"
#include "pxclone/exec/step.hpp"
#include "pxclone/k8s/client.hpp"
#include "pxclone/plan/restore_plan.hpp"
#include "pxclone/plan/staging_plan.hpp"
#include "pxclone/px/client.hpp"
#include "pxclone/util/clock.hpp"
#include "pxclone/util/worker_pool.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace pxclone::exec {

struct StagingContext {
    const util::Clock* clock = nullptr;
    util::Sleeper* sleeper = nullptr;
    std::function<void(const std::string& key, const std::string& text)> on_progress;
    std::function<bool()> cancelled;
    // A step reported through on_progress ended (ok false: it failed).
    DoneFn on_done;
    // After each write the server accepted (or each object of this run found again), with what
    // now exists: "namespace/orders-stg-42", "service/mongo in orders-stg-42", "portworx volume
    // ID (name)" (the form of plan::FoundObject::describe()). May be called from several threads.
    std::function<void(const std::string& what)> on_written;
};

class StagingRunner {
public:
    virtual ~StagingRunner() = default;

    // Whether its writes reach the server. The dry-run twin's do not: what it "made" does not
    // exist (a set it would have taken, an environment to account for or remove after a failure,
    // a report of something ready).
    virtual bool sends() const { return true; }

    // Creates the namespace, or accepts it when this run made it. Throws UsageError (exit 2)
    // when it exists and is not this run's, or is being deleted.
    virtual void create_namespace(const plan::StagingPlan& plan) = 0;
    // This run's clone of the snapshot (found by its labels), else a new one. Returns its id.
    virtual std::string clone(const plan::StagingVolume& volume) = 0;
    // Creates the object, or adopts it when this run created it before (its labels prove it).
    virtual void create(const plan::PlannedObject& object) = 0;
    // Server-side apply (field manager pxclone).
    virtual void apply(const plan::PlannedObject& object) = 0;
    // Waits until ready or `deadline`: exit 4 past it, exit 1 when it failed (a Job that failed).
    virtual nlohmann::json wait(const plan::WaitFor& wait,
                                std::chrono::system_clock::time_point deadline) = 0;
    // Waits until every one of `waits` is ready or `deadline`, as wait() does for each. The
    // waits are one group of plan::group_waits (one kind, namespace and predicate): a runner may
    // await them together. By default one after another.
    virtual void wait_many(const std::vector<plan::WaitFor>& waits,
                           std::chrono::system_clock::time_point deadline) {
        for (const auto& each : waits) {
            wait(each, deadline);
        }
    }
    // The baseline snapshot of a staging clone (found by its labels, else taken), what
    // `pxclone restore` rolls the volume back to. Returns its id.
    virtual std::string baseline(const plan::BaselineRequest& baseline) = 0;
    // csi: labels the PV the staging PVC is Bound to (volume.bound_pv_labels) and the Portworx
    // volume behind it (volume.bound_volume_labels), unless they carry them already. Throws Error
    // (exit 1), labelling nothing, when the PV's claimRef is not that PVC: a PV bound elsewhere
    // is not a staging object.
    virtual void label_bound_volume(const plan::StagingVolume& volume,
                                    const std::string& staging_namespace) = 0;
    // Merge-patches the staging namespace (plan::ready_patch: the environment is ready).
    virtual void mark_ready(const std::string& staging_namespace, const nlohmann::json& patch) = 0;
    // The end of `container`'s log in the Job's pod, for the error when the Job failed or timed
    // out. Never throws; a runner that cannot read logs says so in LogTail::error.
    virtual LogTail job_log_tail(const plan::WaitFor& job, const std::string& container) {
        (void)job;
        (void)container;
        return LogTail{.pod = {}, .text = {}, .error = "not read"};
    }
};

std::unique_ptr<StagingRunner>
make_staging_runner(const k8s::Client& kube, const px::Client* portworx, StagingContext context);
// Prints `POST|PUT|PATCH <path>` and the body for every write the real runner would send on a
// fresh run, and `WAIT ...` for what it would await. What the server names (a provisioned PV, the
// Portworx volume behind it) is a placeholder: "<pv-of-pvc-NAME>", "<volume-of-pvc-NAME>".
// `clone_lines`, when given, are the lines of a volume's clone step instead of the clone's request
// (another way to make the volume: exec/cloud_restore.hpp restores a backup).
using CloneLines = std::function<std::vector<std::string>(const plan::StagingVolume& volume)>;
std::unique_ptr<StagingRunner> make_dry_run_staging_runner(std::ostream& out,
                                                           CloneLines clone_lines = {});

// Runs plan.steps in order, stopping at the first failure or interruption (the error
// propagates; what exists stays for `teardown --run`). The steps that mostly wait on the server
// (each volume's clone and objects, the waits, the baselines) run on `fan_out` (`pool` when
// null), every volume at once up to its size; waits of one kind and namespace are awaited
// together (StagingRunner::wait_many). Once the data is final it takes the baseline of every
// Portworx clone: without a mask right after the clone's objects are created (the clone's data
// is final then; the bind goes on meanwhile), with one after the masking Job. Returns the report
// with the clone ids filled in. When the masking Job fails or times out, its error (same exit
// code) ends with the tail of the Job's pod log (with_log_tail).
plan::StagingReport run_staging_plan(const plan::StagingPlan& plan, StagingRunner& runner,
                                     util::WorkerPool& pool, const util::Clock& clock,
                                     std::chrono::system_clock::time_point deadline,
                                     const std::function<bool()>& cancelled,
                                     util::WorkerPool* fan_out = nullptr);

} // namespace pxclone::exec
