// The output records (output/records.hpp) of what the runners and the catalog found: the one
// place where exec's types become the documents' vocabulary.
#pragma once

#include "pxclone/exec/catalog.hpp"
#include "pxclone/exec/teardown.hpp"
#include "pxclone/output/records.hpp"
#include "pxclone/plan/teardown_plan.hpp"

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace pxclone::cmd {

// A set as the catalog found it; `used_by`: the runs of the environments made from it.
output::SnapshotSetRecord set_record(const exec::SnapshotSet& set,
                                     const std::vector<std::string>& used_by);

// An environment as the catalog found it, judged at `now`.
output::StagingEnvironmentRecord environment_record(const exec::Environment& environment,
                                                    std::chrono::system_clock::time_point now);

// A teardown of `runs` and `sets`: what was refused, and (dry run) the DELETEs it would send or
// (`report`) what was deleted and what failed; `report` null for a dry run or nothing to do.
output::TeardownRecord teardown_record(const std::set<std::string>& runs,
                                       const std::set<std::string>& sets, bool dry_run,
                                       const plan::TeardownPlan& plan,
                                       const exec::TeardownReport* report);

// The set a dry run of `pxclone snapshot` would take, from its record: the snapshots do not
// exist, so their ids are placeholders "<snapshot-of-PVC>" (reused ones keep theirs).
exec::SnapshotSet planned_set(const output::SnapshotSetRecord& record);

} // namespace pxclone::cmd
