#include "pxclone/plan/snapshot_plan.hpp"

#include <algorithm>
#include <cstdint>

#include <fmt/format.h>

namespace pxclone::plan {

namespace {

constexpr std::size_t k_max_name = 63;

// FNV-1a: stable across platforms and releases, which std::hash is not; names must not change
// between pxclone versions or a re-run would stop finding its own objects.
std::uint32_t stable_hash(std::string_view text) {
    std::uint32_t hash = 2166136261U;
    for (const char c : text) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 16777619U;
    }
    return hash;
}

} // namespace

std::string object_name(std::string_view profile, std::string_view run, std::string_view suffix) {
    auto name = fmt::format("{}-{}-{}", profile, run, suffix);
    if (name.size() <= k_max_name) {
        return name;
    }
    const auto tail = fmt::format("-{:08x}", stable_hash(name));
    name.resize(k_max_name - tail.size());
    while (!name.empty() && name.back() == '-') {
        name.pop_back();
    }
    return name + tail;
}

std::size_t SnapshotPlan::to_create() const {
    return static_cast<std::size_t>(std::count_if(
        snapshots.begin(), snapshots.end(), [](const auto& s) { return s.existing.empty(); }));
}

SnapshotPlan plan_snapshot(const MethodRules& method, const profile::Profile& profile,
                           Lineage lineage, const std::vector<SourceVolume>& sources,
                           const std::vector<ExistingSnapshot>& existing) {
    lineage.role = Role::snapshot;
    lineage.snapshot_set = lineage.run;
    lineage.set_size = static_cast<int>(sources.size());

    SnapshotPlan plan;
    plan.set_id = lineage.run;
    plan.method = method.kind();
    plan.source_namespace = profile.source.source_namespace;
    plan.snapshot_class = profile.snapshot.snapshot_class;
    for (const auto& source : sources) {
        lineage.source = fmt::format("{}/{}", plan.source_namespace, source.pvc);
        PlannedSnapshot snapshot{
            .source = source,
            .name = object_name(lineage.profile, lineage.run, source.pvc),
            .labels = method.snapshot_labels(lineage),
            .annotations = method.snapshot_annotations(lineage),
            .existing = {},
        };
        const auto earlier = std::find_if(existing.begin(), existing.end(), [&](const auto& e) {
            return e.source == lineage.source;
        });
        if (earlier != existing.end()) {
            snapshot.existing = earlier->id;
        }
        plan.snapshots.push_back(std::move(snapshot));
    }
    return plan;
}

Error source_problems_error(const std::string& profile,
                            const std::vector<SourceProblem>& problems) {
    std::vector<std::string> details;
    bool missing = false;
    for (const auto& problem : problems) {
        details.push_back(fmt::format("  {}: {}", problem.object, problem.message));
        missing = missing || problem.kind == SourceProblem::Kind::missing;
    }
    // Counted before the call: its arguments are evaluated in no set order, and the last one
    // moves `details` away.
    const auto count = details.size();
    return Error(missing ? ExitCode::not_found : ExitCode::failed,
                 fmt::format("cannot snapshot the source volumes of profile '{}' ({} problem{})",
                             profile, count, count == 1 ? "" : "s"),
                 "", std::move(details));
}

Error set_failure_error(const SetFailure& failure) {
    const bool out_of_time = !failure.interrupted && failure.deadline_passed.has_value();
    const auto code = failure.interrupted ? ExitCode::interrupted
                      : out_of_time       ? ExitCode::timed_out
                                          : failure.code.value_or(ExitCode::failed);
    auto details = failure.failures;
    if (!failure.leftovers.empty()) {
        details.emplace_back("could not delete (remove with `pxclone teardown --snapshots`):");
        details.insert(details.end(), failure.leftovers.begin(), failure.leftovers.end());
    }
    if (!failure.uncertain.empty()) {
        details.push_back(
            fmt::format("cut short before the server answered; it may still make these, labelled "
                        "pxclone.io/run={} (remove with `pxclone teardown --snapshots --run {}`):",
                        failure.run, failure.run));
        details.insert(details.end(), failure.uncertain.begin(), failure.uncertain.end());
    }
    return Error(failure.leftovers.empty() ? code : ExitCode::partial,
                 fmt::format("snapshot set {} {} and was rolled back", failure.set_id,
                             failure.interrupted ? "was interrupted"
                             : out_of_time       ? fmt::format("did not finish before the "
                                                                     "deadline ({})",
                                                               *failure.deadline_passed)
                                                 : "failed"),
                 "", std::move(details));
}

std::vector<std::string> sets_to_prune(std::vector<SnapshotSetSummary> sets, int keep,
                                       const std::set<std::string>& in_use,
                                       const std::string& current) {
    // Newest first. In the same second (created_at has seconds) the set being taken first: an
    // older set of that second must not take its place in `keep`. Then the id, so that the order
    // never depends on listing order.
    std::sort(sets.begin(), sets.end(), [&current](const auto& a, const auto& b) {
        const bool a_current = a.id == current;
        const bool b_current = b.id == current;
        return std::tie(a.created_at, a_current, a.id) > std::tie(b.created_at, b_current, b.id);
    });
    std::vector<std::string> prune;
    int kept = 0;
    for (const auto& set : sets) {
        const bool protected_set = set.id == current || in_use.contains(set.id);
        if (protected_set || kept < keep) {
            ++kept;
            continue;
        }
        prune.push_back(set.id);
    }
    std::reverse(prune.begin(), prune.end());
    return prune;
}

} // namespace pxclone::plan
