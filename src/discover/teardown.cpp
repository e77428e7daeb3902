#include "pxclone/discover/teardown.hpp"

#include "pxclone/method/method.hpp"
#include "pxclone/plan/lineage.hpp"

#include <exception>
#include <future>
#include <optional>

namespace pxclone::discover {

TeardownSelection select_teardown(const profile::Profile& profile, const TeardownRequest& request,
                                  const exec::StagingObjects& staging,
                                  const std::vector<exec::SnapshotSet>& sets,
                                  std::chrono::system_clock::time_point now) {
    TeardownSelection selection;
    auto& target = selection.target;
    target.profile = profile.name;
    target.source_namespace = profile.source.source_namespace;
    target.method_kinds = method::of(profile.snapshot.method).kept_kinds();
    target.staging_only = profile.staging.scoped();

    const auto environments = exec::group_environments(staging);
    if (request.run) {
        target.runs.insert(*request.run);
    } else {
        for (const auto& environment : environments) {
            if (request.all || (request.expired && exec::is_expired(environment, now))) {
                target.runs.insert(environment.run);
            }
        }
    }
    if (!request.snapshots) {
        return selection;
    }

    // The sets these runs used, and a set taken by the run itself (deploy-staging --fresh).
    std::set<std::string> candidates;
    for (const auto& environment : environments) {
        if (target.runs.count(environment.run) != 0) {
            candidates.insert(environment.snapshot_sets.begin(), environment.snapshot_sets.end());
        }
    }
    for (const auto& run : target.runs) {
        if (exec::find_set(sets, run) != nullptr) {
            candidates.insert(run);
        }
    }
    const auto in_use = exec::snapshot_sets_used(staging, target.runs);
    for (const auto& set : candidates) {
        if (in_use.count(set) == 0) {
            target.snapshot_sets.insert(set);
            continue;
        }
        auto& users = selection.kept_sets[set];
        for (const auto& environment : environments) {
            if (environment.snapshot_sets.contains(set) &&
                target.runs.count(environment.run) == 0) {
                users.push_back(environment.run);
            }
        }
    }
    return selection;
}

TeardownSelection discover_teardown(const exec::Catalog& catalog, const profile::Profile& profile,
                                    const TeardownRequest& request,
                                    std::chrono::system_clock::time_point now) {
    // --run alone needs nothing from the catalog: the run is named, no set is chosen. The sets
    // are read only when they may be deleted, at once with the environments on the catalog's
    // pool (snapshot_sets queues nothing on it, so it cannot wait for its own tasks there).
    std::optional<std::future<std::vector<exec::SnapshotSet>>> reading;
    if (request.snapshots && catalog.pool() != nullptr) {
        reading = catalog.pool()->submit(
            [&catalog, &profile] { return catalog.snapshot_sets(profile.name); });
    }
    exec::StagingObjects staging;
    std::exception_ptr error;
    try {
        if (!request.run || request.snapshots) {
            staging = catalog.staging_objects(profile.name);
        }
    } catch (...) {
        error = std::current_exception();
    }
    std::vector<exec::SnapshotSet> sets;
    try {
        // Awaited even after an error: the task refers to this frame.
        if (reading) {
            sets = reading->get();
        } else if (request.snapshots && !error) {
            sets = catalog.snapshot_sets(profile.name);
        }
    } catch (...) {
        error = error ? error : std::current_exception();
    }
    if (error) {
        std::rethrow_exception(error);
    }
    return select_teardown(profile, request, staging, sets, now);
}

std::set<std::string> sets_not_asked(const plan::TeardownPlan& plan, bool snapshots) {
    std::set<std::string> sets;
    if (snapshots) {
        return sets;
    }
    const auto role_key = std::string(plan::k_role_key);
    for (const auto& refusal : plan.refused) {
        const auto& labels = refusal.object.labels;
        const auto set = labels.find(std::string(plan::k_snapshot_set_key));
        const auto role = labels.find(role_key);
        if (refusal.not_selected && set != labels.end() && role != labels.end() &&
            role->second == plan::role_name(plan::Role::snapshot)) {
            sets.insert(set->second);
        }
    }
    return sets;
}

} // namespace pxclone::discover
