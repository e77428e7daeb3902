// The cloud backup and credential calls against the strict fake, with the request shapes and
// replies of the real OpenStorage SDK server (/work/shared/reference/osd-cloudbackup.txt).
#include "pxclone/http/redact.hpp"
#include "pxclone/px/cloud_backup.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/fake_transport.hpp"

using namespace pxclone;
using namespace pxclone::px;
using http::Method;
using nlohmann::json;
using test::FakeTransport;

namespace {

constexpr const char* k_base = "https://px.test:9021";
const std::string k_cred = "d2634535-ce39-4905-ae19-6c32421898bf";
const std::string k_cred2 = "2f8688e8-7a72-401a-b643-e338bdb5d73d";
const std::string k_nfs = "48a88359-3cf5-4d22-b7fd-0760a7d0722f";
const std::string k_snap = "a3e46d50-c0a6-47cb-a241-d7df25a2fdc1";

// Recorded inspect replies (section 1).
json s3_inspect(const std::string& id) {
    return json::parse(R"({"credential_id":")" + id + R"(","name":"s3-staging",
        "bucket":"pxclone-staging","aws_credential":{"access_key":"AKIDUMMY",
        "endpoint":"http://127.0.0.1:9000","region":"us-east-1","disable_ssl":true}})");
}
const json k_nfs_inspect = json::parse(R"({"credential_id":"48a88359-3cf5-4d22-b7fd-0760a7d0722f",
    "name":"nfs-staging","nfs_credential":{"server":"10.0.0.5","sub_path":"/exports/px",
    "mount_opts":"vers=4.1","timeout_seconds":30}})");

json status_entry(const std::string& backup_id, const std::string& status, const std::string& src,
                  bool restore = false) {
    return {{"backup_id", backup_id},
            {"optype", restore ? "SdkCloudBackupOpTypeRestoreOp" : "SdkCloudBackupOpTypeBackupOp"},
            {"status", "SdkCloudBackupStatusType" + status},
            {"bytes_done", "1073741824"},
            {"start_time", "2026-12-07T04:15:56.889057234Z"},
            {"completed_time", "2026-12-07T04:15:57.889057294Z"},
            {"node_id", "1"},
            {"src_volume_id", src},
            {"credential_id", k_cred}};
}

json backup_entry(const std::string& id, const std::string& src, const json& metadata) {
    return {{"id", id},
            {"src_volume_id", src},
            {"src_volume_name", "pxclone-snap-1"},
            {"timestamp", "2026-12-07T04:15:56.889057536Z"},
            {"metadata", metadata},
            {"status", "SdkCloudBackupStatusTypeDone"}};
}

const std::string k_failed_to_find =
    R"({"error":"Failed to delete backup: Failed to find backup","code":13,)"
    R"("message":"Failed to delete backup: Failed to find backup"})";

} // namespace

TEST_CASE("cloud backup states: the SDK's enum names, zero value absent") {
    CHECK(parse_cloud_backup_state("SdkCloudBackupStatusTypeDone") == CloudBackupState::done);
    CHECK(parse_cloud_backup_state("SdkCloudBackupStatusTypeFailed") == CloudBackupState::failed);
    CHECK(parse_cloud_backup_state("SdkCloudBackupStatusTypeActive") == CloudBackupState::active);
    CHECK(parse_cloud_backup_state("") == CloudBackupState::not_started);
    CHECK(parse_cloud_backup_state("SdkCloudBackupStatusTypeSomethingNew") ==
          CloudBackupState::unknown);
    CHECK(cloud_backup_state_name(CloudBackupState::done) == "Done");
    CHECK(cloud_backup_state_name(CloudBackupState::unknown) == "Unknown");
}

TEST_CASE("the DELETE path of a backup id with a slash: last part in the path, rest as bucket") {
    CHECK(delete_backup_path("c6f35abb-c0ad-4a2a-82fb-81b3c4fbfec3", k_cred) ==
          "/v1/cloudbackups/backup/c6f35abb-c0ad-4a2a-82fb-81b3c4fbfec3?credential_id=" + k_cred);
    CHECK(delete_backup_path("bucket1/vol1-snap1", k_cred) ==
          "/v1/cloudbackups/backup/vol1-snap1?bucket=bucket1&credential_id=" + k_cred);
    // What is not unreserved is percent-encoded, in the path and in the query.
    CHECK(delete_backup_path("a b/c?d&e=f/vol 1", "x&y") ==
          "/v1/cloudbackups/backup/vol%201?bucket=a%20b%2Fc%3Fd%26e%3Df&credential_id=x%26y");
}

TEST_CASE("credentials: list, inspect (404 is absence) and what is kept of one") {
    FakeTransport fake(k_base);
    const Client client(fake, k_base, "tok3n");
    const CloudBackupClient backups(client, "source cluster");
    fake.expect(Method::get, "/v1/credentials")
        .with_header("Authorization", "bearer tok3n")
        .reply(200, json{{"credential_ids", {k_cred, k_nfs}}});
    fake.expect(Method::get, "/v1/credentials").reply(200, "{}");
    fake.expect(Method::get, "/v1/credentials/inspect/" + k_cred).reply(200, s3_inspect(k_cred));
    fake.expect(Method::get, "/v1/credentials/inspect/" + k_nfs).reply(200, k_nfs_inspect);
    fake.expect(Method::get, "/v1/credentials/inspect/no-such-cred")
        .reply(404, R"({"error":"Credential id no-such-cred not found","code":5,)"
                    R"("message":"Credential id no-such-cred not found"})");

    CHECK(backups.credential_ids() == std::vector<std::string>{k_cred, k_nfs});
    CHECK(backups.credential_ids().empty());
    const auto s3 = backups.inspect_credential(k_cred);
    REQUIRE(s3);
    CHECK(s3->id == k_cred);
    CHECK(s3->name == "s3-staging");
    CHECK(s3->bucket == "pxclone-staging");
    CHECK(s3->type == "aws");
    const auto nfs = backups.inspect_credential(k_nfs);
    REQUIRE(nfs);
    CHECK(nfs->type == "nfs");
    CHECK(nfs->bucket.empty());
    CHECK_FALSE(backups.inspect_credential("no-such-cred"));
}

TEST_CASE("resolve_credential: an id directly, a unique name by listing, never inspect by name") {
    FakeTransport fake(k_base);
    const Client client(fake, k_base);
    const CloudBackupClient backups(client, "staging cluster (context stg)");

    SUBCASE("a uuid") {
        fake.expect(Method::get, "/v1/credentials")
            .reply(200, json{{"credential_ids", {k_nfs, k_cred}}});
        fake.expect(Method::get, "/v1/credentials/inspect/" + k_cred)
            .reply(200, s3_inspect(k_cred));
        const auto credential = backups.resolve_credential(k_cred);
        CHECK(credential.id == k_cred);
        CHECK(credential.name == "s3-staging");
    }
    SUBCASE("a unique name: the uuid of the one that has it") {
        fake.expect(Method::get, "/v1/credentials")
            .reply(200, json{{"credential_ids", {k_cred, k_nfs}}});
        fake.expect(Method::get, "/v1/credentials/inspect/" + k_cred)
            .reply(200, s3_inspect(k_cred));
        fake.expect(Method::get, "/v1/credentials/inspect/" + k_nfs).reply(200, k_nfs_inspect);
        const auto credential = backups.resolve_credential("nfs-staging");
        CHECK(credential.id == k_nfs);
        CHECK(credential.type == "nfs");
    }
    SUBCASE("an ambiguous name is refused, naming the cluster and both ids") {
        fake.expect(Method::get, "/v1/credentials")
            .reply(200, json{{"credential_ids", {k_cred, k_cred2, k_nfs}}});
        fake.expect(Method::get, "/v1/credentials/inspect/" + k_cred)
            .reply(200, s3_inspect(k_cred));
        fake.expect(Method::get, "/v1/credentials/inspect/" + k_cred2)
            .reply(200, s3_inspect(k_cred2));
        fake.expect(Method::get, "/v1/credentials/inspect/" + k_nfs).reply(200, k_nfs_inspect);
        try {
            backups.resolve_credential("s3-staging");
            FAIL("an ambiguous name was accepted");
        } catch (const Error& error) {
            const std::string what = error.what();
            CHECK(error.code() == ExitCode::failed);
            CHECK(what.find("staging cluster (context stg)") != std::string::npos);
            CHECK(what.find("'s3-staging' is ambiguous: 2 credentials") != std::string::npos);
            CHECK(what.find(k_cred) != std::string::npos);
            CHECK(what.find(k_cred2) != std::string::npos);
            CHECK(error.hint().find("id") != std::string::npos);
        }
    }
    SUBCASE("a missing one is not found, listing the names there") {
        fake.expect(Method::get, "/v1/credentials").reply(200, json{{"credential_ids", {k_nfs}}});
        fake.expect(Method::get, "/v1/credentials/inspect/" + k_nfs).reply(200, k_nfs_inspect);
        try {
            backups.resolve_credential("s3-prod");
            FAIL("a missing credential was accepted");
        } catch (const Error& error) {
            const std::string what = error.what();
            CHECK(error.code() == ExitCode::not_found);
            CHECK(what ==
                  "portworx (staging cluster (context stg)): no cloud credential named or with "
                  "id 's3-prod' (its credentials are named 'nfs-staging')");
        }
    }
    SUBCASE("no credential at all") {
        fake.expect(Method::get, "/v1/credentials").reply(200, "{}");
        CHECK_THROWS_AS(backups.resolve_credential("s3-prod"), NotFoundError);
    }
    SUBCASE("a credential deleted between the list and its inspect is skipped") {
        fake.expect(Method::get, "/v1/credentials")
            .reply(200, json{{"credential_ids", {k_cred, k_nfs}}});
        fake.expect(Method::get, "/v1/credentials/inspect/" + k_cred)
            .reply(404, R"({"error":"gone","code":5,"message":"gone"})");
        fake.expect(Method::get, "/v1/credentials/inspect/" + k_nfs).reply(200, k_nfs_inspect);
        CHECK(backups.resolve_credential("nfs-staging").id == k_nfs);
    }
}

TEST_CASE("cloud backup create: the recorded body, labels as metadata, the task id to poll") {
    FakeTransport fake(k_base);
    const Client client(fake, k_base);
    const CloudBackupClient backups(client, "source cluster");
    CloudBackupCreateRequest request;
    request.volume_id = k_snap;
    request.credential_id = k_cred;
    request.labels = {{"pxclone.io/run", "r1"}, {"app", "db"}};
    request.full = true;
    request.task_id = "pxclone-r1-bk";
    fake.expect(Method::post, "/v1/cloudbackups")
        .body(json::parse(R"({"volume_id":"a3e46d50-c0a6-47cb-a241-d7df25a2fdc1",
            "credential_id":"d2634535-ce39-4905-ae19-6c32421898bf",
            "labels":{"pxclone.io/run":"r1","app":"db"},"full":true,"task_id":"pxclone-r1-bk"})"))
        .reply(200, R"({"task_id":"9879350b-1eba-40e3-a050-3efc42a6fb7b"})");
    // The real server refuses a second backup with the same task id (AlreadyExists): it is ours.
    fake.expect(Method::post, "/v1/cloudbackups")
        .reply(409, R"({"error":"exists","code":6,"message":"exists"})");
    fake.expect(Method::post, "/v1/cloudbackups")
        .reply(500, R"({"error":"Failed to create backup: Credential id no-such-cred not found",)"
                    R"("code":13,"message":"Failed to create backup: Credential id no-such-cred )"
                    R"(not found"})");

    CHECK(backups.create_backup(request) == "9879350b-1eba-40e3-a050-3efc42a6fb7b");
    CHECK(backups.create_backup(request) == "pxclone-r1-bk");
    try {
        backups.create_backup(request);
        FAIL("a 500 was accepted");
    } catch (const SdkError& error) {
        CHECK(error.grpc_code() == 13);
        CHECK(std::string(error.what()).find("source cluster: back up volume " + k_snap) !=
              std::string::npos);
    }
    CHECK_FALSE(fake.requests()[0].idempotent); // a create is never re-sent blindly
}

TEST_CASE("backup status: only our own entry of statuses, whatever else the reply holds") {
    FakeTransport fake(k_base);
    const Client client(fake, k_base);
    const CloudBackupClient backups(client, "source cluster");
    const std::string mine = "9879350b-1eba-40e3-a050-3efc42a6fb7b";
    // As recorded: asked for one task, the reply held others (a Failed one among them here).
    fake.expect(Method::post, "/v1/cloudbackups/status")
        .body(json{{"task_id", mine}})
        .reply(
            200,
            json{{"statuses",
                  {{"3f317845-2462-4add-8b7f-404788cd6635",
                    status_entry("54418a82", "Failed", "16f5a3ff")},
                   {mine, status_entry("6769deaa-31b6-4500-854c-de8055a0393c", "Done", k_snap)}}}});
    fake.expect(Method::post, "/v1/cloudbackups/status")
        .body(json{{"task_id", mine}})
        .reply(200, json{{"statuses",
                          {{"3f317845-2462-4add-8b7f-404788cd6635",
                            status_entry("54418a82", "Done", "16f5a3ff")}}}});
    fake.expect(Method::post, "/v1/cloudbackups/status")
        .body(json{{"task_id", mine}})
        .reply(200, "{}");
    auto failed = status_entry("", "Failed", k_snap);
    failed["info"] = {"upload failed: access denied"};
    failed.erase("completed_time");
    fake.expect(Method::post, "/v1/cloudbackups/status")
        .reply(200, json{{"statuses", {{mine, failed}}}});

    const auto done = backups.backup_statuses({mine});
    REQUIRE(done.size() == 1); // the other task's entry is not ours
    const auto& status = done.at(mine);
    CHECK(status.task_id == mine);
    CHECK(status.state == CloudBackupState::done);
    CHECK(status.backup_id == "6769deaa-31b6-4500-854c-de8055a0393c");
    CHECK(status.src_volume_id == k_snap);
    CHECK(status.bytes_done == 1073741824);
    CHECK_FALSE(status.restore);
    CHECK(backups.backup_statuses({mine}).empty()); // only others' entries: not ours
    CHECK(backups.backup_statuses({mine}).empty()); // {}: nothing visible
    const auto fail = backups.backup_statuses({mine});
    REQUIRE(fail.size() == 1);
    CHECK(fail.at(mine).state == CloudBackupState::failed);
    CHECK(fail.at(mine).info == std::vector<std::string>{"upload failed: access denied"});
    CHECK(fail.at(mine).completed_time.empty());
}

TEST_CASE("enumerate backups: metadata_filter sent and applied again, every page read") {
    FakeTransport fake(k_base);
    const Client client(fake, k_base);
    const CloudBackupClient backups(client, "staging cluster");
    CloudBackupFilter filter;
    filter.credential_id = k_cred;
    filter.metadata = {{"pxclone.io/snapshot-set", "orders-r1"}};
    filter.all = true;
    const json ours = {{"pxclone.io/snapshot-set", "orders-r1"},
                       {"app.kubernetes.io/managed-by", "pxclone"}};
    fake.expect(Method::post, "/v1/cloudbackups/enumerate/filters")
        .body(json::parse(R"({"credential_id":"d2634535-ce39-4905-ae19-6c32421898bf",
            "metadata_filter":{"pxclone.io/snapshot-set":"orders-r1"},"all":true})"))
        .reply(200, json{{"backups",
                          {backup_entry("cluster-a/vol1-snap1", k_snap, ours),
                           // A server that ignored the filter (the fake driver does) must not
                           // hand over someone else's backup.
                           backup_entry("cluster-a/vol2-snap9", "16f5a3ff", {{"fake", "backup"}})}},
                         {"continuation_token", "page-2"}});
    fake.expect(Method::post, "/v1/cloudbackups/enumerate/filters")
        .body(json::parse(R"({"credential_id":"d2634535-ce39-4905-ae19-6c32421898bf",
            "metadata_filter":{"pxclone.io/snapshot-set":"orders-r1"},"all":true,
            "continuation_token":"page-2"})"))
        .reply(200, json{{"backups", {backup_entry("cluster-a/vol3-snap2", "77aa", ours)}}});
    fake.expect(Method::post, "/v1/cloudbackups/enumerate/filters").reply(200, "{}");

    const auto found = backups.enumerate_backups(filter);
    REQUIRE(found.size() == 2);
    CHECK(found[0].id == "cluster-a/vol1-snap1");
    CHECK(found[0].src_volume_name == "pxclone-snap-1");
    CHECK(found[0].state == CloudBackupState::done);
    CHECK(found[0].metadata.at("app.kubernetes.io/managed-by") == "pxclone");
    CHECK(found[1].id == "cluster-a/vol3-snap2");
    CHECK(backups.enumerate_backups(filter).empty()); // {}: nothing
}

TEST_CASE("enumerate backups: a server that repeats its continuation token is an error") {
    FakeTransport fake(k_base);
    const Client client(fake, k_base);
    const CloudBackupClient backups(client, "staging cluster");
    fake.expect(Method::post, "/v1/cloudbackups/enumerate/filters")
        .reply(200, R"({"continuation_token":"t"})");
    fake.expect(Method::post, "/v1/cloudbackups/enumerate/filters")
        .reply(200, R"({"continuation_token":"t"})");
    CloudBackupFilter filter;
    filter.credential_id = k_cred;
    CHECK_THROWS_WITH_AS(backups.enumerate_backups(filter),
                         doctest::Contains("repeated continuation token"), Error);
}

TEST_CASE("delete backup: looked up first; absent is already gone; a failed delete only after a "
          "second lookup") {
    FakeTransport fake(k_base);
    const Client client(fake, k_base);
    const CloudBackupClient backups(client, "source cluster");
    const std::string id = "cluster-a/vol1-snap1";
    const json lookup = json::parse(R"({"credential_id":"d2634535-ce39-4905-ae19-6c32421898bf",
        "cloud_backup_id":"cluster-a/vol1-snap1","all":true})");
    const auto listed = json{{"backups", {backup_entry(id, k_snap, json::object())}}};
    const auto path = "/v1/cloudbackups/backup/vol1-snap1?bucket=cluster-a&credential_id=" + k_cred;

    SUBCASE("present: deleted") {
        fake.expect(Method::post, "/v1/cloudbackups/enumerate/filters")
            .body(lookup)
            .reply(200, listed);
        fake.expect(Method::del, path).reply(200, "{}");
        CHECK(backups.delete_backup(id, k_cred) == CloudBackupClient::Deleted::deleted);
        CHECK(fake.requests()[1].body.empty()); // a DELETE body is ignored: the query has it
    }
    SUBCASE("absent: no DELETE is sent") {
        fake.expect(Method::post, "/v1/cloudbackups/enumerate/filters")
            .body(lookup)
            .reply(200, "{}");
        CHECK(backups.delete_backup(id, k_cred) == CloudBackupClient::Deleted::already_gone);
    }
    SUBCASE("another backup listed (a server ignoring the filter) is not this one") {
        fake.expect(Method::post, "/v1/cloudbackups/enumerate/filters")
            .reply(200, json{{"backups", {backup_entry("cluster-a/other", k_snap, {})}}});
        CHECK(backups.delete_backup(id, k_cred) == CloudBackupClient::Deleted::already_gone);
    }
    SUBCASE("500 'Failed to find backup' and gone on the second lookup: already gone") {
        fake.expect(Method::post, "/v1/cloudbackups/enumerate/filters").reply(200, listed);
        fake.expect(Method::del, path).reply(500, k_failed_to_find);
        fake.expect(Method::post, "/v1/cloudbackups/enumerate/filters").reply(200, "{}");
        CHECK(backups.delete_backup(id, k_cred) == CloudBackupClient::Deleted::already_gone);
    }
    SUBCASE("404 and still there on the second lookup: the error stands") {
        fake.expect(Method::post, "/v1/cloudbackups/enumerate/filters").reply(200, listed);
        fake.expect(Method::del, path)
            .reply(404, R"({"error":"not found","code":5,"message":"not found"})");
        fake.expect(Method::post, "/v1/cloudbackups/enumerate/filters").reply(200, listed);
        CHECK_THROWS_AS(backups.delete_backup(id, k_cred), SdkError);
    }
    SUBCASE("500 and still there: the error stands, naming the cluster and the backup") {
        fake.expect(Method::post, "/v1/cloudbackups/enumerate/filters").reply(200, listed);
        fake.expect(Method::del, path).reply(500, k_failed_to_find);
        fake.expect(Method::post, "/v1/cloudbackups/enumerate/filters").reply(200, listed);
        CHECK_THROWS_WITH_AS(
            backups.delete_backup(id, k_cred),
            doctest::Contains("source cluster: delete cloud backup cluster-a/vol1-snap1"),
            SdkError);
    }
}

TEST_CASE("cloud restore: the recorded body, no task id, status by the restored volume") {
    FakeTransport fake(k_base);
    const Client client(fake, k_base);
    const CloudBackupClient backups(client, "staging cluster");
    CloudRestoreRequest request;
    request.backup_id = "6769deaa-31b6-4500-854c-de8055a0393c";
    request.restore_volume_name = "pxclone-stage-db";
    request.credential_id = k_cred;
    request.labels = {{"pxclone.io/run", "r1"}, {"app.kubernetes.io/managed-by", "pxclone"}};
    const std::string restored = "5da0414b-fee0-4b81-a65e-05d9e77d55d8";
    fake.expect(Method::post, "/v1/cloudbackups/restore")
        .body(json::parse(R"({"backup_id":"6769deaa-31b6-4500-854c-de8055a0393c",
            "restore_volume_name":"pxclone-stage-db",
            "credential_id":"d2634535-ce39-4905-ae19-6c32421898bf",
            "locator":{"volume_labels":{"pxclone.io/run":"r1",
            "app.kubernetes.io/managed-by":"pxclone"}}})"))
        .reply(200, json{{"restore_volume_id", restored}});
    // As recorded: keyed by a uuid that appears nowhere else, backup_id equal to that key.
    fake.expect(Method::post, "/v1/cloudbackups/status")
        .body(json{{"volume_id", restored}})
        .reply(
            200,
            json{{"statuses",
                  {{"93b61aef-1fe7-4939-8e2b-2fceaff1aa5a",
                    status_entry("93b61aef-1fe7-4939-8e2b-2fceaff1aa5a", "Active", restored, true)},
                   {"9879350b", status_entry("6769deaa", "Done", restored)}}}});
    fake.expect(Method::post, "/v1/cloudbackups/status").reply(200, "{}");
    fake.expect(Method::post, "/v1/cloudbackups/restore")
        .reply(500, R"({"error":"Failed to restore backup: Failed to find backup","code":13,)"
                    R"("message":"Failed to restore backup: Failed to find backup"})");
    fake.expect(Method::post, "/v1/cloudbackups/restore").reply(200, "{}");

    const auto started = backups.restore(request);
    CHECK(started.restore_volume_id == restored);
    CHECK(started.task_id.empty());
    const auto status = backups.restore_status(restored);
    REQUIRE(status);
    CHECK(status->restore);
    CHECK(status->state == CloudBackupState::active);
    CHECK(status->task_id == "93b61aef-1fe7-4939-8e2b-2fceaff1aa5a");
    CHECK_FALSE(backups.restore_status(restored));
    CHECK_THROWS_AS(backups.restore(request), SdkError);
    CHECK_THROWS_WITH_AS(backups.restore(request), doctest::Contains("no restore_volume_id"),
                         Error);
}

TEST_CASE("restore status with a task id: that entry") {
    FakeTransport fake(k_base);
    const Client client(fake, k_base);
    const CloudBackupClient backups(client, "staging cluster");
    fake.expect(Method::post, "/v1/cloudbackups/status")
        .body(json{{"volume_id", "vol-r"}})
        .reply(200, json{{"statuses",
                          {{"t-old", status_entry("t-old", "Failed", "vol-r", true)},
                           {"t-mine", status_entry("t-mine", "Done", "vol-r", true)}}}});
    const auto status = backups.restore_status("vol-r", "t-mine");
    REQUIRE(status);
    CHECK(status->state == CloudBackupState::done);
}

TEST_CASE("a reply of the wrong shape is an Error naming the call, not an internal error") {
    FakeTransport fake(k_base);
    const Client client(fake, k_base);
    const CloudBackupClient backups(client, "source cluster");
    fake.expect(Method::post, "/v1/cloudbackups/status").reply(200, R"({"statuses":[1]})");
    fake.expect(Method::post, "/v1/cloudbackups/enumerate/filters").reply(200, R"({"backups":{}})");
    CHECK_THROWS_WITH_AS(backups.backup_statuses({"t"}),
                         doctest::Contains("OpenStorage SDK's shape"), Error);
    CloudBackupFilter filter;
    filter.credential_id = k_cred;
    CHECK_THROWS_WITH_AS(backups.enumerate_backups(filter),
                         doctest::Contains("source cluster: list cloud backups"), Error);
}

TEST_CASE("redaction: credential secrets and the token never reach a log line") {
    // A credential create body as the reference sends it (pxclone never sends one, but an
    // operator's -vv log of any such body must not show the secrets).
    const auto body = http::redact_body(
        R"({"name":"s3","aws_credential":{"access_key":"AKIDUMMY","secret_key":"SECRETDUMMY"},)"
        R"("azure_credential":{"account_name":"acct","account_key":"a2V5LXNlY3JldA=="},)"
        R"("google_credential":{"project_id":"p","json_key":"{\"private_key\":\"PKEY\"}"},)"
        R"("encryption_key":"ENCKEY-passphrase"})");
    CHECK(body.find("SECRETDUMMY") == std::string::npos);
    CHECK(body.find("a2V5LXNlY3JldA==") == std::string::npos);
    CHECK(body.find("PKEY") == std::string::npos);
    CHECK(body.find("ENCKEY-passphrase") == std::string::npos);
    CHECK(body.find("acct") != std::string::npos); // names stay: they say which account
    CHECK(http::redact_text("accountKey=a2V5LXNlY3JldA== jsonKey: abc encryption_key=xyz1") ==
          "accountKey=<redacted> jsonKey: <redacted> encryption_key=<redacted>");

    // The token is in the header only, and the messages of failed calls carry neither it nor the
    // query's credential id as a secret (it is an id, not a secret).
    FakeTransport fake(k_base);
    const Client client(fake, k_base, "s3cr3t-t0ken");
    const CloudBackupClient backups(client, "source cluster");
    fake.expect(Method::post, "/v1/cloudbackups")
        .reply(403, R"({"error":"Access denied","code":7,"message":"Access denied"})");
    try {
        backups.create_backup({k_snap, k_cred, {}, {}, false});
        FAIL("a 403 was accepted");
    } catch (const Error& error) {
        CHECK(std::string(error.what()).find("s3cr3t-t0ken") == std::string::npos);
        CHECK(error.hint().find("s3cr3t-t0ken") == std::string::npos);
    }
    const auto sent = fake.requests().at(0);
    CHECK(http::redact_header("Authorization", *http::find_header(sent.headers, "Authorization")) ==
          "bearer <redacted>");
    CHECK(sent.body.find("s3cr3t-t0ken") == std::string::npos);
}

TEST_CASE("backup statuses: several tasks in one request that names none (the server answers "
          "all its tasks); only our own keys kept; one task asked by its id") {
    FakeTransport fake(k_base);
    const Client client(fake, k_base);
    const CloudBackupClient backups(client, "source cluster");
    const std::string other = "3f317845-2462-4add-8b7f-404788cd6635";
    fake.expect(Method::post, "/v1/cloudbackups/status")
        .body(json::object())
        .reply(200, json{{"statuses",
                          {{other, status_entry("54418a82", "Failed", "16f5a3ff")},
                           {"pxclone-s1", status_entry("b1", "Active", "s1")},
                           {"pxclone-s2", status_entry("b2", "Done", "s2")}}}});
    fake.expect(Method::post, "/v1/cloudbackups/status")
        .body(json{{"task_id", "pxclone-s3"}})
        .reply(200, "{}");

    const auto found = backups.backup_statuses({"pxclone-s1", "pxclone-s2", "pxclone-s3"});
    REQUIRE(found.size() == 2); // s3 not visible yet; the other task is not ours
    CHECK(found.at("pxclone-s1").state == CloudBackupState::active);
    CHECK(found.at("pxclone-s2").state == CloudBackupState::done);
    CHECK(found.at("pxclone-s2").backup_id == "b2");
    CHECK(backups.backup_statuses({"pxclone-s3"}).empty());
    CHECK(backups.backup_statuses({}).empty()); // nothing asked: no request
    CHECK(fake.requests().size() == 2);
}

TEST_CASE("restore statuses: several volumes in one request answering every task; one by its "
          "volume id") {
    FakeTransport fake(k_base);
    const Client client(fake, k_base);
    const CloudBackupClient backups(client, "staging cluster");
    auto older = status_entry("t-0", "Failed", "vol-a", true); // listed first
    older["start_time"] = "2026-12-07T04:15:50Z";
    fake.expect(Method::post, "/v1/cloudbackups/status")
        .body(json::object())
        .reply(200, json{{"statuses",
                          {{"t-0", older},
                           {"t-a", status_entry("t-a", "Active", "vol-a", true)},
                           {"t-b", status_entry("t-b", "Done", "vol-b", true)},
                           // A backup of a volume of that id, and someone else's restore.
                           {"t-backup", status_entry("t-backup", "Failed", "vol-c")},
                           {"t-other", status_entry("t-other", "Failed", "vol-x", true)}}}});
    fake.expect(Method::post, "/v1/cloudbackups/status")
        .body(json{{"volume_id", "vol-a"}})
        .reply(200, json{{"statuses", {{"t-a", status_entry("t-a", "Done", "vol-a", true)}}}});

    const auto found = backups.restore_statuses({"vol-a", "vol-b", "vol-c"});
    REQUIRE(found.size() == 2);                                 // vol-c has no restore record
    CHECK(found.at("vol-a").state == CloudBackupState::active); // the latest of its two
    CHECK(found.at("vol-a").task_id == "t-a");
    CHECK(found.at("vol-b").state == CloudBackupState::done);
    CHECK(backups.restore_statuses({"vol-a"}).at("vol-a").state == CloudBackupState::done);
    CHECK(backups.restore_statuses({}).empty()); // nothing asked: no request
    CHECK(fake.requests().size() == 2);
}

TEST_CASE("delete listed backup: no look-up before the DELETE; a failed one only after a look-up") {
    FakeTransport fake(k_base);
    const Client client(fake, k_base);
    const CloudBackupClient backups(client, "source cluster");
    const std::string id = "cluster-a/vol1-snap1";
    const auto listed = json{{"backups", {backup_entry(id, k_snap, json::object())}}};
    const auto path = "/v1/cloudbackups/backup/vol1-snap1?bucket=cluster-a&credential_id=" + k_cred;

    SUBCASE("deleted") {
        fake.expect(Method::del, path).reply(200, "{}");
        CHECK(backups.delete_listed_backup(id, k_cred) == CloudBackupClient::Deleted::deleted);
    }
    SUBCASE("gone since the listing: 500 'Failed to find backup', then not found") {
        fake.expect(Method::del, path).reply(500, k_failed_to_find);
        fake.expect(Method::post, "/v1/cloudbackups/enumerate/filters").reply(200, "{}");
        CHECK(backups.delete_listed_backup(id, k_cred) == CloudBackupClient::Deleted::already_gone);
    }
    SUBCASE("failed and still there: the error stands") {
        fake.expect(Method::del, path).reply(500, k_failed_to_find);
        fake.expect(Method::post, "/v1/cloudbackups/enumerate/filters").reply(200, listed);
        CHECK_THROWS_AS(backups.delete_listed_backup(id, k_cred), SdkError);
    }
}
