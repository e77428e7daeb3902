// transfer: cloudsnap's snapshot side over the portworx method's backend, against a strict fake of
// the SDK REST gateway (request shapes of reference/osd-cloudbackup.txt): every request scripted in
// order: take() sends the snapshot's create, await_ready the readiness look-up, then the backups.
#include "pxclone/method/cloudsnap.hpp"
#include "pxclone/method/portworx.hpp"
#include "pxclone/util/worker_pool.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <utility>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/concurrent_transport.hpp"
#include "support/fake_clock.hpp"
#include "support/fake_transport.hpp"

using namespace pxclone;
using namespace std::chrono_literals;
using http::Method;
using nlohmann::json;
using test::FakeTransport;

namespace {

constexpr const char* k_px = "https://px.test:9021";
const std::string k_cred = "d2634535-ce39-4905-ae19-6c32421898bf";

const plan::SourceVolume k_data{.pvc = "data", .volume_id = "vol-1", .size_bytes = 1 << 20};
const plan::SourceVolume k_logs{.pvc = "logs", .volume_id = "vol-2", .size_bytes = 1 << 20};

// Run r1 of profile orders (source namespace prod) over `sources` with `method`.
plan::SnapshotPlan snapshot_plan(const std::vector<plan::ExistingSnapshot>& existing = {},
                                 const std::vector<plan::SourceVolume>& sources = {k_data},
                                 const plan::MethodRules& method = method::portworx()) {
    profile::Profile profile;
    profile.name = "orders";
    profile.source.source_namespace = "prod";
    profile.snapshot.method = method.kind();
    return plan::plan_snapshot(
        method, profile, {.profile = "orders", .run = "r1", .created_at = "2026-11-27T10:00:00Z"},
        sources, existing);
}

json inspected(const std::string& id) {
    return {{"volume",
             {{"id", id},
              {"source", {{"parent", "vol-1"}}},
              {"locator", {{"name", id}}},
              {"state", "VOLUME_STATE_AVAILABLE"}}}};
}

json status(const std::string& task, const std::string& state, json info = nullptr) {
    json entry = {{"backup_id", "cluster-a/vol-1-s1"},
                  {"optype", "SdkCloudBackupOpTypeBackupOp"},
                  {"status", "SdkCloudBackupStatusType" + state},
                  {"src_volume_id", "s1"},
                  {"credential_id", k_cred}};
    if (!info.is_null()) {
        entry["info"] = std::move(info);
    }
    return {{"statuses", {{task, entry}}}};
}

json listed(const std::string& id, const std::string& snapshot, const std::string& state) {
    return {{"id", id},
            {"src_volume_id", snapshot},
            {"metadata",
             {{"app.kubernetes.io/managed-by", "pxclone"},
              {"pxclone.io/profile", "orders"},
              {"pxclone.io/snapshot-set", "r1"},
              {"pxclone.io/snapshot-id", snapshot}}},
            {"status", "SdkCloudBackupStatusType" + state}};
}

const json k_set_filter = {{"credential_id", k_cred},
                           {"metadata_filter",
                            {{"app.kubernetes.io/managed-by", "pxclone"},
                             {"pxclone.io/profile", "orders"},
                             {"pxclone.io/snapshot-set", "r1"}}}};

struct Fixture {
    FakeTransport px_fake{k_px};
    FakeTransport kube_fake;
    const px::Client portworx{px_fake, k_px};
    const k8s::Client kube{kube_fake, "https://k8s.test"};
    test::FakeClock clock;
    test::FakeSleeper sleeper{clock};
    std::vector<std::string> progress;
    std::vector<std::pair<std::string, bool>> steps; // on_done, in order
    // Both backends report through one context, as the snapshot command gives them.
    exec::BackendContext context() {
        return {.clock = &clock,
                .sleeper = &sleeper,
                .on_progress = [this](const std::string&,
                                      const std::string& text) { progress.push_back(text); },
                .on_done =
                    [this](const std::string& key, bool ok) {
                        steps.emplace_back(key, ok);
                    }};
    }
    std::unique_ptr<exec::SnapshotBackend> backend = method::make_cloudsnap_backend(
        method::portworx().backend(kube, portworx, context()), portworx, context(),
        {.profile = "orders",
         .credentials = {k_cred, "stg-uuid"},
         .backup_timeout = 10min,
         .cluster = "source cluster"});
    std::chrono::system_clock::time_point deadline = clock.now() + 1min;
};

// The wrapped backend's readiness look-up (the run's snapshots by their labels), answered with
// `volumes`.
void expect_lookup(FakeTransport& fake, std::vector<json> volumes) {
    fake.expect(Method::post, "/v1/volumes/inspectwithfilters")
        .reply(200, json{{"volumes", std::move(volumes)}});
}

// await_ready on the plan's only snapshot, taken as `taken`: its error, rethrown.
void await_one(Fixture& f, const plan::SnapshotPlan& plan, const exec::TakenSnapshot& taken) {
    const auto errors = f.backend->await_ready(plan, {taken}, {0}, f.deadline);
    REQUIRE(errors.size() == 1);
    if (errors[0]) {
        std::rethrow_exception(errors[0]);
    }
}

} // namespace

TEST_CASE("cloudsnap take, await_ready: the snapshot, its readiness, then its backup with the "
          "lineage as metadata, polled by its own task id until Done") {
    Fixture f;
    const auto plan = snapshot_plan();
    // take() sends only SnapshotCreate: the portworx backend checks readiness for the whole set
    // in await_ready (one look-up by the run's labels), and the backup waits for it.
    f.px_fake.expect(Method::post, "/v1/volumes/snapshots").reply(200, R"({"snapshot_id":"s1"})");
    const auto taken = f.backend->take(plan, plan.snapshots[0], f.deadline);
    CHECK(taken.portworx_id == "s1");
    CHECK(f.steps.empty()); // the snapshot step ends in await_ready

    expect_lookup(f.px_fake, {inspected("s1")});
    auto metadata = json(plan.snapshots[0].labels);
    metadata["pxclone.io/snapshot-id"] = "s1";
    metadata["pxclone.io/size"] = "1048576"; // what the staging side's PV asks for
    f.px_fake.expect(Method::post, "/v1/cloudbackups")
        .body({{"volume_id", "s1"},
               {"credential_id", k_cred},
               {"task_id", "pxclone-s1"},
               {"labels", metadata}})
        .reply(200, R"({"task_id":"pxclone-s1"})");
    f.px_fake.expect(Method::post, "/v1/cloudbackups/status")
        .body({{"task_id", "pxclone-s1"}})
        .reply(200, "{}"); // not visible yet
    f.px_fake.expect(Method::post, "/v1/cloudbackups/status")
        .reply(200, status("pxclone-s1", "Active"));
    f.px_fake.expect(Method::post, "/v1/cloudbackups/status")
        .reply(200, status("pxclone-s1", "Done"));
    await_one(f, plan, taken);
    CHECK(f.sleeper.waits() == std::vector<std::chrono::milliseconds>{500ms, 500ms});
    REQUIRE_FALSE(f.progress.empty());
    CHECK(f.progress.back().starts_with("backup data done"));
    // The snapshot step ends (ready), then the backup step.
    CHECK(f.steps == std::vector<std::pair<std::string, bool>>{{"snapshot/data", true},
                                                               {"backup/data", true}});
}

TEST_CASE("cloudsnap: a csi snapshot's backup carries its lineage annotations as metadata") {
    // A csi snapshot keeps the source and the times as annotations (not label-safe values); the
    // staging cluster finds a set's backups by them (plan/backup_set.cpp).
    Fixture f;
    const auto plan = snapshot_plan({}, {k_data}, method::csi());
    REQUIRE(plan.snapshots.size() == 1);
    REQUIRE_FALSE(plan.snapshots[0].labels.contains("pxclone.io/source"));
    const auto text = f.backend->create_request(plan, plan.snapshots[0]);
    const std::string post = "POST /v1/cloudbackups ";
    const auto at = text.find(post);
    REQUIRE(at != std::string::npos);
    const auto labels = json::parse(text.substr(at + post.size())).at("labels");
    CHECK(labels.at("pxclone.io/source") == "prod/data");
    CHECK(labels.at("pxclone.io/created-at") == "2026-11-27T10:00:00Z");
    CHECK(labels.at("pxclone.io/snapshot-set") == "r1");
}

TEST_CASE("cloudsnap await_ready: a snapshot the wrapped backend reports not ready is not backed "
          "up; its error is returned") {
    Fixture f;
    const auto plan = snapshot_plan();
    f.px_fake.expect(Method::post, "/v1/volumes/snapshots").reply(200, R"({"snapshot_id":"s1"})");
    const auto taken = f.backend->take(plan, plan.snapshots[0], f.deadline);
    // Still pending when the look-up's answer comes after the deadline.
    auto pending = inspected("s1");
    pending["volume"]["state"] = "VOLUME_STATE_PENDING";
    f.px_fake.expect(Method::post, "/v1/volumes/inspectwithfilters")
        .reply(200, json{{"volumes", {pending}}})
        .then([&f] { f.clock.advance(2min); });
    // No POST /v1/cloudbackups is scripted: the strict fake fails the test if one is sent.
    try {
        await_one(f, plan, taken);
        FAIL("a snapshot that is not ready was backed up");
    } catch (const TimeoutError& error) {
        CHECK(std::string(error.what()) ==
              "timed out waiting for snapshot s1 of data (VOLUME_STATE_PENDING)");
    }
    CHECK(f.px_fake.requests().size() == 2);
    CHECK(f.steps == std::vector<std::pair<std::string, bool>>{{"snapshot/data", false}});
}

TEST_CASE(
    "cloudsnap await_ready: per snapshot, the ready one is backed up, the failed one is not") {
    Fixture f;
    const auto plan = snapshot_plan({}, {k_data, k_logs});
    REQUIRE(plan.snapshots.size() == 2);
    f.px_fake.expect(Method::post, "/v1/volumes/snapshots").reply(200, R"({"snapshot_id":"s1"})");
    f.px_fake.expect(Method::post, "/v1/volumes/snapshots").reply(200, R"({"snapshot_id":"s2"})");
    const std::vector<exec::TakenSnapshot> taken{
        f.backend->take(plan, plan.snapshots[0], f.deadline),
        f.backend->take(plan, plan.snapshots[1], f.deadline)};
    auto failed = inspected("s2");
    failed["volume"]["source"]["parent"] = "vol-2";
    failed["volume"]["state"] = "VOLUME_STATE_ERROR";
    expect_lookup(f.px_fake, {inspected("s1"), failed});
    // One backup only: of s1.
    auto metadata = json(plan.snapshots[0].labels);
    metadata["pxclone.io/snapshot-id"] = "s1";
    metadata["pxclone.io/size"] = "1048576"; // what the staging side's PV asks for
    f.px_fake.expect(Method::post, "/v1/cloudbackups")
        .body({{"volume_id", "s1"},
               {"credential_id", k_cred},
               {"task_id", "pxclone-s1"},
               {"labels", metadata}})
        .reply(200, R"({"task_id":"pxclone-s1"})");
    f.px_fake.expect(Method::post, "/v1/cloudbackups/status")
        .reply(200, status("pxclone-s1", "Done"));
    const auto errors = f.backend->await_ready(plan, taken, {0, 1}, f.deadline);
    REQUIRE(errors.size() == 2);
    CHECK_FALSE(errors[0]);
    REQUIRE(errors[1]);
    CHECK_THROWS_WITH_AS(std::rethrow_exception(errors[1]),
                         "snapshot s2 of logs is in state VOLUME_STATE_ERROR", Error);
    CHECK(f.steps == std::vector<std::pair<std::string, bool>>{
                         {"snapshot/data", true}, {"snapshot/logs", false}, {"backup/data", true}});
}

TEST_CASE("cloudsnap await_ready: a Failed backup fails the snapshot with the server's reason") {
    Fixture f;
    const auto plan = snapshot_plan();
    f.px_fake.expect(Method::post, "/v1/volumes/snapshots").reply(200, R"({"snapshot_id":"s1"})");
    const auto taken = f.backend->take(plan, plan.snapshots[0], f.deadline);
    expect_lookup(f.px_fake, {inspected("s1")});
    f.px_fake.expect(Method::post, "/v1/cloudbackups").reply(200, R"({"task_id":"t-9"})");
    f.px_fake.expect(Method::post, "/v1/cloudbackups/status")
        .body({{"task_id", "t-9"}})
        .reply(200, status("t-9", "Failed", {"access denied"}));
    try {
        await_one(f, plan, taken);
        FAIL("a failed backup was accepted");
    } catch (const Error& error) {
        CHECK(error.code() == ExitCode::failed);
        CHECK(std::string(error.what()) ==
              "cloud backup of data failed on the source cluster: data: Failed (access denied)");
    }
    CHECK(f.steps == std::vector<std::pair<std::string, bool>>{{"snapshot/data", true},
                                                               {"backup/data", false}});
}

TEST_CASE("cloudsnap await_ready: a backup that stays Active runs into transfer.backup_timeout") {
    Fixture f;
    const auto plan = snapshot_plan({{.id = "s1", .source = "prod/data"}});
    const auto taken = f.backend->take(plan, plan.snapshots[0], f.deadline); // reused: no request
    expect_lookup(f.px_fake, {inspected("s1")});
    f.px_fake.expect(Method::post, "/v1/cloudbackups").reply(200, R"({"task_id":"t-1"})");
    // Each poll takes 2 minutes here: the fifth ends after 10m 30.5s, past the deadline.
    for (int i = 0; i < 5; ++i) {
        f.px_fake.expect(Method::post, "/v1/cloudbackups/status")
            .reply(200, status("t-1", "Active"))
            .then([&f] { f.clock.advance(2min); });
    }
    try {
        await_one(f, plan, taken);
        FAIL("a stuck backup was waited for forever");
    } catch (const TimeoutError& error) {
        CHECK(std::string(error.what()) ==
              "timed out after 10m waiting for the cloud backup of data (Active)");
    }
    // A quarter of the time waited, capped at 10 s (util::next_poll_pause).
    CHECK(f.sleeper.waits() == std::vector<std::chrono::milliseconds>{500ms, 10s, 10s, 10s});
}

TEST_CASE("cloudsnap re-run: find_existing remembers the set's backups; a Done one is checked, "
          "not made again") {
    Fixture f;
    const auto plan = snapshot_plan({{.id = "s1", .source = "prod/data"}});
    auto labelled = inspected("s1");
    labelled["volume"]["locator"]["volume_labels"] = {{"pxclone.io/source", "prod/data"}};
    f.px_fake.expect(Method::post, "/v1/volumes/inspectwithfilters")
        .reply(200, json{{"volumes", {labelled}}});
    f.px_fake.expect(Method::post, "/v1/cloudbackups/enumerate/filters")
        .body(k_set_filter)
        .reply(200, json{{"backups",
                          {listed("cluster-a/vol-1-s1", "s1", "Done"),
                           listed("cluster-a/vol-1-s0", "s0", "Done")}}});
    CHECK(f.backend->find_existing(plan).size() == 1);

    const auto taken = f.backend->take(plan, plan.snapshots[0], f.deadline);
    CHECK(taken.reused);
    expect_lookup(f.px_fake, {labelled});
    // No POST /v1/cloudbackups: the Done backup is looked up by its id, not made again.
    f.px_fake.expect(Method::post, "/v1/cloudbackups/enumerate/filters")
        .body({{"credential_id", k_cred}, {"cloud_backup_id", "cluster-a/vol-1-s1"}, {"all", true}})
        .reply(200, json{{"backups", {listed("cluster-a/vol-1-s1", "s1", "Done")}}});
    await_one(f, plan, taken);
    CHECK(f.sleeper.waits().empty());
}

TEST_CASE("cloudsnap remove: the snapshot's backups (looked up, then deleted), then the snapshot") {
    Fixture f;
    const auto plan = snapshot_plan();
    auto filter = k_set_filter;
    filter["metadata_filter"]["pxclone.io/snapshot-id"] = "s1";
    f.px_fake.expect(Method::post, "/v1/cloudbackups/enumerate/filters")
        .body(filter)
        .reply(200, json{{"backups", {listed("cluster-a/vol-1-s1", "s1", "Done")}}});
    f.px_fake.expect(Method::post, "/v1/cloudbackups/enumerate/filters")
        .reply(200, json{{"backups", {listed("cluster-a/vol-1-s1", "s1", "Done")}}});
    f.px_fake
        .expect(Method::del,
                "/v1/cloudbackups/backup/vol-1-s1?bucket=cluster-a&credential_id=" + k_cred)
        .reply(200, "{}");
    f.px_fake.expect(Method::del, "/v1/volumes/s1").reply(200, "{}");
    f.backend->remove(plan, {.id = "s1", .portworx_id = "s1"});

    // The dry-run lines: the snapshot's request, then the backup's.
    const auto create = f.backend->create_request(plan, plan.snapshots[0]);
    CHECK(create.starts_with("POST /v1/volumes/snapshots "));
    CHECK(create.find("\nPOST /v1/cloudbackups {") != std::string::npos);
    CHECK(create.find(R"("volume_id":"<snapshot of data>")") != std::string::npos);
    CHECK(f.backend->remove_request(plan, {.id = "s1", .portworx_id = "s1"}) ==
          "DELETE /v1/cloudbackups/backup/%3Cbackup%20id%3E?credential_id=" + k_cred +
              " (each backup of snapshot s1)\nDELETE /v1/volumes/s1");
}

TEST_CASE("resolve_transfer_credentials: each side on its own cluster") {
    FakeTransport source_fake{k_px};
    FakeTransport staging_fake{"https://px-stg.test:9021"};
    const px::Client source{source_fake, k_px};
    const px::Client staging{staging_fake, "https://px-stg.test:9021"};
    source_fake.expect(Method::get, "/v1/credentials")
        .reply(200, json{{"credential_ids", {k_cred}}});
    source_fake.expect(Method::get, "/v1/credentials/inspect/" + k_cred)
        .reply(200, json{{"credential_id", k_cred}, {"name", "s3-prod"}});
    staging_fake.expect(Method::get, "/v1/credentials")
        .reply(200, json{{"credential_ids", {"u-1", "u-2"}}});
    staging_fake.expect(Method::get, "/v1/credentials/inspect/u-1")
        .reply(200, json{{"credential_id", "u-1"}, {"name", "s3-other"}});
    staging_fake.expect(Method::get, "/v1/credentials/inspect/u-2")
        .reply(200, json{{"credential_id", "u-2"}, {"name", "s3-prod"}});
    profile::Transfer transfer;
    transfer.source_credential = "s3-prod";
    transfer.staging_credential = "s3-prod";
    const auto resolved = method::resolve_transfer_credentials(
        transfer, px::CloudBackupClient(source, "source cluster"),
        px::CloudBackupClient(staging, "staging cluster"));
    CHECK(resolved.source_id == k_cred);
    CHECK(resolved.staging_id == "u-2");
}

TEST_CASE("cloudsnap await_ready with a pool: the backups start at once; each round polls them all "
          "with one status request, reading only their own keys") {
    std::atomic<int> rounds{0};
    const auto entry = [](const std::string& state) {
        return json{{"status", "SdkCloudBackupStatusType" + state}};
    };
    test::ConcurrentTransport px_fake(
        [&](const http::Request& request) {
            if (request.url.ends_with("/v1/volumes/inspectwithfilters")) {
                auto s2 = inspected("s2");
                s2["volume"]["source"]["parent"] = "vol-2";
                return test::json_response(200, json{{"volumes", {inspected("s1"), s2}}}.dump());
            }
            if (request.url.ends_with("/v1/cloudbackups")) {
                const auto task = json::parse(request.body).at("task_id");
                return test::json_response(200, json{{"task_id", task}}.dump());
            }
            // Status: both Active at first (another task of the cluster Failed), then both Done.
            const auto state = ++rounds == 1 ? std::string("Active") : std::string("Done");
            return test::json_response(200, json{{"statuses",
                                                  {{"someone-else", entry("Failed")},
                                                   {"pxclone-s1", entry(state)},
                                                   {"pxclone-s2", entry(state)}}}}
                                                .dump());
        },
        [](const http::Request& request) { return request.url.ends_with("/v1/cloudbackups"); }, 2);
    FakeTransport kube_fake;
    const px::Client portworx{px_fake, k_px};
    const k8s::Client kube{kube_fake, "https://k8s.test"};
    test::FakeClock clock;
    test::FakeSleeper sleeper{clock};
    std::mutex mutex;
    std::vector<std::pair<std::string, bool>> steps;
    const exec::BackendContext context{.clock = &clock,
                                       .sleeper = &sleeper,
                                       .on_progress = [](const std::string&, const std::string&) {},
                                       .on_done =
                                           [&](const std::string& key, bool ok) {
                                               const std::scoped_lock lock(mutex);
                                               steps.emplace_back(key, ok);
                                           }};
    util::WorkerPool pool(2);
    const auto backend = method::make_cloudsnap_backend(
        method::portworx().backend(kube, portworx, context), portworx, context,
        {.profile = "orders",
         .credentials = {k_cred, "stg-uuid"},
         .backup_timeout = 10min,
         .cluster = "source cluster",
         .pool = &pool});
    const auto plan =
        snapshot_plan({{.id = "s1", .source = "prod/data"}, {.id = "s2", .source = "prod/logs"}},
                      {k_data, k_logs});
    REQUIRE(plan.snapshots.size() == 2);
    const auto deadline = clock.now() + 1min;
    const std::vector<exec::TakenSnapshot> taken{
        backend->take(plan, plan.snapshots[0], deadline), // reused: no request
        backend->take(plan, plan.snapshots[1], deadline)};

    const auto errors = backend->await_ready(plan, taken, {0, 1}, deadline);
    REQUIRE(errors.size() == 2);
    CHECK_FALSE(errors[0]);
    CHECK_FALSE(errors[1]);
    CHECK(px_fake.most_in_flight() == 2); // both backups started before either answered
    CHECK(px_fake.requests(Method::post, "/v1/cloudbackups").size() == 4); // 2 starts, 2 rounds
    const auto polls = px_fake.requests(Method::post, "/v1/cloudbackups/status");
    REQUIRE(polls.size() == 2); // one a round for both
    for (const auto& poll : polls) {
        CHECK(json::parse(poll.body) == json::object());
    }
    CHECK(sleeper.waits() == std::vector<std::chrono::milliseconds>{500ms});
    CHECK(std::count(steps.begin(), steps.end(),
                     std::pair<std::string, bool>{"backup/data", true}) == 1);
    CHECK(std::count(steps.begin(), steps.end(),
                     std::pair<std::string, bool>{"backup/logs", true}) == 1);
}
