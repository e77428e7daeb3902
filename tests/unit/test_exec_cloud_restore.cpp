// transfer: cloudsnap's staging side against a strict fake of the staging cluster's SDK gateway
// (request shapes of reference/osd-cloudbackup.txt): finding a set by its backups' metadata, and
// the staging runner whose clone step restores a backup (adopting an earlier attempt's restore,
// deleting only the volume of a failed one). Every request is scripted in order.
#include "pxclone/exec/cloud_restore.hpp"
#include "pxclone/method/cloudsnap.hpp"

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <sstream>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/concurrent_transport.hpp"
#include "support/fake_clock.hpp"
#include "support/fake_transport.hpp"
#include "support/fixtures.hpp"

using namespace pxclone;
using namespace std::chrono_literals;
using http::Method;
using nlohmann::json;
using test::FakeTransport;

namespace {

constexpr const char* k_px = "https://px-stg.test:9021";
const std::string k_cred = "stg-cred";
const std::string k_data_backup = "cluster-a/vol-1-snap-1";
const std::string k_logs_backup = "cluster-a/vol-2-snap-2";

const json k_profile_filter = {
    {"credential_id", k_cred},
    {"all", true},
    {"metadata_filter",
     {{"app.kubernetes.io/managed-by", "pxclone"}, {"pxclone.io/profile", "orders"}}}};

json set_filter(const std::string& set) {
    auto filter = k_profile_filter;
    filter["metadata_filter"]["pxclone.io/snapshot-set"] = set;
    return filter;
}

// A staging runner's other steps: recorded; its clone() must never be reached (the restore
// stands for it).
class InnerRunner final : public exec::StagingRunner {
public:
    std::vector<std::string> calls;
    void create_namespace(const plan::StagingPlan&) override { calls.emplace_back("namespace"); }
    std::string clone(const plan::StagingVolume& volume) override {
        FAIL_CHECK("the wrapped runner cloned pvc/", volume.staging_pvc);
        throw std::logic_error("cloned");
    }
    void create(const plan::PlannedObject& object) override {
        calls.push_back("create " + object.label());
    }
    void apply(const plan::PlannedObject& object) override {
        calls.push_back("apply " + object.label());
    }
    json wait(const plan::WaitFor& wait, std::chrono::system_clock::time_point) override {
        calls.push_back("wait " + wait.name);
        return json::object();
    }
    std::string baseline(const plan::BaselineRequest& baseline) override {
        calls.push_back("baseline " + baseline.staging_pvc);
        return "baseline-1";
    }
    void label_bound_volume(const plan::StagingVolume&, const std::string&) override {}
    void mark_ready(const std::string&, const json&) override { calls.emplace_back("ready"); }
};

// Staging volume `pvc` of run 42 from set 41, planned as deploy-staging plans a Portworx clone
// (plan::portworx_staging_volume) of `backup`, the set's snapshot id on the staging side.
plan::StagingVolume staging_volume(const std::string& pvc, const std::string& backup) {
    profile::Profile profile;
    profile.name = "orders";
    profile.source.source_namespace = "prod";
    const plan::Lineage lineage{.profile = "orders",
                                .run = "42",
                                .role = plan::Role::staging,
                                .snapshot_set = "41",
                                .source = "prod/" + pvc,
                                .created_at = "2026-11-27T11:00:00Z",
                                .expires_at = "2026-11-28T11:00:00Z"};
    plan::StagingVolume volume;
    volume.source_pvc = pvc;
    volume.source = "prod/" + pvc;
    volume.staging_pvc = pvc;
    volume.snapshot_id = backup;
    return plan::portworx_staging_volume(
        profile, lineage, "stg", volume,
        {.source_pvc = pvc, .snapshot_id = backup, .size_bytes = 1073741824});
}

json labels_of(const plan::StagingVolume& volume) {
    return json(volume.clone->additional_labels);
}

json restore_body(const plan::StagingVolume& volume) {
    return {{"backup_id", volume.clone->parent_id},
            {"restore_volume_name", volume.clone->name},
            {"credential_id", k_cred},
            {"locator", {{"volume_labels", labels_of(volume)}}}};
}

// The volume `id` of `volume`'s clone name as inspectwithfilters lists it, with `labels`.
json restored(const plan::StagingVolume& volume, const std::string& id, json labels) {
    return {{"id", id},
            {"locator", {{"name", volume.clone->name}, {"volume_labels", std::move(labels)}}},
            {"spec", {{"size", "1073741824"}, {"ha_level", "1"}}},
            {"state", "VOLUME_STATE_AVAILABLE"}};
}

struct Fixture {
    FakeTransport px_fake{k_px};
    const px::Client portworx{px_fake, k_px};
    const px::CloudBackupClient backups{portworx, "staging cluster"};
    test::FakeClock clock;
    test::FakeSleeper sleeper{clock};
    std::vector<std::string> progress;
    std::vector<std::pair<std::string, bool>> steps;
    std::vector<std::string> written;
    InnerRunner* inner = nullptr;
    std::unique_ptr<exec::StagingRunner> runner = make(10min);

    std::unique_ptr<exec::StagingRunner> make(std::chrono::milliseconds timeout) {
        auto wrapped = std::make_unique<InnerRunner>();
        inner = wrapped.get();
        exec::StagingContext context{
            .clock = &clock,
            .sleeper = &sleeper,
            .on_progress = [this](const std::string&,
                                  const std::string& text) { progress.push_back(text); },
            .cancelled = {},
            .on_done = [this](const std::string& key, bool ok) { steps.emplace_back(key, ok); },
            .on_written =
                [this](const std::string& what) {
                    written.push_back(what);
                }};
        return exec::make_cloud_restore_runner(
            std::move(wrapped), portworx, std::move(context),
            {.credential_id = k_cred, .restore_timeout = timeout});
    }

    // No volume of the clone's name yet.
    void expect_none(const plan::StagingVolume& volume) {
        px_fake.expect(Method::post, "/v1/volumes/inspectwithfilters")
            .body({{"name", volume.clone->name}})
            .reply(200, "{}");
    }
    void expect_found(const plan::StagingVolume& volume, json found) {
        px_fake.expect(Method::post, "/v1/volumes/inspectwithfilters")
            .body({{"name", volume.clone->name}})
            .reply(200, json{{"volumes", json::array({std::move(found)})}});
    }
    void expect_restore(const plan::StagingVolume& volume, const std::string& id) {
        px_fake.expect(Method::post, "/v1/cloudbackups/restore")
            .body(restore_body(volume))
            .reply(200, json{{"restore_volume_id", id}});
        px_fake.expect(Method::put, "/v1/volumes/" + id)
            .body({{"labels", labels_of(volume)}})
            .reply(200, "{}");
    }
    void expect_status(const std::string& id, const std::string& state, json info = nullptr) {
        px_fake.expect(Method::post, "/v1/cloudbackups/status")
            .body({{"volume_id", id}})
            .reply(200, test::cloud_restore_status(id, state, std::move(info)));
    }
};

} // namespace

TEST_CASE("find_backup_set: the set's backups on the staging side, as a set of snapshots") {
    Fixture f;
    f.px_fake.expect(Method::post, "/v1/cloudbackups/enumerate/filters")
        .body(set_filter("41"))
        .reply(200, json{{"backups",
                          {test::cloud_backup(k_data_backup, "41", "prod/data", "snap-1", "Done"),
                           test::cloud_backup(k_logs_backup, "41", "prod/logs", "snap-2", "Done",
                                              "2147483648")}}});
    const auto set = exec::find_backup_set(f.backups, k_cred, "orders", "41");
    CHECK(set.id == "41");
    CHECK(set.method == "portworx");
    CHECK(set.state == exec::SetState::complete);
    CHECK(set.source_namespace == "prod");
    REQUIRE(set.snapshots.size() == 2);
    CHECK(set.snapshots[0].source == "prod/data");
    CHECK(set.snapshots[0].id == k_data_backup);
    CHECK(set.snapshots[0].portworx_id == k_data_backup);
    CHECK(set.snapshots[0].size == 1073741824);
    CHECK(set.snapshots[1].source == "prod/logs");
    CHECK(set.snapshots[1].size == 2147483648);
    CHECK(set.snapshots[1].ready);
    // Planned without reading the source cluster: a static PV of the backup's size.
    profile::Profile profile;
    profile.name = "orders";
    profile.staging.storage_class = "px-stg";
    const auto described = exec::describe_backup_set(profile, set);
    CHECK(described.method == profile::SnapshotMethod::portworx);
    REQUIRE(described.volumes.size() == 2);
    CHECK(described.volumes[0].source_pvc == "data");
    CHECK(described.volumes[0].snapshot_id == k_data_backup);
    CHECK(described.volumes[1].size_bytes == 2147483648);
    CHECK(described.volumes[1].storage_class == "px-stg");
}

TEST_CASE("find_backup_set: the newest set whose backups are all Done, without --snapshot") {
    Fixture f;
    auto newer =
        test::cloud_backup("cluster-a/vol-1-snap-3", "43", "prod/data", "snap-3", "Active");
    newer["metadata"]["pxclone.io/created-at"] = "2026-11-28T10:00:00Z";
    f.px_fake.expect(Method::post, "/v1/cloudbackups/enumerate/filters")
        .body(k_profile_filter)
        .reply(200,
               json{{"backups",
                     {newer, test::cloud_backup(k_data_backup, "41", "prod/data", "snap-1", "Done"),
                      test::cloud_backup(k_logs_backup, "41", "prod/logs", "snap-2", "Done")}}});
    CHECK(exec::find_backup_set(f.backups, k_cred, "orders", "").id == "41");
}

TEST_CASE("find_backup_set: a volume without a Done backup is exit 3 naming the set and it") {
    Fixture f;
    SUBCASE("missing: fewer backups than the set's size") {
        f.px_fake.expect(Method::post, "/v1/cloudbackups/enumerate/filters")
            .body(set_filter("41"))
            .reply(
                200,
                json{{"backups",
                      {test::cloud_backup(k_data_backup, "41", "prod/data", "snap-1", "Done")}}});
        try {
            exec::find_backup_set(f.backups, k_cred, "orders", "41");
            FAIL("no error");
        } catch (const Error& e) {
            CHECK(e.code() == ExitCode::not_found);
            CHECK(std::string(e.what()) ==
                  "snapshot set 41 of profile orders cannot be restored: 1 of its 2 volumes have "
                  "no backup");
        }
    }
    SUBCASE("missing: a source the caller names") {
        f.px_fake.expect(Method::post, "/v1/cloudbackups/enumerate/filters")
            .body(set_filter("41"))
            .reply(
                200,
                json{{"backups",
                      {test::cloud_backup(k_data_backup, "41", "prod/data", "snap-1", "Done")}}});
        CHECK_THROWS_WITH_AS(
            exec::find_backup_set(f.backups, k_cred, "orders", "41", {"prod/data", "prod/logs"}),
            "snapshot set 41 of profile orders cannot be restored: prod/logs: no backup",
            Error); // exit 3, as the other cases check
    }
    SUBCASE("not Done") {
        f.px_fake.expect(Method::post, "/v1/cloudbackups/enumerate/filters")
            .body(set_filter("41"))
            .reply(
                200,
                json{{"backups",
                      {test::cloud_backup(k_data_backup, "41", "prod/data", "snap-1", "Done"),
                       test::cloud_backup(k_logs_backup, "41", "prod/logs", "snap-2", "Active")}}});
        try {
            exec::find_backup_set(f.backups, k_cred, "orders", "41");
            FAIL("no error");
        } catch (const Error& e) {
            CHECK(e.code() == ExitCode::not_found);
            CHECK(std::string(e.what()).find("prod/logs: backup " + k_logs_backup + " is Active") !=
                  std::string::npos);
        }
    }
    SUBCASE("no backup of the set at all; someone else's backup is not taken for it") {
        auto foreign = test::cloud_backup(k_data_backup, "41", "prod/data", "snap-1", "Done");
        foreign["metadata"]["pxclone.io/profile"] = "billing"; // the server ignored the filter
        f.px_fake.expect(Method::post, "/v1/cloudbackups/enumerate/filters")
            .body(set_filter("41"))
            .reply(200, json{{"backups", {foreign}}});
        CHECK_THROWS_WITH_AS(exec::find_backup_set(f.backups, k_cred, "orders", "41"),
                             "snapshot set 41 of profile orders has no backup in the staging "
                             "credential's object store",
                             NotFoundError);
    }
}

TEST_CASE("resolve_transfer_credentials: an ambiguous staging credential name is refused") {
    FakeTransport source_fake{"https://px-src.test:9021"};
    const px::Client source_px{source_fake, "https://px-src.test:9021"};
    Fixture f;
    source_fake.expect(Method::get, "/v1/credentials")
        .reply(200, json{{"credential_ids", {"src-cred"}}});
    source_fake.expect(Method::get, "/v1/credentials/inspect/src-cred")
        .reply(200, json{{"credential_id", "src-cred"}, {"name", "s3"}, {"bucket", "b"}});
    f.px_fake.expect(Method::get, "/v1/credentials")
        .reply(200, json{{"credential_ids", {"c1", "c2"}}});
    f.px_fake.expect(Method::get, "/v1/credentials/inspect/c1")
        .reply(200, json{{"credential_id", "c1"}, {"name", "s3"}, {"bucket", "b"}});
    f.px_fake.expect(Method::get, "/v1/credentials/inspect/c2")
        .reply(200, json{{"credential_id", "c2"}, {"name", "s3"}, {"bucket", "b"}});
    profile::Transfer transfer;
    transfer.source_credential = "src-cred";
    transfer.staging_credential = "s3";
    try {
        method::resolve_transfer_credentials(
            transfer, px::CloudBackupClient(source_px, "source cluster"), f.backups);
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.code() == ExitCode::failed);
        CHECK(std::string(e.what()) ==
              "portworx (staging cluster): the cloud credential name 's3' is ambiguous: 2 "
              "credentials have it (ids 'c1', 'c2')");
    }
}

TEST_CASE("cloud restore runner: each volume restored from its backup under the clone's "
          "name, labelled as a clone at once, polled by its volume id until Done") {
    Fixture f;
    const auto data = staging_volume("data", k_data_backup);
    const auto logs = staging_volume("logs", k_logs_backup);
    // The labels are the clone's: the staging lineage, role staging, run 42, set 41.
    CHECK(data.clone->additional_labels.at("pxclone.io/role") == "staging");
    CHECK(data.clone->additional_labels.at("pxclone.io/run") == "42");
    f.expect_none(data);
    f.expect_restore(data, "rv-1");
    f.expect_status("rv-1", "Active");
    f.expect_status("rv-1", "Done");
    f.expect_none(logs);
    f.expect_restore(logs, "rv-2");
    f.expect_status("rv-2", "Done");

    CHECK(f.runner->clone(data) == "rv-1");
    CHECK(f.runner->clone(logs) == "rv-2");
    CHECK(f.sleeper.waits() == std::vector<std::chrono::milliseconds>{500ms});
    CHECK(f.steps ==
          std::vector<std::pair<std::string, bool>>{{"volume/data", true}, {"volume/logs", true}});
    CHECK(f.written == std::vector<std::string>{"portworx volume rv-1 (" + data.clone->name + ")",
                                                "portworx volume rv-2 (" + logs.clone->name + ")"});
    CHECK(f.progress.front() == "restoring backup " + k_data_backup + " for pvc/data");
    // The PV names the restored volume, as it names a clone.
    const auto ready = plan::with_clone_id(data, "rv-1");
    CHECK(ready.objects.front().object.at("spec").at("csi").at("volumeHandle") == "rv-1");
    // Every other step is the wrapped runner's.
    f.runner->create(ready.objects.front());
    CHECK(f.inner->calls == std::vector<std::string>{"create " + ready.objects.front().label()});
}

TEST_CASE("cloud restore runner: a failed restore deletes the volume it made, and only it") {
    Fixture f;
    const auto data = staging_volume("data", k_data_backup);
    f.expect_none(data);
    f.expect_restore(data, "rv-1");
    f.expect_status("rv-1", "Failed", json::array({"object store unreachable"}));
    f.px_fake.expect(Method::del, "/v1/volumes/rv-1").reply(200, "{}");
    try {
        f.runner->clone(data);
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.code() == ExitCode::failed);
        CHECK(std::string(e.what()) == "cloud restore of prod/data into volume " +
                                           data.clone->name +
                                           " failed on the staging cluster: Failed (object "
                                           "store unreachable)");
    }
    CHECK(f.steps == std::vector<std::pair<std::string, bool>>{{"volume/data", false}});
    CHECK(f.written.empty());
}

TEST_CASE("cloud restore runner: a restore past restore_timeout is exit 4 and its volume "
          "is deleted") {
    Fixture f;
    f.runner = f.make(1s);
    const auto data = staging_volume("data", k_data_backup);
    f.expect_none(data);
    f.expect_restore(data, "rv-1");
    // Looks at 0, 0.5 s and 1 s (util::next_poll_pause); the next would be past the 1 s.
    f.expect_status("rv-1", "Active");
    f.expect_status("rv-1", "Active");
    f.expect_status("rv-1", "Active");
    f.px_fake.expect(Method::del, "/v1/volumes/rv-1").reply(200, "{}");
    try {
        f.runner->clone(data);
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.code() == ExitCode::timed_out);
        CHECK(std::string(e.what()) == "timed out after 1s waiting for the cloud restore of "
                                       "prod/data into volume " +
                                           data.clone->name + " (Active)");
    }
    CHECK(f.sleeper.waits() == std::vector<std::chrono::milliseconds>{500ms, 500ms});
}

TEST_CASE("cloud restore runner: a re-run adopts its earlier restore, done or running") {
    Fixture f;
    const auto data = staging_volume("data", k_data_backup);
    auto labels = labels_of(data);
    // A re-run has its own created-at and expires-at: identity labels decide.
    labels["pxclone.io/created-at"] = "2026-11-27T10:30:00Z";
    SUBCASE("finished: no restore, no step, the volume as it is") {
        f.expect_found(data, restored(data, "rv-1", labels));
        f.expect_status("rv-1", "Done");
        CHECK(f.runner->clone(data) == "rv-1");
        CHECK(f.steps.empty());
        CHECK(f.written ==
              std::vector<std::string>{"portworx volume rv-1 (" + data.clone->name + ")"});
    }
    SUBCASE("in progress: followed until Done, never started twice") {
        f.expect_found(data, restored(data, "rv-1", labels));
        f.expect_status("rv-1", "Active");
        f.expect_status("rv-1", "Active");
        f.expect_status("rv-1", "Done");
        CHECK(f.runner->clone(data) == "rv-1");
        CHECK(f.progress.front() == "restore for pvc/data found (Active)");
        CHECK(f.steps == std::vector<std::pair<std::string, bool>>{{"volume/data", true}});
    }
    SUBCASE("failed earlier and left behind: deleted, then restored again") {
        f.expect_found(data, restored(data, "rv-1", labels));
        f.expect_status("rv-1", "Failed");
        f.px_fake.expect(Method::del, "/v1/volumes/rv-1").reply(200, "{}");
        f.expect_restore(data, "rv-2");
        f.expect_status("rv-2", "Done");
        CHECK(f.runner->clone(data) == "rv-2");
    }
    SUBCASE("two of the name: the failed one deleted, the running one followed") {
        f.px_fake.expect(Method::post, "/v1/volumes/inspectwithfilters")
            .body({{"name", data.clone->name}})
            .reply(200, json{{"volumes",
                              {restored(data, "rv-1", labels), restored(data, "rv-2", labels)}}});
        f.expect_status("rv-1", "Failed");
        f.px_fake.expect(Method::del, "/v1/volumes/rv-1").reply(200, "{}");
        f.expect_status("rv-2", "Active");
        f.expect_status("rv-2", "Done");
        CHECK(f.runner->clone(data) == "rv-2");
    }
    SUBCASE("unlabelled (the run died before labelling it) but restored into: labelled, kept") {
        f.expect_found(data, restored(data, "rv-1", json::object()));
        f.expect_status("rv-1", "Done");
        f.px_fake.expect(Method::put, "/v1/volumes/rv-1")
            .body({{"labels", labels_of(data)}})
            .reply(200, "{}");
        CHECK(f.runner->clone(data) == "rv-1");
    }
}

TEST_CASE("cloud restore runner: a volume of the clone's name that is not this run's "
          "restore is refused, and nothing is written or deleted") {
    Fixture f;
    const auto data = staging_volume("data", k_data_backup);
    SUBCASE("another run's labels") {
        auto labels = labels_of(data);
        labels["pxclone.io/run"] = "7";
        f.expect_found(data, restored(data, "rv-9", labels));
        f.expect_status("rv-9", "Done");
    }
    SUBCASE("no labels and no restore into it") {
        f.expect_found(data, restored(data, "rv-9", json::object()));
        f.px_fake.expect(Method::post, "/v1/cloudbackups/status")
            .body({{"volume_id", "rv-9"}})
            .reply(200, "{}");
    }
    const auto expected = "portworx (staging cluster): volume " + data.clone->name +
                          " (rv-9) exists and is not this run's restore for pvc/data";
    CHECK_THROWS_WITH_AS(f.runner->clone(data), expected.c_str(), Error);
}

namespace {

// A clock the restores' threads may read while the round's sender moves it (FakeClock's sleeper
// is not safe across threads).
class SharedClock final : public util::Clock, public util::Sleeper {
public:
    std::chrono::system_clock::time_point now() const override {
        return std::chrono::system_clock::from_time_t(1'700'000'000) +
               std::chrono::milliseconds(m_ms.load());
    }
    void sleep(std::chrono::milliseconds duration) override {
        const std::lock_guard lock(m_mutex);
        m_waits.push_back(duration);
        m_ms += duration.count();
    }
    std::vector<std::chrono::milliseconds> waits() const {
        const std::lock_guard lock(m_mutex);
        return m_waits;
    }

private:
    std::atomic<std::int64_t> m_ms{0};
    mutable std::mutex m_mutex;
    std::vector<std::chrono::milliseconds> m_waits;
};

// The staging cluster's SDK gateway for restores that run at once: none exists yet, each is
// restored into "rv-<name>", and a status request's round `r` (1, 2, ...) finds every restored
// volume Active until round 3, Done from it, except `failing`, Failed from round 2.
class RestoringServer {
public:
    explicit RestoringServer(std::string failing) : m_failing(std::move(failing)) {}

    http::Response operator()(const http::Request& request) {
        const std::lock_guard lock(m_mutex);
        const auto body = request.body.empty() ? json::object() : json::parse(request.body);
        if (request.url.find("/v1/volumes/inspectwithfilters") != std::string::npos) {
            return test::json_response(200, "{}");
        }
        if (request.url.find("/v1/cloudbackups/restore") != std::string::npos) {
            const auto id = "rv-" + body.at("restore_volume_name").get<std::string>();
            m_restored.push_back(id);
            return test::json_response(200, json{{"restore_volume_id", id}}.dump());
        }
        if (request.url.find("/v1/cloudbackups/status") != std::string::npos) {
            ++m_rounds;
            json statuses = json::object();
            for (const auto& id : m_restored) {
                const bool failed = id == m_failing && m_rounds >= 2;
                const auto state = failed ? "Failed" : m_rounds >= 3 ? "Done" : "Active";
                const auto entry = test::cloud_restore_status(
                    id, state, failed ? json::array({"object store unreachable"}) : json());
                statuses.update(entry.at("statuses"));
            }
            return test::json_response(200, json{{"statuses", statuses}}.dump());
        }
        return test::json_response(200, "{}"); // the label update, the failed one's delete
    }

private:
    std::string m_failing;
    std::mutex m_mutex;
    std::vector<std::string> m_restored;
    int m_rounds = 0;
};

} // namespace

TEST_CASE("cloud restore runner: the restores of one run share one status request per round, "
          "and a failed one still fails alone with its message") {
    constexpr std::size_t n = 6;
    std::vector<plan::StagingVolume> volumes;
    for (std::size_t i = 0; i < n; ++i) {
        volumes.push_back(staging_volume("v" + std::to_string(i), k_data_backup));
    }
    const auto failing = "rv-" + volumes[2].clone->name;
    // Every restore is started before the replies come: each volume is waiting (or about to)
    // before the first round, whatever the threads' order.
    test::ConcurrentTransport transport(
        [server = std::make_shared<RestoringServer>(failing)](const http::Request& request) {
            return (*server)(request);
        },
        [](const http::Request& request) {
            return request.url.find("/v1/cloudbackups/restore") != std::string::npos;
        },
        n);
    const px::Client portworx(transport, k_px);
    SharedClock clock;
    std::mutex mutex;
    std::map<std::string, std::vector<std::string>> progress;
    std::vector<std::pair<std::string, bool>> steps;
    exec::StagingContext context{.clock = &clock,
                                 .sleeper = &clock,
                                 .on_progress =
                                     [&](const std::string& key, const std::string& text) {
                                         const std::lock_guard lock(mutex);
                                         progress[key].push_back(text);
                                     },
                                 .cancelled = {},
                                 .on_done =
                                     [&](const std::string& key, bool ok) {
                                         const std::lock_guard lock(mutex);
                                         steps.emplace_back(key, ok);
                                     },
                                 .on_written = {}};
    const auto runner = exec::make_cloud_restore_runner(
        std::make_unique<InnerRunner>(), portworx, std::move(context),
        {.credential_id = k_cred, .restore_timeout = 10min});
    std::vector<std::future<std::string>> clones;
    for (const auto& volume : volumes) {
        clones.push_back(
            std::async(std::launch::async, [&runner, &volume] { return runner->clone(volume); }));
    }
    for (std::size_t i = 0; i < n; ++i) {
        if (i == 2) {
            try {
                clones[i].get();
                FAIL("no error");
            } catch (const Error& e) {
                CHECK(e.code() == ExitCode::failed);
                CHECK(std::string(e.what()) == "cloud restore of prod/v2 into volume " +
                                                   volumes[2].clone->name +
                                                   " failed on the staging cluster: Failed "
                                                   "(object store unreachable)");
            }
        } else {
            CHECK(clones[i].get() == "rv-" + volumes[i].clone->name);
        }
    }
    // Rounds at 0, 0.5 s and 1 s: three requests for six restores, each answering all.
    const auto statuses = transport.requests(Method::post, "/v1/cloudbackups/status");
    CHECK(statuses.size() == 3);
    for (const auto& request : statuses) {
        CHECK(json::parse(request.body) == json::object());
    }
    CHECK(clock.waits() == std::vector<std::chrono::milliseconds>{500ms, 500ms});
    // Only the failed restore's volume is deleted.
    const auto deletes = transport.requests(Method::del, "/v1/volumes/");
    REQUIRE(deletes.size() == 1);
    CHECK(deletes.front().url == std::string(k_px) + "/v1/volumes/" + failing);
    // Each volume's own lines, as when it was polled alone.
    CHECK(progress.at("volume/v0") ==
          std::vector<std::string>{"restoring backup " + k_data_backup + " for pvc/v0",
                                   "restore for pvc/v0 Active", "restore for pvc/v0 Active",
                                   "restore for pvc/v0 done (1s)"});
    CHECK(progress.at("volume/v2").back() == "restore for pvc/v2 Active");
    CHECK(steps.size() == n);
    CHECK(std::count(steps.begin(), steps.end(), std::make_pair(std::string("volume/v2"), false)) ==
          1);
}

TEST_CASE("cloud restore runner: an interruption ends a long pause within a second, and leaves "
          "the volume") {
    const auto data = staging_volume("data", k_data_backup);
    test::ConcurrentTransport transport([](const http::Request& request) {
        if (request.url.find("/v1/cloudbackups/restore") != std::string::npos) {
            return test::json_response(200, json{{"restore_volume_id", "rv-1"}}.dump());
        }
        if (request.url.find("/v1/cloudbackups/status") != std::string::npos) {
            return test::json_response(200, test::cloud_restore_status("rv-1", "Active").dump());
        }
        return test::json_response(200, "{}");
    });
    const px::Client portworx(transport, k_px);
    test::FakeClock clock;
    test::FakeSleeper sleeper(clock);
    const auto start = clock.now();
    // Interrupted 60.2 s in, while pauses are 10 s long.
    exec::StagingContext context{
        .clock = &clock,
        .sleeper = &sleeper,
        .on_progress = {},
        .cancelled = [&clock, start] { return clock.now() - start > 60200ms; },
        .on_done = {},
        .on_written = {}};
    const auto runner = exec::make_cloud_restore_runner(
        std::make_unique<InnerRunner>(), portworx, std::move(context),
        {.credential_id = k_cred, .restore_timeout = 10min});
    CHECK_THROWS_AS(runner->clone(data), InterruptedError);
    CHECK(clock.now() - start <= 61200ms);
    CHECK(std::all_of(sleeper.waits().begin(), sleeper.waits().end(),
                      [](std::chrono::milliseconds pause) { return pause <= 1s; }));
    CHECK(transport.requests(Method::del, "/v1/volumes/").empty());
}

TEST_CASE("cloud restore dry-run runner: the restore and the label update, nothing sent") {
    std::ostringstream out;
    const auto runner = exec::make_dry_run_cloud_restore_runner(
        out, {.credential_id = k_cred, .restore_timeout = 1h});
    const auto data = staging_volume("data", k_data_backup);
    CHECK_FALSE(runner->sends());
    CHECK(runner->clone(data) == plan::k_clone_id_placeholder);
    CHECK(out.str() == "POST /v1/cloudbackups/restore " + restore_body(data).dump() +
                           "\nPUT /v1/volumes/<restored-volume-of-pvc-data> " +
                           json{{"labels", labels_of(data)}}.dump() + "\n");
}
