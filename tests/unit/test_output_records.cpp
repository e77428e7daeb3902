#include "pxclone/output/records.hpp"
#include "pxclone/util/time.hpp"

#include <sstream>

#include <doctest/doctest.h>

using namespace pxclone;
using nlohmann::ordered_json;

namespace {

output::SnapshotSetRecord one_set() {
    output::SnapshotSetRecord set{.snapshot_set = "s1",
                                  .profile = "orders",
                                  .method = "portworx",
                                  .source_namespace = "prod",
                                  .created_at = "2026-12-07T10:00:00Z",
                                  .git_sha = "abc",
                                  .build_id = "77",
                                  .state = "complete",
                                  .expected_snapshots = 1,
                                  .used_by = {"r1"},
                                  .snapshots = {},
                                  .duration_ms = std::nullopt,
                                  .pruned = std::nullopt};
    set.snapshots.push_back({.source = "prod/data",
                             .pvc = "data",
                             .snapshot_id = "px-1",
                             .portworx_snapshot_id = "px-1",
                             .name = "orders-s1-data",
                             .size_bytes = 1024,
                             .ready = true,
                             .volume_id = std::nullopt,
                             .reused = std::nullopt,
                             .duration_ms = std::nullopt});
    return set;
}

output::StagingEnvironmentRecord one_environment() {
    output::StagingEnvironmentRecord environment;
    environment.run = "r1";
    environment.profile = "orders";
    environment.ns = "orders-stg-r1";
    environment.snapshot_set = "s1";
    environment.snapshot_sets = {"s1"};
    environment.created_at = "2026-12-07T10:00:00Z";
    environment.expires_at = "2026-12-08T10:00:00Z";
    environment.phase = "Active";
    return environment;
}

std::vector<std::string> keys_of(const ordered_json& object) {
    std::vector<std::string> keys;
    for (auto it = object.begin(); it != object.end(); ++it) {
        keys.push_back(it.key());
    }
    return keys;
}

} // namespace

TEST_CASE("a snapshot set is a SnapshotSet document in camelCase, in list and in snapshot alike") {
    const auto document = output::to_json(one_set());
    CHECK(keys_of(document) ==
          std::vector<std::string>{"apiVersion", "kind", "snapshotSet", "profile", "method",
                                   "sourceNamespace", "createdAt", "gitSha", "buildId", "state",
                                   "expectedSnapshots", "usedBy", "snapshots"});
    CHECK(document["apiVersion"] == "pxclone.io/v1");
    CHECK(document["kind"] == "SnapshotSet");
    CHECK(keys_of(document["snapshots"][0]) ==
          std::vector<std::string>{"source", "pvc", "snapshotId", "portworxSnapshotId", "name",
                                   "sizeBytes", "ready"});

    // What only `snapshot` knows is added, under the same names.
    auto taken = one_set();
    taken.duration_ms = 1500;
    taken.pruned = std::vector<std::string>{"s0"};
    taken.snapshots[0].volume_id = "vol-1";
    taken.snapshots[0].reused = false;
    taken.snapshots[0].duration_ms = 700;
    const auto more = output::to_json(taken);
    CHECK(more["durationMs"] == 1500);
    CHECK(more["pruned"] == ordered_json::array({"s0"}));
    CHECK(more["snapshots"][0]["volumeId"] == "vol-1");
    CHECK(more["snapshots"][0]["reused"] == false);
    CHECK(more["snapshots"][0]["durationMs"] == 700);
}

TEST_CASE("a set being taken: from its plan, the reused snapshots marked") {
    plan::SnapshotPlan plan;
    plan.set_id = "s2";
    plan.source_namespace = "prod";
    plan.snapshots.push_back({.source = {.pvc = "a", .volume_id = "v-a", .size_bytes = 5},
                              .name = "orders-s2-a",
                              .existing = "old-a"});
    plan.snapshots.push_back(
        {.source = {.pvc = "b", .volume_id = "v-b", .size_bytes = 6}, .name = "orders-s2-b"});
    const plan::Lineage lineage{.profile = "orders",
                                .run = "s2",
                                .git_sha = "abc",
                                .build_id = "9",
                                .created_at = "2026-12-07T10:00:00Z"};
    const auto record = output::snapshot_set_record(plan, lineage);
    CHECK(record.snapshot_set == "s2");
    CHECK(record.method == "portworx");
    CHECK(record.expected_snapshots == 2);
    REQUIRE(record.snapshots.size() == 2);
    CHECK(record.snapshots[0].source == "prod/a");
    CHECK(record.snapshots[0].snapshot_id == "old-a");
    CHECK(record.snapshots[0].reused == true);
    CHECK(record.snapshots[1].volume_id == "v-b");
    CHECK(record.snapshots[1].reused == false);
}

TEST_CASE("snapshot set: -o env, -o name and text keep their forms") {
    auto set = one_set();
    set.duration_ms = 2000;
    set.snapshots[0].reused = true;
    std::ostringstream env;
    output::print_snapshot_set(set, output::Format::env, env);
    CHECK(env.str() == "PXCLONE_SNAPSHOT_SET='s1'\nPXCLONE_RUN='s1'\n");
    std::ostringstream name;
    output::print_snapshot_set(set, output::Format::name, name);
    CHECK(name.str() == "snapshot-set/s1\n");
    std::ostringstream text;
    output::print_snapshot_set(set, output::Format::text, text);
    CHECK(text.str().starts_with("snapshot set s1 of profile orders: 1 volume of namespace prod "
                                 "(portworx) in 2s\n"));
    CHECK(text.str().find("px-1") != std::string::npos);
    CHECK(text.str().find("reused") != std::string::npos);
    std::ostringstream yaml;
    output::print_snapshot_set(set, output::Format::yaml, yaml);
    CHECK(yaml.str().starts_with("apiVersion: pxclone.io/v1\nkind: SnapshotSet\n"));
}

TEST_CASE("list: a List of SnapshotSet and StagingEnvironment items") {
    const auto document = output::list_document({one_set()}, {one_environment()});
    CHECK(keys_of(document) == std::vector<std::string>{"apiVersion", "kind", "items"});
    CHECK(document["kind"] == "List");
    REQUIRE(document["items"].size() == 2);
    CHECK(document["items"][0]["kind"] == "SnapshotSet");
    const auto& environment = document["items"][1];
    CHECK(environment["kind"] == "StagingEnvironment");
    CHECK(keys_of(environment) == std::vector<std::string>{"apiVersion", "kind", "run", "profile",
                                                           "namespace", "snapshotSet",
                                                           "snapshotSets", "createdAt", "expiresAt",
                                                           "pinned", "readyAt", "type", "phase",
                                                           "state", "pvcs", "gitSha", "buildId"});

    std::ostringstream names;
    output::print_list({one_set()}, {one_environment()}, output::Format::name, false, {}, names);
    CHECK(names.str() == "snapshot-set/s1\nrun/r1\n");
}

TEST_CASE("list text: sets and environments, ages from now") {
    const auto now = *util::parse_rfc3339("2026-12-07T12:00:00Z");
    std::ostringstream text;
    output::print_list({one_set()}, {one_environment()}, output::Format::text, false, now, text);
    const auto out = text.str();
    CHECK(out.starts_with("SNAPSHOT SETS\n"));
    CHECK(out.find("s1 ") != std::string::npos);
    CHECK(out.find("r1") != std::string::npos);
    CHECK(out.find("STAGING ENVIRONMENTS\n") != std::string::npos);
    CHECK(out.find("in 22h") != std::string::npos);
    CHECK(out.find("PROFILE") == std::string::npos);
    std::ostringstream all;
    output::print_list({one_set()}, {}, output::Format::text, true, now, all);
    CHECK(all.str().find("PROFILE") != std::string::npos);
}

TEST_CASE("list: a pinned environment expires never (text) and is pinned (documents)") {
    auto pinned = one_environment();
    pinned.expires_at.clear();
    pinned.pinned = true;
    const auto now = *util::parse_rfc3339("2026-12-07T12:00:00Z");
    std::ostringstream text;
    output::print_list({}, {pinned}, output::Format::text, false, now, text);
    CHECK(text.str().find(" never ") != std::string::npos);
    const auto document = output::list_document({}, {pinned});
    CHECK(document["items"][0]["pinned"] == true);
    CHECK(document["items"][0]["expiresAt"] == "");
    CHECK(output::list_document({}, {one_environment()})["items"][0]["pinned"] == false);
}

TEST_CASE("teardown: a TeardownReport, objects by kind, name and volumeId") {
    plan::FoundObject clone{.kind = plan::TeardownKind::portworx_volume,
                            .ns = {},
                            .name = "orders-r1-clone-data",
                            .id = "vol-9",
                            .labels = {},
                            .deleting = false,
                            .refers_to = {}};
    plan::FoundObject pvc{.kind = plan::TeardownKind::pvc,
                          .ns = "stg",
                          .name = "data",
                          .id = {},
                          .labels = {},
                          .deleting = false,
                          .refers_to = {}};
    output::TeardownRecord record{.runs = {"r1"},
                                  .snapshot_sets = {},
                                  .dry_run = false,
                                  .refused = {{.object = pvc, .reason = "not ours"}},
                                  .plan = std::nullopt,
                                  .deleted =
                                      std::vector<output::TeardownObjectRecord>{{.object = clone}},
                                  .failed = std::vector<output::TeardownObjectRecord>{
                                      {.object = pvc, .error = "held", .kept = true}}};
    const auto document = output::to_json(record);
    CHECK(keys_of(document) == std::vector<std::string>{"apiVersion", "kind", "runs",
                                                        "snapshotSets", "dryRun", "refused",
                                                        "deleted", "failed"});
    CHECK(document["kind"] == "TeardownReport");
    CHECK(document["refused"][0].dump() ==
          R"({"kind":"PersistentVolumeClaim","namespace":"stg","name":"data",)"
          R"("reason":"not ours","notSelected":false})");
    CHECK(document["deleted"][0].dump() ==
          R"({"kind":"PortworxVolume","name":"orders-r1-clone-data","volumeId":"vol-9"})");
    CHECK(document["failed"][0]["error"] == "held");
    CHECK(document["failed"][0]["kept"] == true);
}

TEST_CASE("validate and version: ValidationReport, Profile and Version documents") {
    const auto report = output::validation_document(
        {{"cluster", plan::CheckResult::ok, "reachable", {}, ExitCode::ok, nullptr}});
    CHECK(keys_of(report) == std::vector<std::string>{"apiVersion", "kind", "ok", "checks"});
    CHECK(report["kind"] == "ValidationReport");
    const auto profile =
        output::profile_document({{"version", 1}, {"name", "orders"}}, "42", "abc", "77");
    CHECK(profile.dump() == R"({"apiVersion":"pxclone.io/v1","kind":"Profile","profile":"orders",)"
                            R"("run":"42","gitSha":"abc","buildId":"77",)"
                            R"("spec":{"version":1,"name":"orders"}})");
    CHECK(output::version_document({{"version", "0.4.0"}})["kind"] == "Version");
}
