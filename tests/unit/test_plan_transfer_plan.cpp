#include "pxclone/plan/transfer_plan.hpp"

#include <doctest/doctest.h>

using namespace pxclone;
using namespace pxclone::plan;
using px::CloudBackupState;

namespace {

TransferSnapshot snapshot(const std::string& pvc, const std::string& id) {
    return {"prod/" + pvc,
            id,
            {{"app.kubernetes.io/managed-by", "pxclone"},
             {"pxclone.io/profile", "orders"},
             {"pxclone.io/run", "41"},
             {"pxclone.io/role", "snapshot"},
             {"pxclone.io/snapshot-set", "41"},
             {"pxclone.io/source", "prod/" + pvc}}};
}

px::CloudBackupInfo backup(const std::string& id, const std::string& set,
                           const std::string& snapshot_id, CloudBackupState state,
                           const std::string& profile = "orders") {
    px::CloudBackupInfo info;
    info.id = id;
    info.state = state;
    info.metadata = {{"app.kubernetes.io/managed-by", "pxclone"},
                     {"pxclone.io/profile", profile},
                     {"pxclone.io/snapshot-set", set},
                     {"pxclone.io/source", "prod/data"},
                     {"pxclone.io/snapshot-id", snapshot_id}};
    return info;
}

const TransferCredentials k_credentials{"cred-src-uuid", "cred-stg-uuid"};

} // namespace

TEST_CASE("phase_of: only Done is done; Failed, Aborted, Stopped, Invalid fail; the rest wait") {
    CHECK(phase_of(CloudBackupState::done) == TransferPhase::done);
    for (const auto state : {CloudBackupState::failed, CloudBackupState::aborted,
                             CloudBackupState::stopped, CloudBackupState::invalid}) {
        CHECK(phase_of(state) == TransferPhase::failed);
    }
    for (const auto state :
         {CloudBackupState::not_started, CloudBackupState::queued, CloudBackupState::active,
          CloudBackupState::paused, CloudBackupState::unknown}) {
        CHECK(phase_of(state) == TransferPhase::in_progress);
    }
}

TEST_CASE("plan_transfer: one backup per snapshot, with the source credential and the lineage "
          "as metadata") {
    const auto plan = plan_transfer("41", {snapshot("data", "snap-1"), snapshot("logs", "snap-2")},
                                    k_credentials, {});
    CHECK(plan.set_id == "41");
    REQUIRE(plan.backups.size() == 2);
    CHECK(plan.to_start() == 2);
    const auto& first = plan.backups[0];
    CHECK(first.source == "prod/data");
    CHECK(first.existing.empty());
    CHECK(first.request.volume_id == "snap-1");
    CHECK(first.request.credential_id == "cred-src-uuid");
    CHECK(first.request.task_id == "pxclone-snap-1");
    CHECK(first.request.labels.at("pxclone.io/snapshot-set") == "41");
    CHECK(first.request.labels.at("pxclone.io/snapshot-id") == "snap-1");
    CHECK(first.request.labels.at("pxclone.io/source") == "prod/data");
    CHECK_FALSE(first.request.full);
    CHECK(plan.backups[1].request.task_id == "pxclone-snap-2");
}

TEST_CASE("plan_transfer: a re-run follows what an earlier attempt started, and retries only a "
          "failed one, under a new task id") {
    const std::vector<px::CloudBackupInfo> existing{
        backup("bucket/snap-1-a", "41", "snap-1", CloudBackupState::active),
        backup("bucket/snap-2-a", "41", "snap-2", CloudBackupState::failed),
        backup("bucket/snap-2-b", "41", "snap-2", CloudBackupState::aborted),
        backup("bucket/snap-3-a", "41", "snap-3", CloudBackupState::failed),
        backup("bucket/snap-3-b", "41", "snap-3", CloudBackupState::done),
        // Another set's backup of the same snapshot id, and another profile's: not ours here.
        backup("bucket/snap-4-x", "40", "snap-4", CloudBackupState::done),
        backup("bucket/snap-4-y", "41", "snap-4", CloudBackupState::done, "billing"),
    };
    const auto plan = plan_transfer("41",
                                    {snapshot("a", "snap-1"), snapshot("b", "snap-2"),
                                     snapshot("c", "snap-3"), snapshot("d", "snap-4")},
                                    k_credentials, existing);
    REQUIRE(plan.backups.size() == 4);
    CHECK(plan.backups[0].existing == "bucket/snap-1-a");
    CHECK(plan.backups[0].request.volume_id.empty());
    CHECK(plan.backups[1].existing.empty());
    CHECK(plan.backups[1].request.task_id == "pxclone-snap-2-3");
    CHECK(plan.backups[2].existing == "bucket/snap-3-b");
    CHECK(plan.backups[3].existing.empty());
    CHECK(plan.backups[3].request.task_id == "pxclone-snap-4");
    CHECK(plan.to_start() == 2);
}

TEST_CASE("judge_transfer: complete only when every backup is Done") {
    using P = BackupProgress;
    SUBCASE("all done") {
        const auto verdict = judge_transfer(
            {P{"prod/a", CloudBackupState::done, {}}, P{"prod/b", CloudBackupState::done, {}}}, 2);
        CHECK(verdict.phase == TransferPhase::done);
        CHECK(verdict.waiting.empty());
    }
    SUBCASE("one still active, one not visible yet") {
        const auto verdict = judge_transfer({P{"prod/a", CloudBackupState::done, {}},
                                             P{"prod/b", CloudBackupState::active, {}},
                                             P{"prod/c", std::nullopt, {}}},
                                            3);
        CHECK(verdict.phase == TransferPhase::in_progress);
        CHECK(verdict.waiting == std::vector<std::string>{"prod/b", "prod/c"});
    }
    SUBCASE("fewer reported than expected is not done") {
        CHECK(judge_transfer({P{"prod/a", CloudBackupState::done, {}}}, 2).phase ==
              TransferPhase::in_progress);
        CHECK(judge_transfer({}, 0).phase == TransferPhase::in_progress);
    }
    SUBCASE("one failed: the set failed, with the server's reason") {
        const auto verdict =
            judge_transfer({P{"prod/a", CloudBackupState::active, {}},
                            P{"prod/b", CloudBackupState::failed, {"upload: access denied"}},
                            P{"prod/c", CloudBackupState::stopped, {}}},
                           3);
        CHECK(verdict.phase == TransferPhase::failed);
        CHECK(verdict.failed == std::vector<std::string>{"prod/b: Failed (upload: access denied)",
                                                         "prod/c: Stopped"});
    }
}

TEST_CASE("backups_to_delete: a pruned set's backups, never one in use or not ours") {
    const std::vector<px::CloudBackupInfo> found{
        backup("b/1", "39", "s1", CloudBackupState::done),
        backup("b/2", "39", "s2", CloudBackupState::failed),
        backup("b/3", "40", "s3", CloudBackupState::done), // a set that is kept
        backup("b/4", "38", "s4", CloudBackupState::done), // a live environment came from it
        backup("b/5", "39", "s5", CloudBackupState::done, "billing"),
        px::CloudBackupInfo{"b/6", "v", "n", "t", {{"fake", "backup"}}, CloudBackupState::done, ""},
    };
    const auto deletions = backups_to_delete(found, "orders", {"38", "39"}, {"b/4"});
    REQUIRE(deletions.size() == 2);
    CHECK(deletions[0].backup_id == "b/1");
    CHECK(deletions[0].set_id == "39");
    CHECK(deletions[0].source == "prod/data");
    CHECK(deletions[1].backup_id == "b/2");
    CHECK(backups_to_delete(found, "orders", {}, {}).empty());
}

TEST_CASE("set_backup_selector finds a set's backups by ownership and set") {
    const auto selector = set_backup_selector("orders", "41");
    CHECK(selector == Labels{{"app.kubernetes.io/managed-by", "pxclone"},
                             {"pxclone.io/profile", "orders"},
                             {"pxclone.io/snapshot-set", "41"}});
    px::CloudBackupInfo info = backup("b/1", "41", "s1", CloudBackupState::done);
    CHECK(px::metadata_matches(info, selector));
    info.metadata.erase("pxclone.io/profile");
    CHECK_FALSE(px::metadata_matches(info, selector));
}

TEST_CASE("transfer_state: the most advanced of a snapshot's backups (Done over running over "
          "failed); missing when it has none of the profile's for that set") {
    const std::vector<px::CloudBackupInfo> found{
        backup("b/1", "41", "s1", CloudBackupState::failed),
        backup("b/2", "41", "s1", CloudBackupState::active),
        backup("b/3", "41", "s2", CloudBackupState::failed),
        backup("b/4", "41", "s3", CloudBackupState::done),
        backup("b/5", "41", "s3", CloudBackupState::failed),
        backup("b/6", "40", "s4", CloudBackupState::done),
        backup("b/7", "41", "s5", CloudBackupState::done, "billing"),
    };
    CHECK(transfer_state(found, "orders", "41", "s1") == "Active");
    CHECK(transfer_state(found, "orders", "41", "s2") == "Failed");
    CHECK(transfer_state(found, "orders", "41", "s3") == "Done");
    CHECK(transfer_state(found, "orders", "41", "s4") == "missing"); // another set's
    CHECK(transfer_state(found, "orders", "41", "s5") == "missing"); // another profile's
    CHECK(transfer_state({}, "orders", "41", "s1") == "missing");
}
