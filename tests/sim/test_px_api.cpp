// PxApi against the recorded replies of the real OpenStorage SDK gateway (shared/reference/
// osd-rest.txt): paths, status codes, error bodies, JSON shapes and semantics. PxApi's direct
// calls are tested in test_px_direct.cpp, the replay of the recorded session in
// test_px_replay.cpp.
#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "px_test_support.hpp"

using namespace pxsim::testing;

TEST_CASE("identity version answers the SDK version with zero fields omitted") {
    Sim sim;
    const json reply = sim.call_json("GET", "/v1/identities/version");
    CHECK(reply.at("sdk_version") == json{{"minor", 186}, {"version", "0.186.0"}});
    CHECK(reply.at("version").at("driver").is_string());
    CHECK(reply.at("version").at("version").is_string());
}

TEST_CASE("identity capabilities lists the volume service") {
    Sim sim;
    const json reply = sim.call_json("GET", "/v1/identities/capabilities");
    CHECK(reply.at("capabilities").size() > 1);
    CHECK(reply.at("capabilities").at(6) == json{{"service", {{"type", "VOLUME"}}}});
}

TEST_CASE("cluster inspectcurrent and nodes answer in the gateway's shapes") {
    Sim sim;
    const json cluster = sim.call_json("GET", "/v1/clusters/inspectcurrent").at("cluster");
    CHECK(cluster.at("id").is_string());
    CHECK(cluster.at("name").is_string());
    CHECK(cluster.at("status") == "STATUS_OK");
    CHECK(sim.call_json("GET", "/v1/nodes") == json{{"node_ids", {"1"}}});
}

TEST_CASE("create is idempotent by name and refuses a different size with 409 code 6") {
    Sim sim;
    const std::string id = sim.create("pvc-prod-data", R"({"app":"db","namespace":"prod"})");
    CHECK(std::regex_match(id, k_uuid));
    CHECK(sim.create("pvc-prod-data", R"({"app":"db","namespace":"prod"})") == id);
    check_error(sim.call("POST", "/v1/volumes",
                         R"({"name":"pvc-prod-data","spec":{"size":"2147483648","ha_level":"1"}})"),
                409, 6,
                "Existing volume has a size of 1073741824 which differs from requested size of "
                "2147483648");
    // The existing volume is found before the driver validates ha_level (as on the real server).
    CHECK(sim.call_json("POST", "/v1/volumes",
                        R"({"name":"pvc-prod-data","spec":{"size":"1073741824"}})")
              .at("volume_id") == id);
    CHECK(sim.call_json("GET", "/v1/volumes") == json{{"volume_ids", {id}}});
    CHECK(sim.waits == std::vector<std::string>{"create", "create", "create", "create"});
}

TEST_CASE("create validates name, spec, ha_level, size and the JSON body with the real errors") {
    Sim sim;
    check_error(sim.call("POST", "/v1/volumes", R"({"spec":{"size":"1073741824"}})"), 400, 3,
                "Must supply a unique name");
    check_error(sim.call("POST", "/v1/volumes", R"({"name":"nospec"})"), 400, 3,
                "Must supply spec object");
    check_error(sim.call("POST", "/v1/volumes", R"({"name":"noha","spec":{"size":"1073741824"}})"),
                500, 13, "Failed to create volume: HA level cannot be zero");
    check_error(sim.call("POST", "/v1/volumes", R"({"name":"nosize","spec":{"ha_level":"1"}})"),
                500, 13, "Failed to create volume: Volume size cannot be zero");
    check_error(sim.call("POST", "/v1/volumes", R"({"name":)"), 400, 3, "unexpected EOF");
    check_error(sim.call("POST", "/v1/volumes", ""), 400, 3, "Must supply a unique name");
    check_error(sim.call("POST", "/v1/volumes", R"({"name":5})"), 400, 3,
                "json: cannot unmarshal number into Go value of type string");
    CHECK(sim.call("POST", "/v1/volumes", "{x").status == 400);
    CHECK(sim.call_json("GET", "/v1/volumes") == json::object());
}

TEST_CASE("create accepts lowerCamel names and int64 as numbers, and replies int64 as strings") {
    Sim sim;
    const std::string id =
        sim.call_json("POST", "/v1/volumes",
                      R"({"name":"camel","spec":{"size":1073741824,"haLevel":2,"format":2,
                          "cos":"NONE","shared":false,"bogus":1,"passphrase":"s3cret"}})")
            .at("volume_id");
    const json spec = sim.inspect(id).at("volume").at("spec");
    CHECK(spec == json{{"size", "1073741824"}, {"ha_level", "2"}, {"format", "FS_TYPE_EXT4"}});
}

TEST_CASE("inspect matches the recorded reply of the real gateway") {
    Sim sim;
    const std::string id = sim.create("pvc-prod-data", R"({"app":"db","namespace":"prod"})");
    // osd-rest.txt, GET /v1/volumes/inspect/432c9a1d-... with this volume's id.
    json expected = json::parse(R"({
      "labels": {"app": "db", "namespace": "prod"},
      "name": "pvc-prod-data",
      "volume": {
        "ctime": "2026-11-27T09:25:35.972788126Z",
        "format": "FS_TYPE_XFS",
        "id": "432c9a1d-1f5c-4f11-b881-41df39929ffa",
        "last_scan": "2026-11-27T09:25:35.972788126Z",
        "locator": {"name": "pvc-prod-data", "volume_labels": {"app": "db", "namespace": "prod"}},
        "source": {},
        "spec": {"cos": "HIGH", "format": "FS_TYPE_EXT4", "ha_level": "1", "size": "1073741824"},
        "state": "VOLUME_STATE_AVAILABLE",
        "status": "VOLUME_STATUS_UP"
      }})");
    expected["volume"]["id"] = id;
    const SimReply reply =
        sim.call("GET", "/v1/volumes/inspect/" + id, "", {{"options.deep", "true"}});
    CHECK(reply.status == 200);
    CHECK(reply.content_type == "application/json");
    CHECK(json::parse(reply.body) == expected);
}

TEST_CASE("inspect of an unknown volume is 404 code 5") {
    Sim sim;
    check_error(sim.call("GET", "/v1/volumes/inspect/does-not-exist"), 404, 5,
                "Volume id does-not-exist not found");
}

TEST_CASE("ctime is RFC 3339 with 0, 3, 6 or 9 fraction digits as protobuf writes it") {
    Sim sim;
    const auto base = std::chrono::system_clock::time_point(std::chrono::seconds(1795771535));
    sim.now = base;
    CHECK(sim.inspect(sim.create("a")).at("volume").at("ctime") == "2026-11-27T09:25:35Z");
    sim.now = base + std::chrono::milliseconds(120);
    CHECK(sim.inspect(sim.create("b")).at("volume").at("ctime") == "2026-11-27T09:25:35.120Z");
    sim.now = base + std::chrono::microseconds(120001);
    CHECK(sim.inspect(sim.create("c")).at("volume").at("ctime") == "2026-11-27T09:25:35.120001Z");
}

TEST_CASE("an attached volume inspects as VOLUME_STATE_ATTACHED") {
    Sim sim;
    const std::string id = sim.create("busy");
    sim.attached.insert(id);
    const json volume = sim.inspect(id).at("volume");
    CHECK(volume.at("state") == "VOLUME_STATE_ATTACHED");
    CHECK(volume.at("attached_on") == "1");
}

TEST_CASE("filters and inspectwithfilters take top-level name and labels and ignore locator") {
    Sim sim;
    const std::string data = sim.create("pvc-prod-data", R"({"app":"db","namespace":"prod"})");
    const std::string other = sim.create("pvc-other", R"({"app":"web"})");

    CHECK(ids_of(sim.call_json("POST", "/v1/volumes/filters", R"({"name":"pvc-prod-data"})"),
                 "volume_ids") == std::vector<std::string>{data});
    CHECK(ids_of(sim.call_json("POST", "/v1/volumes/filters", R"({"labels":{"app":"db"}})"),
                 "volume_ids") == std::vector<std::string>{data});
    CHECK(ids_of(sim.call_json("POST", "/v1/volumes/filters",
                               R"({"locator":{"name":"pvc-prod-data"}})"),
                 "volume_ids") == std::vector<std::string>{data, other});
    CHECK(sim.call_json("POST", "/v1/volumes/filters", R"({"labels":{"app":"none"}})") ==
          json::object());
    CHECK(ids_of(sim.call_json("POST", "/v1/volumes/filters",
                               R"({"name":"pvc-other","labels":{"app":"db"}})"),
                 "volume_ids")
              .empty());

    const json found =
        sim.call_json("POST", "/v1/volumes/inspectwithfilters", R"({"name":"pvc-prod-data"})");
    REQUIRE(found.at("volumes").size() == 1);
    CHECK(found.at("volumes").at(0) == sim.inspect(data));
    CHECK(sim.call_json("POST", "/v1/volumes/inspectwithfilters", R"({"name":"nothing"})") ==
          json::object());
    CHECK(sim.call_json("POST", "/v1/volumes/inspectwithfilters", R"({"locator":{}})")
              .at("volumes")
              .size() == 2);
}

TEST_CASE("PUT labels merges them, an empty value deletes a key, and spec fields update") {
    Sim sim;
    const std::string id = sim.create("pvc-prod-data", R"({"app":"db","namespace":"prod"})");
    CHECK(
        sim.call("PUT", "/v1/volumes/" + id, R"({"labels":{"snap-policy":"daily","namespace":""}})")
            .body == "{}");
    const json reply = sim.inspect(id);
    CHECK(reply.at("labels") == json{{"app", "db"}, {"snap-policy", "daily"}});
    CHECK(reply.at("volume").at("locator").at("volume_labels") == reply.at("labels"));

    CHECK(sim.call_json("PUT", "/v1/volumes/" + id, R"({"spec":{"size":"2147483648"}})") ==
          json::object());
    CHECK(sim.inspect(id).at("volume").at("spec").at("size") == "2147483648");

    check_error(sim.call("PUT", "/v1/volumes/does-not-exist", R"({"labels":{"x":"1"}})"), 404, 5,
                "Volume id does-not-exist not found");
}

TEST_CASE("snapshots are volumes with source.parent and carry only their own labels") {
    Sim sim;
    const std::string volume = sim.create("pvc-prod-data", R"({"app":"db"})");
    const std::string first =
        sim.snapshot(volume, "pxclone-snap-1", R"({"pxclone":"true","source-ns":"prod"})");
    const std::string second = sim.snapshot(volume, "pxclone-snap-1");
    CHECK(first != second); // snapshot names are not unique
    CHECK(std::regex_match(first, k_uuid));
    CHECK(sim.waits == std::vector<std::string>{"create", "snapshot", "snapshot"});

    const json snap = sim.inspect(first);
    CHECK(snap.at("name") == "pxclone-snap-1");
    CHECK(snap.at("labels") == json{{"pxclone", "true"}, {"source-ns", "prod"}});
    CHECK(snap.at("volume").at("source") == json{{"parent", volume}});
    CHECK(snap.at("volume").at("spec") == sim.inspect(volume).at("volume").at("spec"));
    CHECK(snap.at("volume").at("state") == "VOLUME_STATE_AVAILABLE");
    CHECK_FALSE(sim.inspect(second).contains("labels"));

    CHECK(ids_of(sim.call_json("GET", "/v1/volumes"), "volume_ids") ==
          std::vector<std::string>{volume, first, second});
}

TEST_CASE("snapshot create refuses a missing volume, name or volume id") {
    Sim sim;
    check_error(
        sim.call("POST", "/v1/volumes/snapshots", R"({"volume_id":"does-not-exist","name":"x"})"),
        404, 5, "Volume id does-not-exist not found");
    const std::string volume = sim.create("v");
    check_error(sim.call("POST", "/v1/volumes/snapshots", R"({"volume_id":")" + volume + "\"}"),
                400, 3, "Must supply a name");
    check_error(sim.call("POST", "/v1/volumes/snapshots", R"({"name":"x"})"), 400, 3,
                "Must supply volume id");
    CHECK(sim.call_json("GET", "/v1/volumes/snapshots") == json::object());
}

TEST_CASE("snapshot create waits outside the lock and still answers with the snapshot available") {
    Sim sim;
    const std::string volume = sim.create("v");
    std::vector<std::string> seen_during_wait;
    sim.on_wait = [&](const std::string&) {
        // Re-entering the API from the wait would deadlock if the mutex were held.
        seen_during_wait = ids_of(sim.call_json("GET", "/v1/volumes"), "volume_ids");
    };
    const std::string snap = sim.snapshot(volume, "s");
    CHECK(seen_during_wait == std::vector<std::string>{volume});
    CHECK(sim.inspect(snap).at("volume").at("status") == "VOLUME_STATUS_UP");
}

TEST_CASE("a volume deleted while its snapshot waits makes the snapshot call 404") {
    Sim sim;
    const std::string volume = sim.create("v");
    sim.on_wait = [&](const std::string& operation) {
        if (operation == "snapshot") {
            sim.call("DELETE", "/v1/volumes/" + volume);
        }
    };
    check_error(sim.call("POST", "/v1/volumes/snapshots",
                         R"({"volume_id":")" + volume + R"(","name":"s"})"),
                404, 5, "Volume id " + volume + " not found");
}

TEST_CASE("list snapshots with and without volume_id, and by labels") {
    Sim sim;
    const std::string a = sim.create("a");
    const std::string b = sim.create("b");
    const std::string a1 = sim.snapshot(a, "s", R"({"pxclone":"true"})");
    const std::string a2 = sim.snapshot(a, "s");
    const std::string b1 = sim.snapshot(b, "s", R"({"pxclone":"true"})");
    sim.clone(a1, "not-a-snapshot");

    CHECK(ids_of(sim.call_json("GET", "/v1/volumes/snapshots", "", {{"volume_id", a}}),
                 "volume_snapshot_ids") == std::vector<std::string>{a1, a2});
    CHECK(ids_of(sim.call_json("GET", "/v1/volumes/snapshots", "", {{"volumeId", b}}),
                 "volume_snapshot_ids") == std::vector<std::string>{b1});
    CHECK(ids_of(sim.call_json("GET", "/v1/volumes/snapshots"), "volume_snapshot_ids") ==
          std::vector<std::string>{a1, a2, b1});
    CHECK(ids_of(sim.call_json("POST", "/v1/volumes/snapshots/filters/" + a,
                               R"({"labels":{"pxclone":"true"}})"),
                 "volume_snapshot_ids") == std::vector<std::string>{a1});
    CHECK(sim.call_json("POST", "/v1/volumes/snapshots/filters/" + a,
                        R"({"labels":{"pxclone":"false"}})") == json::object());
    CHECK(sim.call_json("GET", "/v1/volumes/snapshots", "", {{"volume_id", "nope"}}) ==
          json::object());
}

TEST_CASE("clone carries only additional_labels, points at its parent and is idempotent by name") {
    Sim sim;
    const std::string volume = sim.create("pvc-prod-data", R"({"app":"db"})");
    const std::string snap = sim.snapshot(volume, "pxclone-snap-1", R"({"pxclone":"true"})");
    sim.waits.clear();
    const std::string clone = sim.clone(snap, "pvc-staging-data", R"({"env":"staging"})");
    CHECK(sim.waits == std::vector<std::string>{"clone"});

    const json reply = sim.inspect(clone);
    CHECK(reply.at("labels") == json{{"env", "staging"}});
    CHECK(reply.at("name") == "pvc-staging-data");
    CHECK(reply.at("volume").at("source") == json{{"parent", snap}});
    CHECK(reply.at("volume").at("spec") == sim.inspect(volume).at("volume").at("spec"));
    CHECK(reply.at("volume").at("state") == "VOLUME_STATE_AVAILABLE");

    // Same name and parent: the same id (and the real server's wait); another parent: 409.
    CHECK(sim.clone(snap, "pvc-staging-data", R"({"other":"x"})") == clone);
    CHECK(sim.waits == std::vector<std::string>{"clone", "clone"});
    CHECK(sim.inspect(clone).at("labels") == json{{"env", "staging"}});
    check_error(sim.call("POST", "/v1/volumes/clone",
                         R"({"name":"pvc-staging-data","parent_id":")" + volume + "\"}"),
                409, 6, "Existing volume has conflicting parent value");
    // Names are one namespace for volumes, snapshots and clones (and an id counts as a name).
    check_error(sim.call("POST", "/v1/volumes/clone",
                         R"({"name":"pxclone-snap-1","parent_id":")" + snap + "\"}"),
                409, 6, "Existing volume has conflicting parent value");
    CHECK(sim.call_json("POST", "/v1/volumes",
                        R"({"name":")" + volume + R"(","spec":{"size":"1073741824"}})")
              .at("volume_id") == volume);
    // lowerCamel request fields are accepted.
    CHECK(sim.call_json("POST", "/v1/volumes/clone",
                        R"({"name":"pvc-staging-data","parentId":")" + snap + "\"}")
              .at("volume_id") == clone);
}

TEST_CASE("clone refuses a missing parent, name or parent id") {
    Sim sim;
    check_error(sim.call("POST", "/v1/volumes/clone", R"({"name":"c","parent_id":"gone"})"), 404, 5,
                "Volume id gone not found");
    check_error(sim.call("POST", "/v1/volumes/clone", R"({"parent_id":"gone"})"), 400, 3,
                "Must supply a uniqe name");
    check_error(sim.call("POST", "/v1/volumes/clone", R"({"name":"c"})"), 400, 3,
                "Must parent volume id");
    CHECK(sim.waits.empty());
}

TEST_CASE("concurrent clones of one name all get one volume") {
    Sim sim;
    const std::string volume = sim.create("v");
    const std::string snap = sim.snapshot(volume, "s");
    std::vector<std::string> ids(8);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        threads.emplace_back([&, i] {
            SimRequest request;
            request.method = "POST";
            request.path = "/v1/volumes/clone";
            request.body = R"({"name":"c","parent_id":")" + snap + "\"}";
            ids[i] = json::parse(sim.api.handle(request).body).value("volume_id", "");
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == 1);
    CHECK_FALSE(ids[0].empty());
    CHECK(ids_of(sim.call_json("GET", "/v1/volumes"), "volume_ids").size() == 3);
}

TEST_CASE("delete is idempotent and keeps the snapshots of a deleted volume") {
    Sim sim;
    const std::string volume = sim.create("v");
    const std::string snap = sim.snapshot(volume, "s");
    const SimReply reply = sim.call("DELETE", "/v1/volumes/" + volume);
    CHECK(reply.status == 200);
    CHECK(reply.body == "{}");
    CHECK(sim.call("DELETE", "/v1/volumes/" + volume).body == "{}");
    CHECK(sim.call("DELETE", "/v1/volumes/never-was").body == "{}");
    CHECK(ids_of(sim.call_json("GET", "/v1/volumes"), "volume_ids") ==
          std::vector<std::string>{snap});
    CHECK(sim.inspect(snap).at("volume").at("source").at("parent") == volume);
    CHECK(ids_of(sim.call_json("GET", "/v1/volumes/snapshots", "", {{"volume_id", volume}}),
                 "volume_snapshot_ids") == std::vector<std::string>{snap});
}

TEST_CASE("delete of an attached volume fails as the driver does") {
    Sim sim;
    const std::string volume = sim.create("v");
    sim.attached.insert(volume);
    check_error(sim.call("DELETE", "/v1/volumes/" + volume), 500, 13,
                "Failed to delete volume " + volume + ": volume " + volume +
                    " is attached on node 1");
    CHECK(sim.inspect(volume).at("name") == "v");
}

TEST_CASE("restore in place succeeds on a detached volume and refuses the rest") {
    Sim sim;
    const std::string volume = sim.create("v");
    const std::string other = sim.create("w");
    const std::string snap = sim.snapshot(volume, "s");
    const std::string other_snap = sim.snapshot(other, "s");
    auto restore = [&](const std::string& v, const std::string& s) {
        return sim.call("POST", "/v1/volumes/snapshots/restore",
                        R"({"volume_id":")" + v + R"(","snapshot_id":")" + s + "\"}");
    };
    sim.waits.clear();
    CHECK(restore(volume, snap).body == "{}");
    CHECK(sim.waits == std::vector<std::string>{"restore"});

    check_error(restore(volume, "does-not-exist"), 404, 5,
                "Id " + volume + " or does-not-exist not found");
    check_error(restore("gone", snap), 404, 5, "Volume id gone not found");
    check_error(restore(volume, other_snap), 500, 13,
                "Failed to restore volume " + volume + " to snapshot " + other_snap + ": " +
                    other_snap + " is not a snapshot of volume " + volume);
    // A clone of the volume has it as source.parent but is no snapshot.
    const std::string clone = sim.clone(volume, "a-clone-not-a-snapshot");
    CHECK(restore(volume, clone).status == 500);
    sim.attached.insert(volume);
    const SimReply attached = restore(volume, snap);
    CHECK(attached.status == 400);
    CHECK(json::parse(attached.body).at("code") == 9);
    check_error(sim.call("POST", "/v1/volumes/snapshots/restore", R"({"volume_id":"x"})"), 400, 3,
                "Must supply snapshot id");
    CHECK(sim.waits == std::vector<std::string>{"restore", "clone"});
}

TEST_CASE("modelled data: snapshots and clones copy it, restore brings the snapshot's back") {
    Sim sim;
    const std::string volume = sim.create("v");
    CHECK(sim.api.write_data(volume, "v1"));
    const std::string snap = sim.snapshot(volume, "s");
    const std::string clone = sim.clone(snap, "c");
    CHECK(sim.api.write_data(volume, "v2"));
    CHECK_FALSE(sim.api.write_data(snap, "x")); // snapshots are read-only
    CHECK_FALSE(sim.api.write_data("gone", "x"));
    const auto data_of = [&sim](const std::string& id) {
        for (const auto& item : sim.api.dump()) {
            if (item.at("volume").at("id") == id) {
                return item.value("sim_data", std::string());
            }
        }
        return std::string("(absent)");
    };
    CHECK(data_of(snap) == "v1");
    CHECK(data_of(clone) == "v1");
    CHECK(data_of(volume) == "v2");
    CHECK(sim.call("POST", "/v1/volumes/snapshots/restore",
                   R"({"volume_id":")" + volume + R"(","snapshot_id":")" + snap + "\"}")
              .body == "{}");
    CHECK(data_of(volume) == "v1");
    // The SDK replies never show it.
    CHECK_FALSE(sim.inspect(volume).contains("sim_data"));
    CHECK_FALSE(sim.inspect(volume).at("volume").contains("sim_data"));
}

TEST_CASE("production guard: writes to a source volume are violations and still answered") {
    Sim sim;
    const std::string source = sim.create("prod", R"({"app":"db"})");
    sim.sources.insert(source);

    // Reads and snapshots of a source volume are what pxclone is for: no violation.
    const std::string snap = sim.snapshot(source, "s");
    sim.inspect(source);
    sim.clone(snap, "staging");
    CHECK(sim.violations.empty());

    CHECK(sim.call("PUT", "/v1/volumes/" + source, R"({"labels":{"x":"1"}})").status == 200);
    CHECK(sim.call("POST", "/v1/volumes/snapshots/restore",
                   R"({"volume_id":")" + source + R"(","snapshot_id":")" + snap + "\"}")
              .status == 200);
    CHECK(sim.call("DELETE", "/v1/volumes/" + source).status == 200);
    REQUIRE(sim.violations.size() == 3);
    CHECK(sim.violations[0].find("PUT /v1/volumes/" + source) != std::string::npos);
    CHECK(sim.violations[1].find("restore") != std::string::npos);
    CHECK(sim.violations[2].find("DELETE") != std::string::npos);
    CHECK(sim.call("GET", "/v1/volumes/inspect/" + source).status == 404);
}

TEST_CASE("unknown routes get the gateway's plain-text 404 and 405") {
    Sim sim;
    const SimReply not_allowed = sim.call("GET", "/v1/volumes/nosuchpath");
    CHECK(not_allowed.status == 405);
    CHECK(not_allowed.content_type == "text/plain; charset=utf-8");
    CHECK(not_allowed.body == "Method Not Allowed\n");
    CHECK(sim.call("POST", "/v1/volumes/inspect/x").status == 405);
    CHECK(sim.call("PATCH", "/v1/volumes").status == 405);

    const SimReply not_found = sim.call("GET", "/v1/nothing");
    CHECK(not_found.status == 404);
    CHECK(not_found.content_type == "text/plain; charset=utf-8");
    CHECK(not_found.body == "Not Found\n");
    CHECK(sim.call("GET", "/v1/volumes/inspect/a/b").status == 404);

    // A path that matches a route's pattern is that route, whatever the segment says.
    CHECK(sim.call("DELETE", "/v1/volumes/snapshots").body == "{}");
    check_error(sim.call("PUT", "/v1/volumes/clone", "{}"), 404, 5, "Volume id clone not found");
}

TEST_CASE("empty results are {} with the list key absent") {
    Sim sim;
    CHECK(sim.call("GET", "/v1/volumes").body == "{}");
    CHECK(sim.call("GET", "/v1/volumes/snapshots").body == "{}");
    CHECK(sim.call("POST", "/v1/volumes/filters", "{}").body == "{}");
    CHECK(sim.call("POST", "/v1/volumes/inspectwithfilters", "{}").body == "{}");
}

TEST_CASE("stats and usage answer for a known volume and 404 for an unknown one") {
    Sim sim;
    const std::string volume = sim.create("v");
    CHECK(sim.call_json("GET", "/v1/volumes/stats/" + volume).contains("stats"));
    CHECK(sim.call_json("GET", "/v1/volumes/usage/" + volume).contains("capacity_usage_info"));
    CHECK(sim.call("GET", "/v1/volumes/stats/nope").status == 404);
}
