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
    for (std::size_t i = 0; i < work.size(); ++i) {
        const auto& planned = plan.snapshots[i];
        try {
            outcome.taken[i] = work[i].get();
        } catch (const std::exception& e) {
            // Any failure, also a transport error (a connection cut during a create), fails the
            // set: the post-hooks still run and the roll-back follows.
            const auto* error = dynamic_cast<const Error*>(&e);
            const auto code = error != nullptr ? error->code() : ExitCode::failed;
            // A reused Portworx snapshot is deleted by its portworx_id.
            outcome.taken[i] = {
                .pvc = planned.source.pvc, .id = planned.existing, .portworx_id = planned.existing};
            outcome.failures.push_back(fmt::format("snapshot of {} ({}): {}", planned.source.pvc,
                                                   planned.source.volume_id, e.what()));
            if (!outcome.code || code == ExitCode::interrupted) {
                outcome.code = code;
            }
            if (dynamic_cast<const CreateCutShort*>(&e) != nullptr) {
                outcome.uncertain.push_back(
                    fmt::format("  snapshot {} of {}", planned.name, planned.source.pvc));
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

} // namespace pxclone::exec
