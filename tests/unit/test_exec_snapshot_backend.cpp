#include "pxclone/exec/snapshot_backend.hpp"
#include "pxclone/method/method.hpp"

#include <algorithm>
#include <sstream>
#include <thread>
#include <utility>

#include <doctest/doctest.h>

#include "support/fake_clock.hpp"
#include "support/fake_transport.hpp"

using namespace pxclone;

namespace {

// A backend that must not be asked to create anything: the dry run only reads through it and
// asks it for its requests' lines.
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
    std::string create_request(const plan::SnapshotPlan&,
                               const plan::PlannedSnapshot& snapshot) const override {
        return "POST /v1/volumes/snapshots " + nlohmann::json{{"name", snapshot.name}}.dump();
    }
    std::string remove_request(const plan::SnapshotPlan&,
                               const exec::TakenSnapshot& snapshot) const override {
        return "DELETE /v1/volumes/" + snapshot.portworx_id;
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
        method::portworx(), profile,
        {.profile = "orders", .run = "r1", .created_at = "2026-11-27T10:00:00Z"}, sources, {});
}

// An inspect reply for snapshot `id` of volume `parent` in `state`.
nlohmann::json inspected(const std::string& id, const std::string& parent,
                         const std::string& state) {
    return {{"name", "snap"},
            {"volume",
             {{"id", id},
              {"source", {{"parent", parent}}},
              {"locator", {{"name", "snap"}}},
              {"spec", {{"size", "1073741824"}}},
              {"state", state}}}};
}

} // namespace

TEST_CASE("portworx backend: a step says what it waits for and ends ok, or not") {
    test::FakeTransport fake("https://px.test:9021");
    const px::Client client(fake, "https://px.test:9021");
    test::FakeClock clock;
    test::FakeSleeper sleeper(clock);
    std::vector<std::string> states;
    std::vector<std::pair<std::string, bool>> ended;
    exec::BackendContext context{
        .clock = &clock,
        .sleeper = &sleeper,
        .on_progress = [&states](const std::string& key,
                                 const std::string& text) { states.push_back(key + ": " + text); },
        .cancelled = {},
        .on_done = [&ended](const std::string& key, bool ok) { ended.emplace_back(key, ok); },
    };
    test::FakeTransport no_kube;
    const k8s::Client kube(no_kube, "https://k8s.test");
    auto backend = method::portworx().backend(kube, client, context);
    const auto plan = plan_of(1);
    const auto deadline = clock.now() + std::chrono::minutes(1);

    // The step ends once the set's look-up finds the snapshot ready.
    const auto lookup = [&fake](const std::string& id, const std::string& state) {
        fake.expect(http::Method::post, "/v1/volumes/inspectwithfilters")
            .reply(200, nlohmann::json{{"volumes", {inspected(id, "100", state)["volume"]}}});
    };
    fake.expect(http::Method::post, "/v1/volumes/snapshots").reply(200, R"({"snapshot_id":"s1"})");
    lookup("s1", "VOLUME_STATE_PENDING");
    lookup("s1", "VOLUME_STATE_AVAILABLE");
    const auto taken = backend->take(plan, plan.snapshots[0], deadline);
    CHECK(taken.id == "s1");
    CHECK(ended.empty());
    CHECK(backend->await_ready(plan, {taken}, {0}, deadline).at(0) == nullptr);
    CHECK(states == std::vector<std::string>{"snapshot/data-0: snapshot data-0 creating",
                                             "snapshot/data-0: snapshot data-0 pending",
                                             "snapshot/data-0: snapshot data-0 ready (s1)"});
    CHECK(ended == std::vector<std::pair<std::string, bool>>{{"snapshot/data-0", true}});

    fake.expect(http::Method::post, "/v1/volumes/snapshots").reply(200, R"({"snapshot_id":"s2"})");
    lookup("s2", "VOLUME_STATE_ERROR");
    const auto failed = backend->take(plan, plan.snapshots[0], deadline);
    CHECK(backend->await_ready(plan, {failed}, {0}, deadline).at(0) != nullptr);
    CHECK(ended.back() == std::pair<std::string, bool>{"snapshot/data-0", false});
}

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

TEST_CASE("dry-run backend: a delete prints the real backend's request and sends nothing") {
    ReadOnlyBackend real;
    std::ostringstream out;
    auto dry_run = exec::make_dry_run_backend(real, out);
    dry_run->remove(plan_of(1), {.id = "s1", .portworx_id = "s1"});
    CHECK(out.str() == "DELETE /v1/volumes/s1\n");
}
