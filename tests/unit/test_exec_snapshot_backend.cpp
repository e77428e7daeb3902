#include "pxclone/exec/snapshot_backend.hpp"

#include <algorithm>
#include <sstream>
#include <thread>

#include <doctest/doctest.h>

using namespace pxclone;

namespace {

// A backend that must not be asked to create anything: the dry run only reads through it.
class ReadOnlyBackend final : public exec::SnapshotBackend {
public:
    std::vector<plan::ExistingSnapshot> find_existing(const plan::SnapshotPlan&) override {
        return {};
    }
    exec::TakenSnapshot take(const plan::SnapshotPlan&, const plan::PlannedSnapshot&,
                             std::chrono::system_clock::time_point) override {
        FAIL("the dry run took a snapshot");
        return {};
    }
    void remove(const plan::SnapshotPlan&, const exec::TakenSnapshot&) override {
        FAIL("the dry run deleted a snapshot");
    }
};

plan::SnapshotPlan plan_of(std::size_t volumes) {
    profile::Profile profile;
    profile.name = "orders";
    profile.source.source_namespace = "prod";
    std::vector<plan::SourceVolume> sources;
    for (std::size_t i = 0; i < volumes; ++i) {
        sources.push_back(
            {.pvc = "data-" + std::to_string(i), .volume_id = std::to_string(100 + i)});
    }
    return plan::plan_snapshot(
        profile, {.profile = "orders", .run = "r1", .created_at = "2026-11-27T10:00:00Z"}, sources,
        {});
}

} // namespace

TEST_CASE("dry-run backend: takes from parallel workers print whole lines, one per snapshot") {
    ReadOnlyBackend real;
    std::ostringstream out;
    auto dry_run = exec::make_dry_run_backend(real, out);
    const auto plan = plan_of(64);
    std::vector<std::thread> workers;
    for (std::size_t w = 0; w < 8; ++w) {
        workers.emplace_back([&, w] {
            for (std::size_t i = w; i < plan.snapshots.size(); i += 8) {
                dry_run->take(plan, plan.snapshots[i], {});
            }
        });
    }
    for (auto& worker : workers) {
        worker.join();
    }
    std::istringstream lines(out.str());
    std::vector<std::string> names;
    for (std::string line; std::getline(lines, line);) {
        const std::string prefix = "POST /v1/volumes/snapshots ";
        REQUIRE(line.rfind(prefix, 0) == 0);
        const auto body = nlohmann::json::parse(line.substr(prefix.size()));
        names.push_back(body.at("name").get<std::string>());
    }
    std::sort(names.begin(), names.end());
    REQUIRE(names.size() == plan.snapshots.size());
    CHECK(std::adjacent_find(names.begin(), names.end()) == names.end());
}
