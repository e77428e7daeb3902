// plan/backup_set: the staging side's view of the sets in an object store, from the backups'
// metadata only.
#include "pxclone/plan/backup_set.hpp"

#include <doctest/doctest.h>

using namespace pxclone;
using px::CloudBackupInfo;
using px::CloudBackupState;

namespace {

CloudBackupInfo backup(const std::string& id, const std::string& set, const std::string& source,
                       CloudBackupState state,
                       const std::string& timestamp = "2026-11-27T10:01:00Z",
                       const std::string& created_at = "2026-11-27T10:00:00Z") {
    return {.id = id,
            .src_volume_id = "snap-" + id,
            .timestamp = timestamp,
            .metadata = {{"app.kubernetes.io/managed-by", "pxclone"},
                         {"pxclone.io/profile", "orders"},
                         {"pxclone.io/snapshot-set", set},
                         {"pxclone.io/source", source},
                         {"pxclone.io/created-at", created_at},
                         {"pxclone.io/set-size", "2"},
                         {"pxclone.io/snapshot-id", "snap-" + id},
                         {"pxclone.io/size", "1073741824"}},
            .state = state};
}

} // namespace

TEST_CASE("backup_sets: grouped by set, newest first; per source Done over running over failed") {
    auto foreign = backup("x", "41", "prod/data", CloudBackupState::done);
    foreign.metadata["pxclone.io/profile"] = "billing";
    auto unowned = backup("y", "41", "prod/data", CloudBackupState::done);
    unowned.metadata.erase("app.kubernetes.io/managed-by");
    const auto sets = plan::backup_sets(
        {backup("b/1", "41", "prod/data", CloudBackupState::failed, "2026-11-27T10:05:00Z"),
         backup("b/2", "41", "prod/data", CloudBackupState::done),
         backup("b/3", "41", "prod/logs", CloudBackupState::active),
         backup("b/4", "41", "prod/logs", CloudBackupState::failed, "2026-11-27T10:09:00Z"),
         backup("b/5", "43", "prod/data", CloudBackupState::done, "2026-11-28T10:01:00Z",
                "2026-11-28T10:00:00Z"),
         foreign, unowned},
        "orders");
    REQUIRE(sets.size() == 2);
    CHECK(sets[0].id == "43");
    CHECK(sets[1].id == "41");
    CHECK(sets[1].source_namespace == "prod");
    CHECK(sets[1].expected == std::optional<std::size_t>(2));
    REQUIRE(sets[1].backups.size() == 2);
    CHECK(sets[1].backups[0].backup_id == "b/2");
    CHECK(sets[1].backups[0].size_bytes == 1073741824);
    CHECK(sets[1].backups[0].snapshot_id == "snap-b/2");
    CHECK(sets[1].backups[1].backup_id == "b/3");
}

TEST_CASE("backup_set_problems: one line per volume that cannot be restored from") {
    auto sized = backup("b/2", "41", "prod/logs", CloudBackupState::done);
    sized.metadata["pxclone.io/size"] = "lots";
    const auto set =
        plan::backup_sets({backup("b/1", "41", "prod/data", CloudBackupState::active), sized},
                          "orders")
            .front();
    CHECK(plan::backup_set_problems(set) ==
          std::vector<std::string>{"prod/data: backup b/1 is Active",
                                   "prod/logs: backup b/2 carries no pxclone.io/size"});
    const auto half =
        plan::backup_sets({backup("b/1", "41", "prod/data", CloudBackupState::done)}, "orders")
            .front();
    CHECK(plan::backup_set_problems(half) ==
          std::vector<std::string>{"1 of its 2 volumes have no backup"});
    CHECK(plan::backup_set_problems(half, {"prod/data"}).empty());
    CHECK(plan::backup_set_problems(half, {"prod/data", "prod/db"}) ==
          std::vector<std::string>{"prod/db: no backup"});
}

TEST_CASE("backup_metadata carries the snapshot's size when it is known, for the staging side") {
    const plan::TransferSnapshot sized{"prod/data", "s1", {{"pxclone.io/run", "41"}}, 1 << 20};
    CHECK(plan::backup_metadata(sized) == plan::Labels{{"pxclone.io/run", "41"},
                                                       {"pxclone.io/size", "1048576"},
                                                       {"pxclone.io/snapshot-id", "s1"}});
    const plan::TransferSnapshot unknown{"prod/data", "s1", {}};
    CHECK_FALSE(plan::backup_metadata(unknown).contains("pxclone.io/size"));
}
