// Running a snapshot plan through a scripted backend: every snapshot at once, all or nothing.
#include "pxclone/exec/snapshot_runner.hpp"
#include "pxclone/method/method.hpp"

#include <mutex>
#include <set>
#include <sstream>

#include <doctest/doctest.h>

#include "support/fake_clock.hpp"

using namespace pxclone;

namespace {

// Takes every snapshot but those in `fail` (each made first when in `made_then_fail`), finds
// `on_server`, and records what it was asked to delete.
class ScriptedBackend final : public exec::SnapshotBackend {
public:
    std::set<std::string> fail;
    std::set<std::string> refuse_delete;
    std::vector<plan::ExistingSnapshot> on_server;
    std::vector<std::string> removed;

    std::vector<plan::ExistingSnapshot> find_existing(const plan::SnapshotPlan&) override {
        return on_server;
    }
    exec::TakenSnapshot take(const plan::SnapshotPlan&, const plan::PlannedSnapshot& snapshot,
                             std::chrono::system_clock::time_point) override {
        if (fail.contains(snapshot.source.pvc)) {
            throw Error(ExitCode::failed, "refused");
        }
        return {.source = "prod/" + snapshot.source.pvc,
                .pvc = snapshot.source.pvc,
                .id = "snap-" + snapshot.source.pvc,
                .portworx_id = "snap-" + snapshot.source.pvc};
    }
    void remove(const plan::SnapshotPlan&, const exec::TakenSnapshot& snapshot) override {
        const std::lock_guard lock(m_mutex);
        if (refuse_delete.contains(snapshot.id)) {
            throw Error(ExitCode::failed, "forbidden");
        }
        removed.push_back(snapshot.id);
    }
    std::string create_request(const plan::SnapshotPlan&,
                               const plan::PlannedSnapshot&) const override {
        return {};
    }
    std::string remove_request(const plan::SnapshotPlan&,
                               const exec::TakenSnapshot&) const override {
        return {};
    }

private:
    std::mutex m_mutex;
};

plan::SnapshotPlan two_volume_plan() {
    profile::Profile profile;
    profile.name = "orders";
    profile.source.source_namespace = "prod";
    return plan::plan_snapshot(
        method::portworx(), profile, {.profile = "orders", .run = "42"},
        {{.pvc = "data", .volume_id = "v1"}, {.pvc = "logs", .volume_id = "v2"}}, {});
}

} // namespace

TEST_CASE("run_snapshot_plan: every snapshot taken, in plan order") {
    ScriptedBackend backend;
    util::WorkerPool pool(2);
    test::FakeClock clock;
    const profile::Profile profile;
    util::Deadline none;
    std::ostringstream hooks_out;
    auto processes = exec::make_dry_run_process_runner(hooks_out);
    const auto plan = two_volume_plan();
    const auto taken = exec::run_snapshot_plan(
        backend, plan,
        {.profile = profile,
         .hooks = false,
         .processes = *processes,
         .hook_environment = {.run = "42"},
         .pool = pool,
         .clock = clock,
         .snapshot_deadline = [&clock] { return clock.now() + std::chrono::minutes(1); },
         .deadline = none,
         .interrupted = [] { return false; },
         .note = [](const std::string&) {},
         .warn =
             [](const std::string&) {
             }});
    REQUIRE(taken.size() == 2);
    CHECK(taken[0].id == "snap-data");
    CHECK(taken[1].id == "snap-logs");
    CHECK(backend.removed.empty());
}

TEST_CASE("run_snapshot_plan: one failure rolls the set back, also what only the server knows") {
    ScriptedBackend backend;
    backend.fail = {"logs"};
    // The failed worker's snapshot was made before its wait failed: found by the run's labels.
    backend.on_server = {{.id = "snap-data", .source = "prod/data"},
                         {.id = "snap-logs-made", .source = "prod/logs"}};
    util::WorkerPool pool(2);
    test::FakeClock clock;
    const profile::Profile profile;
    util::Deadline none;
    std::ostringstream hooks_out;
    auto processes = exec::make_dry_run_process_runner(hooks_out);
    const auto plan = two_volume_plan();
    try {
        exec::run_snapshot_plan(
            backend, plan,
            {.profile = profile,
             .hooks = false,
             .processes = *processes,
             .hook_environment = {.run = "42"},
             .pool = pool,
             .clock = clock,
             .snapshot_deadline = [&clock] { return clock.now() + std::chrono::minutes(1); },
             .deadline = none,
             .interrupted = [] { return false; },
             .note = [](const std::string&) {},
             .warn =
                 [](const std::string&) {
                 }});
        FAIL("a failed set was not thrown");
    } catch (const Error& error) {
        CHECK(error.code() == ExitCode::failed);
        CHECK(std::string(error.what()) == "snapshot set 42 failed and was rolled back");
        CHECK(error.details() == std::vector<std::string>{"snapshot of logs (v2): refused"});
    }
    // Each once: the one the worker returned is not deleted again when listing finds it.
    CHECK(backend.removed == std::vector<std::string>{"snap-data", "snap-logs-made"});
}

TEST_CASE("roll_back: what could not be deleted is a line; a failed pre-hook lists nothing") {
    ScriptedBackend backend;
    backend.refuse_delete = {"snap-data"};
    backend.on_server = {{.id = "snap-old", .source = "prod/logs"}};
    const auto plan = two_volume_plan();
    const std::vector<exec::TakenSnapshot> taken{{.pvc = "data", .id = "snap-data"}, {}};
    CHECK(exec::roll_back(backend, plan, taken, false) ==
          std::vector<std::string>{"  snapshot snap-data of data: forbidden"});
    CHECK(backend.removed.empty()); // snap-old is an earlier attempt's: kept for reuse
    CHECK(exec::roll_back(backend, plan, taken, true) ==
          std::vector<std::string>{"  snapshot snap-data of data: forbidden"});
    CHECK(backend.removed == std::vector<std::string>{"snap-old"});
}
