#include "pxclone/exec/snapshot_runner.hpp"

#include <future>
#include <set>

#include <fmt/format.h>

namespace pxclone::exec {

namespace {

// Deletes `snapshots`; returns a line for each that could not be deleted.
std::vector<std::string> remove_each(SnapshotBackend& backend, const plan::SnapshotPlan& plan,
                                     const std::vector<TakenSnapshot>& snapshots) {
    std::vector<std::string> leftovers;
    for (const auto& snapshot : snapshots) {
        try {
            backend.remove(plan, snapshot);
        } catch (const std::exception& e) {
            leftovers.push_back(
                fmt::format("  snapshot {} of {}: {}", snapshot.id, snapshot.pvc, e.what()));
        }
    }
    return leftovers;
}

} // namespace

TakeOutcome take_all(SnapshotBackend& backend, const plan::SnapshotPlan& plan,
                     util::WorkerPool& pool, std::chrono::system_clock::time_point deadline,
                     const std::function<bool()>& interrupted) {
    TakeOutcome outcome;
    outcome.taken.resize(plan.snapshots.size());
    std::vector<std::future<TakenSnapshot>> work;
    for (const auto& snapshot : plan.snapshots) {
        work.push_back(pool.submit([&backend, &plan, &snapshot, &interrupted, deadline] {
            if (interrupted && interrupted()) {
                throw InterruptedError();
            }
            return backend.take(plan, snapshot, deadline);
        }));
    }
    // Any failure, also a transport error (a connection cut during a create), fails the set: the
    // post-hooks still run and the roll-back follows.
    const auto record_failure = [&outcome, &plan](std::size_t i, const std::exception& e) {
        const auto& planned = plan.snapshots[i];
        const auto* error = dynamic_cast<const Error*>(&e);
        const auto code = error != nullptr ? error->code() : ExitCode::failed;
        outcome.failures.push_back(fmt::format("snapshot of {} ({}): {}", planned.source.pvc,
                                               planned.source.volume_id, e.what()));
        if (!outcome.code || code == ExitCode::interrupted) {
            outcome.code = code;
        }
        if (dynamic_cast<const CreateCutShort*>(&e) != nullptr) {
            outcome.uncertain.push_back(
                fmt::format("  snapshot {} of {}", planned.name, planned.source.pvc));
        }
    };
    std::vector<std::size_t> made;
    for (std::size_t i = 0; i < work.size(); ++i) {
        const auto& planned = plan.snapshots[i];
        try {
            outcome.taken[i] = work[i].get();
            made.push_back(i);
        } catch (const std::exception& e) {
            // A reused Portworx snapshot is deleted by its portworx_id.
            outcome.taken[i] = {
                .pvc = planned.source.pvc, .id = planned.existing, .portworx_id = planned.existing};
            record_failure(i, e);
        }
    }
    if (made.empty()) {
        return outcome;
    }
    // Readiness of what was made, for the whole set at once where the backend checks it so. A
    // snapshot that is not ready keeps its id: the roll-back deletes it.
    std::vector<std::exception_ptr> not_ready;
    try {
        not_ready = backend.await_ready(plan, outcome.taken, made, deadline);
    } catch (...) {
        not_ready.assign(outcome.taken.size(), nullptr);
        for (const auto i : made) {
            not_ready[i] = std::current_exception();
        }
    }
    for (const auto i : made) {
        if (i < not_ready.size() && not_ready[i]) {
            try {
                std::rethrow_exception(not_ready[i]);
            } catch (const std::exception& e) {
                record_failure(i, e);
            }
        }
    }
    return outcome;
}

std::vector<std::string> roll_back(SnapshotBackend& backend, const plan::SnapshotPlan& plan,
                                   const std::vector<TakenSnapshot>& taken,
                                   bool snapshots_attempted) {
    std::vector<TakenSnapshot> made;
    std::set<std::string> ids;
    for (const auto& snapshot : taken) {
        if (!snapshot.id.empty() && ids.insert(snapshot.id).second) {
            made.push_back(snapshot);
        }
    }
    if (!snapshots_attempted) {
        return remove_each(backend, plan, made);
    }
    std::vector<std::string> leftovers;
    try {
        for (const auto& found : backend.find_existing(plan)) {
            if (ids.insert(found.id).second) {
                const auto slash = found.source.find('/');
                made.push_back({.source = found.source,
                                .pvc = slash == std::string::npos ? found.source
                                                                  : found.source.substr(slash + 1),
                                .id = found.id,
                                .portworx_id = found.id});
            }
        }
    } catch (const std::exception& e) {
        leftovers.push_back(
            fmt::format("  this run's snapshots could not be listed: {}", e.what()));
    }
    auto failed = remove_each(backend, plan, made);
    leftovers.insert(leftovers.end(), failed.begin(), failed.end());
    return leftovers;
}

std::vector<TakenSnapshot> run_snapshot_plan(SnapshotBackend& backend,
                                             const plan::SnapshotPlan& plan,
                                             const SnapshotRun& run) {
    const auto& hooks = run.profile.source.hooks;
    plan::SetFailure failure{.set_id = plan.set_id, .run = run.hook_environment.run};
    if (run.hooks && !hooks.pre.empty()) {
        run.note("running pre-hooks");
        failure.failures = run_pre_hooks(run.processes, run.profile, run.hook_environment,
                                         run.clock, run.hook_budget);
    }

    const bool snapshots_attempted = failure.failures.empty();
    TakeOutcome taken;
    if (snapshots_attempted) {
        taken = take_all(backend, plan, run.pool, run.snapshot_deadline(), run.interrupted);
    } else {
        taken.taken.resize(plan.snapshots.size());
    }
    failure.failures.insert(failure.failures.end(), taken.failures.begin(), taken.failures.end());

    // Post-hooks always run once the pre-hooks ran: a database is never left frozen.
    if (run.hooks && !hooks.post.empty()) {
        run.note("running post-hooks");
        for (const auto& warning :
             run_post_hooks(run.processes, run.profile, run.hook_environment)) {
            run.warn(warning);
        }
    }
    // The deadline passed before the set was complete (a post-hook held it up): all or nothing,
    // as for any other part of the set.
    if (failure.failures.empty() && run.deadline.passed(run.clock.now())) {
        failure.failures.push_back(
            fmt::format("the set was not complete by the deadline ({})", run.deadline.origin()));
    }
    if (failure.failures.empty()) {
        return std::move(taken.taken);
    }

    // All or nothing: a partial set must not be mistaken for a copy of production.
    failure.leftovers = roll_back(backend, plan, taken.taken, snapshots_attempted);
    failure.uncertain = std::move(taken.uncertain);
    failure.code = taken.code;
    // A signal is the reason even when what it broke was a hook (pxclone stops a running hook on
    // SIGINT/SIGTERM); so is the deadline, when it has passed (whatever it cut).
    failure.interrupted = run.interrupted && run.interrupted();
    if (run.deadline.passed(run.clock.now())) {
        failure.deadline_passed = run.deadline.origin();
    }
    throw plan::set_failure_error(failure);
}

} // namespace pxclone::exec
