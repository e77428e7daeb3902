#include "pxclone/commands/records.hpp"

#include <fmt/format.h>

namespace pxclone::cmd {

output::SnapshotSetRecord set_record(const exec::SnapshotSet& set,
                                     const std::vector<std::string>& used_by) {
    output::SnapshotSetRecord record{.snapshot_set = set.id,
                                     .profile = set.profile,
                                     .method = set.method,
                                     .source_namespace = set.source_namespace,
                                     .created_at = set.created_at,
                                     .git_sha = set.git_sha,
                                     .build_id = set.build_id,
                                     .state = std::string(exec::set_state_name(set.state)),
                                     .expected_snapshots = set.expected,
                                     .used_by = used_by,
                                     .snapshots = {},
                                     .duration_ms = std::nullopt,
                                     .pruned = std::nullopt};
    for (const auto& snapshot : set.snapshots) {
        const auto slash = snapshot.source.find('/');
        record.snapshots.push_back({.source = snapshot.source,
                                    .pvc = slash == std::string::npos
                                               ? snapshot.source
                                               : snapshot.source.substr(slash + 1),
                                    .snapshot_id = snapshot.id,
                                    .portworx_snapshot_id = snapshot.portworx_id,
                                    .name = snapshot.name,
                                    .size_bytes = snapshot.size,
                                    .ready = snapshot.ready,
                                    .volume_id = std::nullopt,
                                    .reused = std::nullopt,
                                    .duration_ms = std::nullopt});
    }
    return record;
}

output::StagingEnvironmentRecord environment_record(const exec::Environment& environment,
                                                    std::chrono::system_clock::time_point now) {
    output::StagingEnvironmentRecord record;
    record.run = environment.run;
    record.profile = environment.profile;
    record.ns = environment.ns;
    record.pool = environment.pool;
    record.snapshot_set = environment.snapshot_set;
    record.snapshot_sets = {environment.snapshot_sets.begin(), environment.snapshot_sets.end()};
    record.created_at = environment.created_at;
    record.expires_at = environment.expires_at;
    record.pinned = environment.pinned;
    record.ready_at = environment.ready_at;
    record.type = environment.kind;
    record.phase = environment.phase;
    record.state =
        std::string(exec::environment_state_name(exec::judge_environment(environment, now)));
    record.pvcs = environment.pvcs;
    record.git_sha = environment.git_sha;
    record.build_id = environment.build_id;
    record.counts = environment.counts;
    return record;
}

output::TeardownRecord teardown_record(const std::set<std::string>& runs,
                                       const std::set<std::string>& sets, bool dry_run,
                                       const plan::TeardownPlan& plan,
                                       const exec::TeardownReport* report) {
    output::TeardownRecord record{.runs = {runs.begin(), runs.end()},
                                  .snapshot_sets = {sets.begin(), sets.end()},
                                  .dry_run = dry_run,
                                  .refused = {},
                                  .plan = std::nullopt,
                                  .deleted = std::nullopt,
                                  .failed = std::nullopt};
    for (const auto& refusal : plan.refused) {
        record.refused.push_back({.object = refusal.object,
                                  .request = {},
                                  .reason = refusal.reason,
                                  .not_selected = refusal.not_selected,
                                  .error = {},
                                  .kept = false});
    }
    const auto& released = dry_run || report == nullptr ? plan.releases : report->released;
    for (const auto& ns : released) {
        record.released.push_back(ns.name);
    }
    if (dry_run && !plan.empty()) {
        record.plan.emplace();
        for (const auto& deletion : plan.deletions) {
            record.plan->push_back({.object = deletion.object,
                                    .request = exec::delete_request(deletion.object),
                                    .reason = {},
                                    .not_selected = false,
                                    .error = {},
                                    .kept = false});
        }
        return record;
    }
    record.deleted.emplace();
    record.failed.emplace();
    if (report == nullptr) {
        return record;
    }
    for (const auto& object : report->deleted) {
        record.deleted->push_back({.object = object,
                                   .request = {},
                                   .reason = {},
                                   .not_selected = false,
                                   .error = {},
                                   .kept = false});
    }
    for (const auto& failure : report->failed) {
        record.failed->push_back({.object = failure.object,
                                  .request = {},
                                  .reason = {},
                                  .not_selected = false,
                                  .error = failure.error,
                                  .kept = failure.kept});
    }
    return record;
}

exec::SnapshotSet planned_set(const output::SnapshotSetRecord& record) {
    exec::SnapshotSet set;
    set.id = record.snapshot_set;
    set.method = record.method;
    set.created_at = record.created_at;
    set.source_namespace = record.source_namespace;
    set.state = exec::SetState::complete;
    for (const auto& snapshot : record.snapshots) {
        set.snapshots.push_back({.source = snapshot.source,
                                 .id = snapshot.snapshot_id.empty()
                                           ? fmt::format("<snapshot-of-{}>", snapshot.pvc)
                                           : snapshot.snapshot_id,
                                 .portworx_id = snapshot.portworx_snapshot_id,
                                 .size = snapshot.size_bytes,
                                 .name = snapshot.name,
                                 .ready = true});
    }
    return set;
}

} // namespace pxclone::cmd
