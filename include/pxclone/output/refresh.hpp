// What `pxclone refresh` prints on stdout: its RefreshReport document (-o json|yaml) and text.
#pragma once

#include "pxclone/output/format.hpp"
#include "pxclone/output/records.hpp"
#include "pxclone/plan/refresh_plan.hpp"
#include "pxclone/plan/restore_plan.hpp"

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pxclone::output {

// What one refresh did (or, dry run, would do).
struct RefreshRecord {
    const plan::RefreshPlan& plan;
    std::string profile;
    const SnapshotSetRecord& snapshot; // the set taken (or completed, or reused)
    // The in-place restore and the new volume of each swap; nullopt when an interrupted refresh
    // had already finished it.
    const plan::RestorePlan* restore = nullptr;
    std::vector<std::string> restore_ids;
    std::vector<std::string> pruned; // the sets retention deleted (dry run: would delete)
    bool dry_run = false;
    std::string requests; // a dry run's request lines
};

// kind RefreshReport: run, profile, namespace, previousSnapshotSet, snapshotSet, resumed, dryRun,
// snapshot (the SnapshotSet document), restore (the RestoreReport document, or null when it had
// finished before), pruned, and with a dry run the `requests` lines.
nlohmann::ordered_json refresh_document(const RefreshRecord& record);

// "refresh of run R: NS moved from set A to set B (N volumes, masked again)" and what retention
// deleted.
void print_refresh_text(const RefreshRecord& record, std::ostream& out);

} // namespace pxclone::output
