#include "pxclone/output/refresh.hpp"

#include "pxclone/output/restore.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace pxclone::output {

nlohmann::ordered_json refresh_document(const RefreshRecord& record) {
    const auto& plan = record.plan;
    auto result = document("RefreshReport", {{"run", plan.run},
                                             {"profile", record.profile},
                                             {"namespace", plan.ns},
                                             {"previousSnapshotSet", plan.previous_set},
                                             {"snapshotSet", plan.set},
                                             {"resumed", plan.resumed},
                                             {"dryRun", record.dry_run}});
    result["snapshot"] = to_json(record.snapshot);
    result["restore"] =
        record.restore != nullptr
            ? in_place_document(*record.restore, record.restore_ids, record.dry_run, {})
            : nlohmann::ordered_json();
    result["pruned"] = record.pruned;
    if (record.dry_run) {
        result["requests"] = lines_of(record.requests);
    }
    return result;
}

void print_refresh_text(const RefreshRecord& record, std::ostream& out) {
    const auto& plan = record.plan;
    const auto volumes = record.restore == nullptr
                             ? 0
                             : record.restore->swaps.size() + record.restore->volumes.size();
    out << fmt::format("refresh of run {}: {} {} from snapshot set {} to {}", plan.run, plan.ns,
                       record.dry_run ? "would move" : "moved",
                       plan.previous_set.empty() ? "-" : plan.previous_set, plan.set);
    if (record.restore != nullptr) {
        out << fmt::format(" ({} volume{}, masked again)", volumes, volumes == 1 ? "" : "s");
    } else {
        out << " (its volumes were already on it)";
    }
    out << (plan.resumed ? "; an interrupted refresh finished\n" : "\n");
    if (!record.pruned.empty()) {
        out << fmt::format("retention (keep): {} snapshot set{} {}\n",
                           record.dry_run ? "would delete" : "deleted",
                           record.pruned.size() == 1 ? "" : "s", fmt::join(record.pruned, ", "));
    }
}

} // namespace pxclone::output
