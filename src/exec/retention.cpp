#include "pxclone/exec/retention.hpp"

#include "pxclone/exec/catalog.hpp"
#include "pxclone/plan/snapshot_plan.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace pxclone::exec {

Retention find_retention(const k8s::Client& kube, const px::Client& portworx,
                         const profile::Profile& profile,
                         const std::vector<std::string>& method_kinds, const std::string& current,
                         const std::string& created_at, const std::string& backup_credential) {
    const Catalog catalog(kube, portworx, catalog_scope(profile, method_kinds));
    std::vector<plan::SnapshotSetSummary> summaries;
    for (const auto& set : catalog.snapshot_sets(profile.name)) {
        summaries.push_back({.id = set.id, .created_at = set.created_at});
    }
    // The set being taken counts towards `keep` (an earlier attempt's is listed already).
    if (std::none_of(summaries.begin(), summaries.end(),
                     [&current](const auto& set) { return set.id == current; })) {
        summaries.push_back({.id = current, .created_at = created_at});
    }
    Retention retention;
    retention.sets = plan::sets_to_prune(summaries, profile.snapshot.keep,
                                         catalog.sets_in_use(profile.name), current);
    retention.target =
        plan::TeardownTarget{.profile = profile.name,
                             .source_namespace = profile.source.source_namespace,
                             .runs = {},
                             .snapshot_sets = {retention.sets.begin(), retention.sets.end()},
                             .method_kinds = method_kinds,
                             .staging_only = profile.staging.scoped()};
    if (!retention.sets.empty()) {
        retention.plan = plan::plan_teardown(retention.target,
                                             find_target_objects(kube, portworx, retention.target));
        if (!backup_credential.empty()) {
            retention.backups =
                find_set_backups(px::CloudBackupClient(portworx, "source cluster"),
                                 backup_credential, profile.name, retention.target.snapshot_sets);
        }
    }
    return retention;
}

RetentionResult print_retention(const Retention& retention, std::ostream& out) {
    RetentionResult result;
    if (retention.sets.empty()) {
        return result;
    }
    print_set_backups(retention.backups, out);
    for (const auto& deletion : retention.plan.deletions) {
        out << delete_request(deletion.object) << '\n';
    }
    result.pruned = retention.sets;
    return result;
}

RetentionResult apply_retention(const Retention& retention, const TeardownContext& context) {
    RetentionResult result;
    if (retention.sets.empty()) {
        return result;
    }
    try {
        const auto backups =
            delete_set_backups(px::CloudBackupClient(context.portworx, "source cluster"),
                               retention.backups, context.cancelled, context.pool);
        if (!backups.failed.empty()) {
            for (const auto& failure : backups.failed) {
                result.warnings.push_back("retention: could not delete " + failure);
            }
            result.warnings.push_back(
                fmt::format("retention: snapshot set{} {} kept until {} cloud backups are deleted",
                            retention.sets.size() == 1 ? "" : "s", fmt::join(retention.sets, ", "),
                            retention.sets.size() == 1 ? "its" : "their"));
            return result;
        }
        const auto report = execute_teardown(retention.target, retention.plan, context);
        for (const auto& failure : report.failed) {
            result.warnings.push_back(fmt::format("retention: could not delete {}: {}",
                                                  failure.object.describe(), failure.error));
        }
    } catch (const InterruptedError&) {
        throw;
    } catch (const std::exception& e) {
        result.warnings.push_back(fmt::format("retention: snapshot set{} {} not deleted: {}",
                                              retention.sets.size() == 1 ? "" : "s",
                                              fmt::join(retention.sets, ", "), e.what()));
        return result;
    }
    result.pruned = retention.sets;
    return result;
}

} // namespace pxclone::exec
