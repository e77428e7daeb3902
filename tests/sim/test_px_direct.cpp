// PxApi's direct calls (no HTTP): seeding from state files, dump and reset, what the Kubernetes
// controllers ask of Portworx, and the hooks' locking discipline.
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "px_test_support.hpp"

using namespace pxsim::testing;

TEST_CASE("load_volume seeds volumes and snapshots, dump lists them by id, reset empties") {
    Sim sim;
    sim.api.load_volume(json::parse(R"({
        "id": "zz-prod-1", "locator": {"name": "pvc-1", "volume_labels": {"app": "mongo"}},
        "ctime": "2026-01-02T03:04:05.5Z", "spec": {"size": "1073741824", "ha_level": "3"}})"));
    sim.api.load_volume(json::parse(R"({
        "volume": {"id": "aa-snap", "source": {"parent": "zz-prod-1"}, "readonly": true,
                   "locator": {"name": "old-snap"}, "spec": {"size": 1073741824, "ha_level": 3}}})"));

    const json seeded = sim.inspect("zz-prod-1");
    CHECK(seeded.at("labels") == json{{"app", "mongo"}});
    CHECK(seeded.at("volume").at("ctime") == "2026-01-02T03:04:05.500Z");
    CHECK(seeded.at("volume").at("spec") == json{{"size", "1073741824"}, {"ha_level", "3"}});
    CHECK(ids_of(sim.call_json("GET", "/v1/volumes/snapshots", "", {{"volume_id", "zz-prod-1"}}),
                 "volume_snapshot_ids") == std::vector<std::string>{"aa-snap"});
    CHECK(sim.create("pvc-1", "{}", "1073741824") == "zz-prod-1");

    const json dump = sim.api.dump();
    REQUIRE(dump.size() == 2);
    CHECK(dump.at(0).at("volume").at("id") == "aa-snap");
    CHECK(dump.at(0).at("volume").at("readonly") == true); // so a dump seeds a snapshot back
    CHECK(dump.at(1) == seeded);
    CHECK_THROWS_AS(sim.api.load_volume(json{{"locator", {{"name", "x"}}}}), std::invalid_argument);
    CHECK_THROWS_AS(sim.api.load_volume(json{{"id", 5}}), std::invalid_argument);
    CHECK_THROWS_AS(sim.api.load_volume(json{{"id", "x"}, {"ctime", "yesterday"}}),
                    std::invalid_argument);
    CHECK_THROWS_AS(sim.api.load_volume(json{{"id", "x"}, {"spec", {{"size", "big"}}}}),
                    std::invalid_argument);
    CHECK_THROWS_AS(sim.api.load_volume(json::array()), std::invalid_argument);

    const std::string first = sim.create("fresh");
    sim.api.reset();
    CHECK(sim.api.dump() == json::array());
    CHECK(sim.create("fresh") == first); // ids are deterministic from a reset
}

TEST_CASE("the C++ side creates, snapshots, clones, inspects and deletes for the controllers") {
    Sim sim;
    const std::string volume = sim.api.create_volume("pvc-x", 2147483648, {{"app", "db"}});
    CHECK(sim.api.create_volume("pvc-x", 2147483648, {}) == volume);
    const json inspected = sim.api.inspect(volume).value();
    CHECK(inspected.at("volume").at("spec") == json{{"size", "2147483648"}, {"ha_level", "1"}});
    CHECK(inspected.at("labels") == json{{"app", "db"}});

    const auto snap = sim.api.create_snapshot(volume, "csi-snap", {{"k", "v"}});
    REQUIRE(snap.has_value());
    CHECK_FALSE(sim.api.create_snapshot("gone", "s", {}).has_value());
    CHECK(ids_of(sim.call_json("GET", "/v1/volumes/snapshots", "", {{"volume_id", volume}}),
                 "volume_snapshot_ids") == std::vector<std::string>{*snap});

    const auto clone = sim.api.clone_volume(*snap, "pvc-from-snap", {});
    REQUIRE(clone.has_value());
    CHECK(sim.api.clone_volume(*snap, "pvc-from-snap", {}) == clone);
    CHECK_FALSE(sim.api.clone_volume(volume, "pvc-from-snap", {}).has_value());
    CHECK_FALSE(sim.api.clone_volume("gone", "other", {}).has_value());
    CHECK(sim.inspect(*clone).at("volume").at("source").at("parent") == *snap);

    sim.api.delete_volume(*clone);
    sim.api.delete_volume(*clone);
    CHECK_FALSE(sim.api.inspect(*clone).has_value());
    CHECK(sim.waits.empty());
    CHECK(sim.violations.empty());
}

TEST_CASE("concurrent snapshots of one volume are all kept") {
    Sim sim;
    const std::string volume = sim.create("v");
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    for (int i = 0; i < 8; ++i) {
        threads.emplace_back([&] {
            SimRequest request;
            request.method = "POST";
            request.path = "/v1/volumes/snapshots";
            request.body = R"({"volume_id":")" + volume + R"(","name":"same"})";
            if (sim.api.handle(request).status == 200) {
                ++ok;
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    CHECK(ok == 8);
    CHECK(ids_of(sim.call_json("GET", "/v1/volumes/snapshots"), "volume_snapshot_ids").size() == 8);
}

TEST_CASE("every hook runs without the API's mutex held") {
    Sim sim;
    sim.reentrant = true;
    const std::string volume = sim.create("v");
    sim.sources.insert(volume);
    const std::string snap = sim.snapshot(volume, "s");
    const std::string clone = sim.clone(snap, "c");
    sim.inspect(volume);
    sim.call_json("POST", "/v1/volumes/inspectwithfilters", "{}");
    sim.call_json("PUT", "/v1/volumes/" + volume, R"({"labels":{"a":"b"}})");
    sim.call_json("POST", "/v1/volumes/snapshots/restore",
                  R"({"volume_id":")" + volume + R"(","snapshot_id":")" + snap + "\"}");
    sim.call_json("DELETE", "/v1/volumes/" + clone);
    sim.api.load_volume(json{{"id", "seeded"}, {"locator", {{"name", "seeded"}}}});
    CHECK(sim.violations.size() == 2);
    CHECK(sim.hook_calls > 10);
}
