// Two clusters sharing one object store (a directory, as two pxsim processes share it), the object
// store itself, and the cloud backup faults and latency, from FaultPlan through a running server.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include <doctest/doctest.h>
#include <httplib.h>

#include "faults.hpp"
#include "object_store.hpp"
#include "px_cloud_test_support.hpp"
#include "server.hpp"

using namespace pxsim::testing;
using namespace std::chrono_literals;

namespace {

// A fresh directory for one test's bucket, removed afterwards.
struct TempDir {
    std::filesystem::path path;
    explicit TempDir(const std::string& name)
        : path(std::filesystem::temp_directory_path() /
               ("pxsim-cloud-" + name + "-" + std::to_string(::getpid()))) {
        std::filesystem::remove_all(path);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
};

PxOptions cluster(const std::string& id, const std::shared_ptr<pxsim::ObjectStore>& objects) {
    PxOptions options;
    options.cluster_id = id;
    options.object_store = objects;
    return options;
}

json with(json body, const json& more) {
    body.update(more);
    return body;
}

std::string data_of(Sim& sim, const std::string& volume_id) {
    for (const auto& item : sim.api.dump()) {
        if (item.at("volume").at("id") == volume_id) {
            return item.value("sim_data", "");
        }
    }
    return "<no volume>";
}

} // namespace

TEST_CASE("directory object store: exclusive create, slashed keys, removal once, shared by two") {
    TempDir dir("store");
    pxsim::DirectoryObjectStore first(dir.path.string());
    pxsim::DirectoryObjectStore second(dir.path.string()); // as another process opens it
    CHECK(first.put_new("bucket/vol-1", R"({"a":1})"));
    CHECK_FALSE(second.put_new("bucket/vol-1", R"({"a":2})"));
    CHECK(second.get("bucket/vol-1") == std::optional<std::string>(R"({"a":1})"));
    CHECK(first.put_new("other key %", "x"));
    CHECK(second.list() ==
          std::map<std::string, std::string>{{"bucket/vol-1", R"({"a":1})"}, {"other key %", "x"}});
    CHECK(second.remove("bucket/vol-1"));
    CHECK_FALSE(first.remove("bucket/vol-1"));
    CHECK_FALSE(first.get("bucket/vol-1"));
    // No temporary file is left, none is listed.
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path)) {
        CHECK(entry.path().filename().string().front() != '.');
        ++files;
    }
    CHECK(files == 1);
    const std::string file = (dir.path / "a-file").string();
    std::fclose(std::fopen(file.c_str(), "w"));
    CHECK_THROWS_AS(pxsim::DirectoryObjectStore{file}, std::runtime_error);
}

TEST_CASE("directory object store: of concurrent creates of one key exactly one wins") {
    TempDir dir("race");
    pxsim::DirectoryObjectStore a(dir.path.string());
    pxsim::DirectoryObjectStore b(dir.path.string());
    for (int round = 0; round < 20; ++round) {
        const std::string key = "bucket/" + std::to_string(round);
        std::atomic<int> won{0};
        std::vector<std::thread> threads;
        for (int i = 0; i < 4; ++i) {
            threads.emplace_back([&, i] {
                won += (i % 2 == 0 ? a : b).put_new(key, std::string(4096, char('a' + i))) ? 1 : 0;
            });
        }
        for (auto& thread : threads) {
            thread.join();
        }
        CHECK(won == 1);
        const auto text = a.get(key);
        REQUIRE(text);
        CHECK(text->size() == 4096); // whole, never a mix
        CHECK(text->find_first_not_of(text->front()) == std::string::npos);
    }
}

TEST_CASE("two clusters share the bucket: A backs up, B finds, restores and deletes the backup") {
    TempDir dir("clusters");
    // Each cluster opens the directory itself, as two pxsim processes do.
    Sim a(cluster("prod-cluster", pxsim::make_object_store(dir.path.string())));
    Sim b(cluster("staging-cluster", pxsim::make_object_store(dir.path.string())));
    a.durations["backup"] = 30s;
    b.durations["cloud-restore"] = 10s;
    const std::string volume = a.create("pvc-prod-data");
    REQUIRE(a.api.write_data(volume, "orders v7"));
    const std::string snapshot = a.snapshot(volume, "pxclone-snap-1", R"({"pxclone.io/run":"r1"})");
    const std::string credential_a = add_credential(a, "s3-staging");
    const std::string credential_b = add_credential(b, "s3-staging");
    CHECK(credential_a != credential_b); // two clusters, two uuids
    CHECK(b.create("pvc-other") != volume);
    CHECK(a.call_json("GET", "/v1/clusters/inspectcurrent").at("cluster").at("id") ==
          "prod-cluster");
    CHECK(b.call_json("GET", "/v1/clusters/inspectcurrent").at("cluster").at("id") ==
          "staging-cluster");

    const std::string task = start_backup(a, snapshot, credential_a, R"({"pxclone.io/run":"r1"})");
    const json mine =
        json{{"credential_id", credential_b}, {"metadata_filter", {{"pxclone.io/run", "r1"}}}};
    // B's own backups by default; A's with all or A's cluster id.
    CHECK(enumerate(b, mine) == json::object());
    json found = enumerate(b, with(mine, {{"all", true}}));
    REQUIRE(found.at("backups").size() == 1);
    CHECK(enumerate(b, with(mine, {{"cluster_id", "prod-cluster"}})) == found);
    const json backup = found.at("backups").at(0);
    CHECK(backup.at("status") == "SdkCloudBackupStatusTypeActive");
    CHECK(backup.at("src_volume_id") == snapshot);
    const std::string backup_id = backup.at("id").get<std::string>();
    // B has no task of A's.
    CHECK(b.call_json("POST", "/v1/cloudbackups/status", "{}") == json::object());
    // What /_sim/state shows of each: its credentials (no secret), its tasks, the whole bucket.
    const json a_cloud = a.api.dump_cloud();
    CHECK(a_cloud.at("cluster_id") == "prod-cluster");
    CHECK(a_cloud.at("tasks").at(task).at("status") == "SdkCloudBackupStatusTypeActive");
    CHECK(a_cloud.at("credentials").at(0).at("credential_id") == credential_a);
    CHECK(a_cloud.dump().find("SECRET") == std::string::npos);
    const json b_cloud = b.api.dump_cloud();
    CHECK(b_cloud.at("tasks") == json::object());
    REQUIRE(b_cloud.at("backups").size() == 1);
    CHECK(b_cloud.at("backups").at(0).at("cluster_id") == "prod-cluster");
    CHECK(b_cloud.at("backups").at(0).at("metadata") == json{{"pxclone.io/run", "r1"}});

    const json restore = {{"backup_id", backup_id},
                          {"restore_volume_name", "pxclone-stage-db"},
                          {"credential_id", credential_b},
                          {"locator", {{"volume_labels", {{"pxclone.io/role", "staging"}}}}}};
    CHECK(b.call("POST", "/v1/cloudbackups/restore", restore.dump()).status == 500);
    a.now += 30s;
    b.now += 30s;
    CHECK(task_status(a, task).at("status") == "SdkCloudBackupStatusTypeDone");
    CHECK(enumerate(b, with(mine, {{"all", true}})).at("backups").at(0).at("status") ==
          "SdkCloudBackupStatusTypeDone");
    const std::string restored = b.call_json("POST", "/v1/cloudbackups/restore", restore.dump())
                                     .at("restore_volume_id")
                                     .get<std::string>();
    CHECK(b.inspect(restored).at("labels") == json{{"pxclone.io/role", "staging"}});
    CHECK(data_of(b, restored) == "orders v7");
    CHECK(status_by(b, "volume_id", restored).at("statuses").begin().value().at("status") ==
          "SdkCloudBackupStatusTypeActive");
    b.now += 10s;
    CHECK(status_by(b, "volume_id", restored).at("statuses").begin().value().at("status") ==
          "SdkCloudBackupStatusTypeDone");
    // The restore wrote nothing on A.
    CHECK(a.api.dump().size() == 2);

    // B deletes it: gone for A too, A's task record with it.
    const auto slash = backup_id.find('/');
    CHECK(b.call_json("DELETE", "/v1/cloudbackups/backup/" + backup_id.substr(slash + 1), "",
                      {{"bucket", backup_id.substr(0, slash)}, {"credential_id", credential_b}}) ==
          json::object());
    CHECK(enumerate(a, {{"credential_id", credential_a}, {"all", true}}) == json::object());
    CHECK(status_by(a, "task_id", task) == json::object());
    check_error(a.call("DELETE", "/v1/cloudbackups/backup/" + backup_id.substr(slash + 1), "",
                       {{"bucket", backup_id.substr(0, slash)}, {"credential_id", credential_a}}),
                500, 13, "Failed to delete backup: Failed to find backup");
    CHECK(std::filesystem::is_empty(dir.path));
}

TEST_CASE("a reset keeps the shared bucket and draws no backup id twice") {
    TempDir dir("reset");
    Sim a(cluster("prod-cluster", pxsim::make_object_store(dir.path.string())));
    std::string first_id;
    for (int round = 0; round < 2; ++round) {
        const std::string volume = a.create("pvc-prod-data");
        const std::string credential = add_credential(a, "s3-staging");
        const std::string task = start_backup(a, volume, credential);
        const std::string id = task_status(a, task).at("backup_id").get<std::string>();
        if (round == 0) {
            first_id = id;
            a.api.reset();
        } else {
            CHECK(id != first_id); // the same counters again, but the id was taken
            CHECK(enumerate(a, {{"credential_id", credential}}).at("backups").size() == 2);
        }
    }
}

TEST_CASE("operation faults: a backup fails, is slow or stays Active; a restore fails") {
    Sim sim;
    sim.durations["backup"] = 10s;
    sim.durations["cloud-restore"] = 10s;
    const std::string volume = sim.create("pvc-prod-data");
    REQUIRE(sim.api.write_data(volume, "v1"));
    const std::string credential = add_credential(sim, "s3-staging");
    const std::string failing = start_backup(sim, volume, credential, "{}", "backup-fail");
    const std::string slow = start_backup(sim, volume, credential, "{}", "backup-slow");
    const std::string stuck = start_backup(sim, volume, credential, "{}", "backup-stuck");
    const std::string fine = start_backup(sim, volume, credential);
    sim.now += 10s;
    const json failed = task_status(sim, failing);
    CHECK(failed.at("status") == "SdkCloudBackupStatusTypeFailed");
    CHECK(failed.at("completed_time") == format_time(sim.now));
    CHECK(failed.at("info").at(0).get<std::string>().find("failed") != std::string::npos);
    CHECK_FALSE(failed.contains("bytes_done"));
    CHECK(task_status(sim, slow).at("status") == "SdkCloudBackupStatusTypeActive");
    CHECK(task_status(sim, fine).at("status") == "SdkCloudBackupStatusTypeDone");
    sim.now += 2s; // PxOptions' default slow_delay
    CHECK(task_status(sim, slow).at("status") == "SdkCloudBackupStatusTypeDone");
    sim.now += 24h;
    CHECK(task_status(sim, stuck).at("status") == "SdkCloudBackupStatusTypeActive");
    CHECK_FALSE(task_status(sim, stuck).contains("bytes_done"));

    // A failed backup is listed as Failed (it needs deleting) and does not restore.
    const std::string failed_id = failed.at("backup_id").get<std::string>();
    CHECK(backup_ids(enumerate(sim, {{"credential_id", credential},
                                     {"status_filter", "SdkCloudBackupStatusTypeFailed"}})) ==
          std::vector<std::string>{failed_id});
    check_error(sim.call("POST", "/v1/cloudbackups/restore",
                         json{{"backup_id", failed_id}, {"credential_id", credential}}.dump()),
                500, 13,
                "Failed to restore backup: backup " + failed_id +
                    " is not complete (SdkCloudBackupStatusTypeFailed)");

    const std::string good_id = task_status(sim, fine).at("backup_id").get<std::string>();
    const SimReply reply = call_with_fault(
        sim, "POST", "/v1/cloudbackups/restore",
        json{{"backup_id", good_id}, {"restore_volume_name", "r"}, {"credential_id", credential}}
            .dump(),
        "backup-fail");
    REQUIRE(reply.status == 200);
    const std::string restored = json::parse(reply.body).at("restore_volume_id").get<std::string>();
    sim.now += 10s;
    CHECK(status_by(sim, "volume_id", restored).at("statuses").begin().value().at("status") ==
          "SdkCloudBackupStatusTypeFailed");
    CHECK(data_of(sim, restored).empty());
}

TEST_CASE("with authentication a failed restore stays visible after its volume is deleted") {
    PxOptions options;
    options.authenticated = true;
    Sim sim(options);
    const std::string volume = sim.create("pvc-prod-data");
    const std::string credential = add_credential(sim, "s3-staging");
    const std::string backup_id =
        task_status(sim, start_backup(sim, volume, credential)).at("backup_id").get<std::string>();
    const auto restore = [&](const std::string& fault) {
        const SimReply reply = call_with_fault(
            sim, "POST", "/v1/cloudbackups/restore",
            json{{"backup_id", backup_id}, {"credential_id", credential}}.dump(), fault);
        REQUIRE(reply.status == 200);
        return json::parse(reply.body).at("restore_volume_id").get<std::string>();
    };
    const std::string failed = restore("backup-fail");
    const std::string done = restore("");
    sim.call_json("DELETE", "/v1/volumes/" + failed);
    sim.call_json("DELETE", "/v1/volumes/" + done);
    const json statuses = sim.call_json("POST", "/v1/cloudbackups/status", "{}").at("statuses");
    std::vector<std::string> volumes;
    for (const auto& item : statuses) {
        volumes.push_back(item.at("src_volume_id").get<std::string>());
    }
    std::sort(volumes.begin(), volumes.end());
    std::vector<std::string> expected{volume, failed};
    std::sort(expected.begin(), expected.end());
    CHECK(volumes == expected);
}

TEST_CASE("fault plan: backup kinds only where an operation starts, status-500 only on status") {
    const auto plan = [](const std::string& spec) {
        return pxsim::FaultPlan::parse({spec}, 7);
    };
    auto backups = plan("rate=1,kinds=backup-fail");
    CHECK(backups.decide("POST", "/v1/cloudbackups", false).kind == pxsim::FaultKind::BackupFail);
    CHECK(backups.decide("POST", "/v1/cloudbackups/restore", false).kind ==
          pxsim::FaultKind::BackupFail);
    CHECK(backups.decide("POST", "/v1/cloudbackups/status", false).kind == pxsim::FaultKind::None);
    CHECK(backups.decide("POST", "/v1/volumes/snapshots", false).kind == pxsim::FaultKind::None);
    auto status = plan("rate=1,kinds=status-500");
    const auto on_status = status.decide("POST", "/v1/cloudbackups/status", false);
    CHECK(on_status.kind == pxsim::FaultKind::Status);
    CHECK(on_status.status == 500);
    CHECK(status.decide("POST", "/v1/cloudbackups", false).kind == pxsim::FaultKind::None);
    auto targeted = plan("POST /v1/cloudbackups#2=backup-stuck,POST /v1/cloudbackups/status#1=500");
    CHECK(targeted.decide("POST", "/v1/cloudbackups", false).kind == pxsim::FaultKind::None);
    CHECK(targeted.decide("POST", "/v1/cloudbackups", false).kind == pxsim::FaultKind::BackupStuck);
    CHECK(targeted.decide("POST", "/v1/cloudbackups/status", false).status == 500);
    CHECK(std::string(pxsim::op_fault_name(pxsim::FaultKind::BackupSlow)) == "backup-slow");
    CHECK_THROWS_AS(plan("rate=1,kinds=backup-late"), std::invalid_argument);

    // Seeded: the same seed draws the same course for the same requests.
    const auto draws = [&](std::uint64_t seed) {
        auto mixed =
            pxsim::FaultPlan::parse({"rate=0.5,kinds=backup-fail+backup-slow+backup-stuck"}, seed);
        std::vector<int> kinds;
        for (int i = 0; i < 32; ++i) {
            kinds.push_back(static_cast<int>(mixed.decide("POST", "/v1/cloudbackups", false).kind));
        }
        return kinds;
    };
    CHECK(draws(3) == draws(3));
    CHECK(draws(3) != draws(4));
}

TEST_CASE("server: --cluster-id, --object-store, backup= latency and backup faults over HTTP") {
    TempDir dir("servers");
    pxsim::ServerOptions a_options;
    a_options.controllers = false;
    a_options.cluster_id = "prod-cluster";
    a_options.object_store = dir.path.string();
    a_options.latency = "backup=1h";
    a_options.faults = {"POST /v1/cloudbackups#2=backup-fail",
                        "POST /v1/cloudbackups/status#2=500"};
    pxsim::Server a(a_options);
    pxsim::ServerOptions b_options;
    b_options.controllers = false;
    b_options.cluster_id = "staging-cluster";
    b_options.object_store = dir.path.string();
    pxsim::Server b(b_options);
    httplib::Client to_a("127.0.0.1", a.start());
    httplib::Client to_b("127.0.0.1", b.start());
    const auto post = [](httplib::Client& client, const std::string& path, const json& body) {
        const auto reply = client.Post(path, body.dump(), "application/json");
        REQUIRE(reply);
        return std::make_pair(reply->status, json::parse(reply->body));
    };
    CHECK(json::parse(to_b.Get("/v1/clusters/inspectcurrent")->body).at("cluster").at("id") ==
          "staging-cluster");
    const std::string volume =
        post(to_a, "/v1/volumes",
             {{"name", "pvc-prod-data"}, {"spec", {{"size", "1073741824"}, {"ha_level", "1"}}}})
            .second.at("volume_id");
    const json credential = {
        {"name", "s3"},
        {"aws_credential",
         {{"access_key", "a"}, {"secret_key", "s"}, {"endpoint", "e"}, {"region", "r"}}}};
    const std::string cred_a = post(to_a, "/v1/credentials", credential).second.at("credential_id");
    const std::string cred_b = post(to_b, "/v1/credentials", credential).second.at("credential_id");
    const json backup = {{"volume_id", volume}, {"credential_id", cred_a}};
    const std::string slow = post(to_a, "/v1/cloudbackups", backup).second.at("task_id");
    const std::string failing = post(to_a, "/v1/cloudbackups", backup).second.at("task_id");
    const auto first = post(to_a, "/v1/cloudbackups/status", {{"task_id", slow}});
    CHECK(first.second.at("statuses").at(slow).at("status") == "SdkCloudBackupStatusTypeActive");
    const auto second = post(to_a, "/v1/cloudbackups/status", {{"task_id", slow}});
    CHECK(second.first == 500);
    CHECK(second.second.at("code") == 13);
    // Both backups are in the bucket B reads, still Active an hour long.
    const auto listed = post(to_b, "/v1/cloudbackups/enumerate/filters",
                             {{"credential_id", cred_b}, {"all", true}});
    REQUIRE(listed.second.at("backups").size() == 2);
    CHECK(listed.second.at("backups").at(1).at("status") == "SdkCloudBackupStatusTypeActive");
    std::size_t files = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path)) {
        ++files;
    }
    CHECK(files == 2);
    (void)failing;
    a.stop();
    b.stop();

    pxsim::ServerOptions empty_id;
    empty_id.controllers = false;
    empty_id.cluster_id = "";
    CHECK_THROWS_AS(pxsim::Server{empty_id}, std::invalid_argument);
}
