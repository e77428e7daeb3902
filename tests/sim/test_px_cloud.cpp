// PxApi's credential and cloud backup calls against the recorded replies of the real SDK server
// (shared/reference/osd-cloudbackup.txt) and API.md §1b. Two clusters sharing an object store,
// the object store itself and the faults are in test_px_cloud_shared.cpp.
#include <chrono>
#include <string>

#include <doctest/doctest.h>

#include "px_cloud_test_support.hpp"

using namespace pxsim::testing;
using namespace std::chrono_literals;

TEST_CASE("credentials: uuids, names not unique, no secret echoed, inspect by name echoes it") {
    Sim sim;
    CHECK(sim.call_json("GET", "/v1/credentials") == json::object());
    const std::string first = add_credential(sim, "s3-staging");
    const std::string second = add_credential(sim, "s3-staging");
    CHECK(std::regex_match(first, k_uuid));
    CHECK(first != second);
    CHECK(ids_of(sim.call_json("GET", "/v1/credentials"), "credential_ids") ==
          std::vector<std::string>{first, second});

    const json by_id = sim.call_json("GET", "/v1/credentials/inspect/" + first);
    CHECK(by_id == json{{"credential_id", first},
                        {"name", "s3-staging"},
                        {"bucket", "pxclone-staging"},
                        {"aws_credential",
                         {{"access_key", "AKIDUMMY"},
                          {"endpoint", "http://127.0.0.1:9000"},
                          {"region", "us-east-1"}}}});
    CHECK(by_id.dump().find("SECRET") == std::string::npos);
    // A name is accepted and echoed as the id; with two of one name, one of them answers.
    const json by_name = sim.call_json("GET", "/v1/credentials/inspect/s3-staging");
    CHECK(by_name.at("credential_id") == "s3-staging");
    CHECK(by_name.at("name") == "s3-staging");
    check_error(sim.call("GET", "/v1/credentials/inspect/no-such-cred"), 404, 5,
                "Credential id no-such-cred not found");
}

TEST_CASE("credentials: validate and delete take uuids; delete is not idempotent") {
    Sim sim;
    const std::string id = add_credential(sim, "s3-staging");
    CHECK(sim.call_json("GET", "/v1/credentials/validate/" + id) == json::object());
    check_error(sim.call("GET", "/v1/credentials/validate/no-such-cred"), 404, 5,
                "Credential id no-such-cred not found");
    check_error(sim.call("GET", "/v1/credentials/validate/s3-staging"), 500, 13,
                "failed to validate credentials: Credential id s3-staging not found");
    // Delete by name: 200, and nothing deleted.
    CHECK(sim.call_json("DELETE", "/v1/credentials/s3-staging") == json::object());
    CHECK(ids_of(sim.call_json("GET", "/v1/credentials"), "credential_ids") ==
          std::vector<std::string>{id});
    CHECK(sim.call_json("DELETE", "/v1/credentials/" + id) == json::object());
    check_error(sim.call("DELETE", "/v1/credentials/" + id), 404, 5,
                "Credential id " + id + " not found");
    CHECK(sim.call_json("GET", "/v1/credentials") == json::object());
}

TEST_CASE("credentials: create validates as the SDK server does") {
    Sim sim;
    const auto create = [&](const std::string& body) {
        return sim.call("POST", "/v1/credentials", body);
    };
    check_error(create(R"({"aws_credential":{"access_key":"a","secret_key":"s"}})"), 400, 3,
                "Must supply a name");
    check_error(create(R"({"name":"no-type"})"), 400, 3, "Unknown credential type");
    check_error(create(R"({"name":"x","aws_credential":{"access_key":"a","endpoint":"e",)"
                       R"("region":"r"}})"),
                400, 3, "Must supply Secret Key");
    check_error(create(R"({"name":"x","aws_credential":{"secret_key":"s","endpoint":"e",)"
                       R"("region":"r"}})"),
                400, 3, "Must supply Access Key");
    check_error(create(R"({"name":"x","aws_credential":{"access_key":"a","secret_key":"s",)"
                       R"("endpoint":"e"}})"),
                400, 3, "Must supply Region Key");
    check_error(create(R"({"name":"x","aws_credential":{"access_key":"a","secret_key":"s",)"
                       R"("region":"r"}})"),
                400, 3, "Must supply Endpoint Key");
    check_error(create(R"({"name":"x","nfs_credential":{"sub_path":"/x"}})"), 400, 3,
                "Must supply NFS server address");
    check_error(create(R"({"name":"x","use_proxy":true,"nfs_credential":{"server":"s"}})"), 400, 3,
                "Proxy not supported for NFS credentials");
    check_error(create(R"({"name":"x","azure_credential":{"account_name":"n"}})"), 400, 3,
                "Must supply Account Key");
    check_error(create(R"({"name":"x","google_credential":{"project_id":"p"}})"), 400, 3,
                "Must supply JSON Key");
    check_error(create("not json"), 400, 3,
                "invalid character 'o' in literal null (expecting 'u')");
    CHECK(sim.call_json("GET", "/v1/credentials") == json::object());

    // lowerCamel is accepted; of two types the last in the JSON is kept.
    const auto camel = sim.call_json("POST", "/v1/credentials",
                                     R"({"name":"camel","awsCredential":{"accessKey":"a",)"
                                     R"("secretKey":"x","endpoint":"e","region":"r"}})");
    CHECK(sim.call_json("GET",
                        "/v1/credentials/inspect/" + camel.at("credential_id").get<std::string>())
              .at("aws_credential") ==
          json{{"access_key", "a"}, {"endpoint", "e"}, {"region", "r"}});
    const auto both = sim.call_json("POST", "/v1/credentials",
                                    R"({"name":"both","aws_credential":{"access_key":"a",)"
                                    R"("secret_key":"x","endpoint":"e","region":"r"},)"
                                    R"("nfs_credential":{"server":"s","timeout_seconds":30}})");
    CHECK(sim.call_json("GET",
                        "/v1/credentials/inspect/" + both.at("credential_id").get<std::string>()) ==
          json{{"credential_id", both.at("credential_id")},
               {"name", "both"},
               {"nfs_credential", {{"server", "s"}, {"timeout_seconds", 30}}}});
    const auto azure = sim.call_json("POST", "/v1/credentials",
                                     R"({"name":"az","azure_credential":{"account_name":"acct",)"
                                     R"("account_key":"a2V5"}})");
    CHECK(sim.call("GET", "/v1/credentials/inspect/" + azure.at("credential_id").get<std::string>())
              .body.find("a2V5") == std::string::npos);
}

TEST_CASE("backup create: the recorded checks, in the recorded order") {
    Sim sim;
    const std::string volume = sim.create("pvc-prod-data");
    check_error(sim.call("POST", "/v1/cloudbackups", R"({})"), 400, 3, "Must supply a volume id");
    check_error(sim.call("POST", "/v1/cloudbackups", R"({"volume_id":")" + volume + R"("})"), 400,
                3, "No configured credentials found,please create a credential");
    const std::string credential = add_credential(sim, "s3-staging");
    // One credential: it may be left out.
    CHECK(sim.call("POST", "/v1/cloudbackups", R"({"volume_id":")" + volume + R"("})").status ==
          200);
    add_credential(sim, "s3-staging");
    check_error(sim.call("POST", "/v1/cloudbackups", R"({"volume_id":")" + volume + R"("})"), 400,
                3,
                "More than one credential configured,please specify a credential name or uuid to "
                "use");
    check_error(sim.call("POST", "/v1/cloudbackups", backup_body("no-such-vol", credential)), 500,
                13, "Failed to create backup: Volume id not found");
    check_error(sim.call("POST", "/v1/cloudbackups", backup_body(volume, "no-such-cred")), 500, 13,
                "Failed to create backup: Credential id no-such-cred not found");
    // A credential name is not taken by the driver.
    check_error(sim.call("POST", "/v1/cloudbackups", backup_body(volume, "s3-staging")), 500, 13,
                "Failed to create backup: Credential id s3-staging not found");
}

TEST_CASE("backup create honours task_id: a taken one is 409 code 6; a volume name is resolved") {
    Sim sim;
    const std::string volume = sim.create("pvc-prod-data");
    const std::string credential = add_credential(sim, "s3-staging");
    const json created = sim.call_json("POST", "/v1/cloudbackups",
                                       backup_body(volume, credential, "{}", "pxclone-r1-bk"));
    CHECK(created == json{{"task_id", "pxclone-r1-bk"}});
    check_error(sim.call("POST", "/v1/cloudbackups",
                         backup_body(volume, credential, "{}", "pxclone-r1-bk")),
                409, 6, "backup with this name already exists: Already exists");
    const std::string by_name = start_backup(sim, "pvc-prod-data", credential);
    CHECK(std::regex_match(by_name, k_uuid));
    CHECK(task_status(sim, by_name).at("src_volume_id") == volume);
}

TEST_CASE("backup status: Active until the latency model's time, then Done; keyed by task id") {
    Sim sim;
    sim.durations["backup"] = 10s;
    const std::string volume = sim.create("pvc-prod-data");
    const std::string snapshot = sim.snapshot(volume, "pxclone-snap-1");
    const std::string credential = add_credential(sim, "s3-staging");
    const std::string task = start_backup(sim, snapshot, credential, R"({"pxclone.io/run":"r1"})");
    const std::string other = start_backup(sim, volume, credential);

    json status = task_status(sim, task);
    CHECK(status.at("status") == "SdkCloudBackupStatusTypeActive");
    CHECK(status.at("optype") == "SdkCloudBackupOpTypeBackupOp");
    CHECK(status.at("src_volume_id") == snapshot);
    CHECK(status.at("credential_id") == credential);
    CHECK(status.at("node_id") == "1");
    CHECK(status.at("start_time") == format_time(sim.now));
    CHECK_FALSE(status.contains("completed_time"));
    CHECK_FALSE(status.contains("bytes_done"));
    const std::string backup_id = status.at("backup_id").get<std::string>();
    CHECK(backup_id.rfind("pxclone-staging/" + snapshot + "-", 0) == 0);

    sim.now += 5s;
    CHECK(task_status(sim, task).at("bytes_done") == "536870912"); // half of 1 GiB
    sim.now += 5s;
    status = task_status(sim, task);
    CHECK(status.at("status") == "SdkCloudBackupStatusTypeDone");
    CHECK(status.at("bytes_done") == "1073741824");
    CHECK(status.at("completed_time") == format_time(sim.now));

    // Only the task asked for; by volume id that volume's; neither: all; none: {}.
    CHECK(status_by(sim, "task_id", task).at("statuses").size() == 1);
    CHECK(status_by(sim, "volume_id", volume).at("statuses").size() == 1);
    CHECK(status_by(sim, "volume_id", volume).at("statuses").contains(other));
    CHECK(sim.call_json("POST", "/v1/cloudbackups/status", "{}").at("statuses").size() == 2);
    CHECK(status_by(sim, "task_id", "no-such-task") == json::object());
    CHECK(status_by(sim, "volume_id", "no-such-vol") == json::object());
}

TEST_CASE("backup enumerate: metadata, source, cluster, status and id filters; paging") {
    Sim sim;
    sim.durations["backup"] = 10s;
    const std::string volume = sim.create("pvc-prod-data");
    const std::string snapshot = sim.snapshot(volume, "pxclone-snap-1");
    const std::string credential = add_credential(sim, "s3-staging");
    const std::string nfs = sim.call_json("POST", "/v1/credentials",
                                          R"({"name":"nfs","nfs_credential":{"server":"s"}})")
                                .at("credential_id")
                                .get<std::string>();
    CHECK(enumerate(sim, {{"credential_id", credential}}) == json::object());
    const std::string first = start_backup(sim, snapshot, credential, R"({"pxclone.io/run":"r1"})");
    sim.now += 1s;
    start_backup(sim, volume, credential, R"({"pxclone.io/run":"r2"})");
    const std::string first_id = task_status(sim, first).at("backup_id").get<std::string>();

    const json all = enumerate(sim, {{"credential_id", credential}});
    REQUIRE(all.at("backups").size() == 2);
    CHECK(all.at("backups").at(0) == json{{"id", first_id},
                                          {"src_volume_id", snapshot},
                                          {"src_volume_name", "pxclone-snap-1"},
                                          {"timestamp", format_time(reference_time())},
                                          {"metadata", {{"pxclone.io/run", "r1"}}},
                                          {"status", "SdkCloudBackupStatusTypeActive"}});
    CHECK(backup_ids(enumerate(sim, {{"credential_id", credential},
                                     {"metadata_filter", {{"pxclone.io/run", "r1"}}}})) ==
          std::vector<std::string>{first_id});
    CHECK(enumerate(sim, {{"credential_id", credential},
                          {"metadata_filter", {{"pxclone.io/run", "r3"}}}}) == json::object());
    CHECK(
        backup_ids(enumerate(sim, {{"credential_id", credential}, {"src_volume_id", snapshot}})) ==
        std::vector<std::string>{first_id});
    CHECK(enumerate(sim, {{"credential_id", credential}, {"src_volume_id", "pxclone-snap-1"}}) ==
          json::object()); // an id, not a name
    CHECK(backup_ids(
              enumerate(sim, {{"credential_id", credential}, {"cloud_backup_id", first_id}})) ==
          std::vector<std::string>{first_id});
    CHECK(enumerate(sim, {{"credential_id", credential}, {"cluster_id", "other-cluster"}}) ==
          json::object());
    CHECK(enumerate(sim, {{"credential_id", credential}, {"cluster_id", "pxsim-cluster"}})
              .at("backups")
              .size() == 2);
    CHECK(enumerate(sim, {{"credential_id", nfs}}).at("backups").size() == 2); // one bucket
    sim.now += 9s;
    CHECK(backup_ids(enumerate(sim, {{"credential_id", credential},
                                     {"status_filter", "SdkCloudBackupStatusTypeDone"}})) ==
          std::vector<std::string>{first_id});
    CHECK(enumerate(sim, {{"credential_id", credential}, {"status_filter", 6}})
              .at("backups")
              .size() == 1); // Active, by number

    const json page = enumerate(sim, {{"credential_id", credential}, {"max_backups", "1"}});
    CHECK(backup_ids(page) == std::vector<std::string>{first_id});
    CHECK(page.at("continuation_token") == first_id);
    const json rest = enumerate(
        sim,
        {{"credential_id", credential}, {"max_backups", "1"}, {"continuation_token", first_id}});
    CHECK(rest.at("backups").size() == 1);
    CHECK_FALSE(rest.contains("continuation_token"));

    check_error(sim.call("POST", "/v1/cloudbackups/enumerate/filters", "{}"), 400, 3,
                "More than one credential configured,please specify a credential name or uuid to "
                "use");
    check_error(sim.call("POST", "/v1/cloudbackups/enumerate/filters",
                         R"({"credential_id":"no-such-cred"})"),
                500, 13, "Failed to enumerate backups: Credential id no-such-cred not found");
    check_error(
        sim.call("POST", "/v1/cloudbackups/enumerate/filters", R"({"credential_id":"s3-staging"})"),
        500, 13, "Failed to enumerate backups: Credential id s3-staging not found");
}

TEST_CASE("restore: a new volume of the requested name and labels, polled by its id") {
    Sim sim;
    sim.durations["cloud-restore"] = 4s;
    const std::string volume = sim.create("pvc-prod-data");
    REQUIRE(sim.api.write_data(volume, "orders v1"));
    const std::string snapshot = sim.snapshot(volume, "pxclone-snap-1");
    const std::string credential = add_credential(sim, "s3-staging");
    const std::string task = start_backup(sim, snapshot, credential);
    const std::string backup_id = task_status(sim, task).at("backup_id").get<std::string>();

    const json restored = sim.call_json(
        "POST", "/v1/cloudbackups/restore",
        json{{"backup_id", backup_id},
             {"restore_volume_name", "pxclone-stage-db"},
             {"credential_id", credential},
             {"locator", {{"name", "ignored"}, {"volume_labels", {{"pxclone.io/run", "r1"}}}}},
             {"spec", {{"ha_level", "2"}}}}
            .dump());
    REQUIRE(restored.size() == 1); // no task_id
    const std::string restored_id = restored.at("restore_volume_id").get<std::string>();
    const json inspected = sim.inspect(restored_id);
    CHECK(inspected.at("name") == "pxclone-stage-db");
    CHECK(inspected.at("labels") == json{{"pxclone.io/run", "r1"}});
    CHECK(inspected.at("volume").at("source") == json::object());
    CHECK(inspected.at("volume").at("spec").at("ha_level") == "1");
    CHECK(inspected.at("volume").at("spec").at("size") == "1073741824");

    const json statuses = status_by(sim, "volume_id", restored_id).at("statuses");
    REQUIRE(statuses.size() == 1);
    const json status = statuses.begin().value();
    CHECK(status.at("optype") == "SdkCloudBackupOpTypeRestoreOp");
    CHECK(status.at("status") == "SdkCloudBackupStatusTypeActive");
    CHECK(status.at("src_volume_id") == restored_id);
    CHECK(status.at("backup_id") == backup_id);
    sim.now += 4s;
    CHECK(status_by(sim, "volume_id", restored_id).at("statuses").begin().value().at("status") ==
          "SdkCloudBackupStatusTypeDone");
    bool data_copied = false;
    for (const auto& item : sim.api.dump()) {
        data_copied = data_copied || (item.at("volume").at("id") == restored_id &&
                                      item.value("sim_data", "") == "orders v1");
    }
    CHECK(data_copied);

    // The name is not checked: a second restore makes a second volume of it. A task_id given
    // keys the status; taken, it is 409.
    const json again = sim.call_json("POST", "/v1/cloudbackups/restore",
                                     json{{"backup_id", backup_id},
                                          {"restore_volume_name", "pxclone-stage-db"},
                                          {"credential_id", credential},
                                          {"task_id", "pxclone-r1-restore"}}
                                         .dump());
    CHECK(ids_of(sim.call_json("POST", "/v1/volumes/filters", R"({"name":"pxclone-stage-db"})"),
                 "volume_ids")
              .size() == 2);
    CHECK(task_status(sim, "pxclone-r1-restore").at("src_volume_id") ==
          again.at("restore_volume_id"));
    check_error(sim.call("POST", "/v1/cloudbackups/restore",
                         json{{"backup_id", backup_id},
                              {"credential_id", credential},
                              {"task_id", "pxclone-r1-restore"}}
                             .dump()),
                409, 6, "Restore task with this name already exists: Already exists");
}

TEST_CASE("restore: the recorded errors, and a backup not yet Done is refused") {
    Sim sim;
    sim.durations["backup"] = 10s;
    const std::string volume = sim.create("pvc-prod-data");
    const std::string credential = add_credential(sim, "s3-staging");
    const std::string task = start_backup(sim, volume, credential);
    const std::string backup_id = task_status(sim, task).at("backup_id").get<std::string>();
    const auto restore = [&](const json& body) {
        return sim.call("POST", "/v1/cloudbackups/restore", body.dump());
    };
    check_error(restore({{"restore_volume_name", "x3"}, {"credential_id", credential}}), 400, 3,
                "Must provide backup id");
    check_error(restore({{"backup_id", "no-such-backup"}, {"credential_id", credential}}), 500, 13,
                "Failed to restore backup: Failed to find backup");
    check_error(restore({{"backup_id", task}, {"credential_id", credential}}), 500, 13,
                "Failed to restore backup: Failed to find backup"); // a task id is no backup id
    check_error(restore({{"backup_id", backup_id}, {"credential_id", "no-such-cred"}}), 500, 13,
                "Failed to restore backup: Credential id no-such-cred not found");
    check_error(restore({{"backup_id", backup_id}, {"credential_id", credential}}), 500, 13,
                "Failed to restore backup: backup " + backup_id +
                    " is not complete (SdkCloudBackupStatusTypeActive)");
    add_credential(sim, "second");
    check_error(restore({{"backup_id", backup_id}}), 400, 3,
                "More than one credential configured,please specify a credential name or uuid to "
                "use");
    CHECK(ids_of(sim.call_json("GET", "/v1/volumes"), "volume_ids").size() == 1);
}

TEST_CASE(
    "backup delete: credential_id in the query, ?bucket= joins a slashed id, not idempotent") {
    Sim sim;
    const std::string volume = sim.create("pvc-prod-data");
    const std::string credential = add_credential(sim, "s3-staging");
    add_credential(sim, "s3-staging");
    const std::string task = start_backup(sim, volume, credential);
    const std::string backup_id = task_status(sim, task).at("backup_id").get<std::string>();
    const auto slash = backup_id.find('/');
    REQUIRE(slash != std::string::npos);
    const std::string bucket = backup_id.substr(0, slash);
    const std::string path = "/v1/cloudbackups/backup/" + backup_id.substr(slash + 1);

    check_error(sim.call("DELETE", path, "", {{"bucket", bucket}}), 400, 3,
                "More than one credential configured,please specify a credential name or uuid to "
                "use");
    // A body is ignored: the credential goes in the query string.
    check_error(
        sim.call("DELETE", path, json{{"credential_id", credential}}.dump(), {{"bucket", bucket}}),
        400, 3,
        "More than one credential configured,please specify a credential name or uuid to "
        "use");
    check_error(sim.call("DELETE", path, "", {{"bucket", bucket}, {"credential_id", "nope"}}), 500,
                13, "Failed to delete backup: Credential id nope not found");
    // The whole id cannot go in the path.
    const SimReply whole = sim.call("DELETE", "/v1/cloudbackups/backup/" + backup_id, "",
                                    {{"credential_id", credential}});
    CHECK(whole.status == 404);
    CHECK(whole.body == "Not Found\n");
    check_error(sim.call("DELETE", path, "", {{"credential_id", credential}}), 500, 13,
                "Failed to delete backup: Failed to find backup"); // without its bucket

    CHECK(sim.call_json("DELETE", path, "", {{"bucket", bucket}, {"credentialId", credential}}) ==
          json::object());
    check_error(sim.call("DELETE", path, "", {{"bucket", bucket}, {"credential_id", credential}}),
                500, 13, "Failed to delete backup: Failed to find backup");
    // Gone from enumerate, and its task record with it.
    CHECK(enumerate(sim, {{"credential_id", credential}}) == json::object());
    CHECK(status_by(sim, "task_id", task) == json::object());
}

TEST_CASE("deleteall removes a volume's backups; the other cloud calls are answered as unknown") {
    Sim sim;
    const std::string volume = sim.create("pvc-prod-data");
    const std::string other = sim.create("pvc-other");
    const std::string credential = add_credential(sim, "s3-staging");
    start_backup(sim, volume, credential);
    start_backup(sim, volume, credential);
    start_backup(sim, other, credential);
    check_error(sim.call("POST", "/v1/cloudbackups/deleteall", "{}"), 400, 3,
                "Must provide source volume id");
    CHECK(sim.call_json("POST", "/v1/cloudbackups/deleteall",
                        json{{"src_volume_id", volume}, {"credential_id", credential}}.dump()) ==
          json::object());
    CHECK(enumerate(sim, {{"credential_id", credential}}).at("backups").size() == 1);
    CHECK(sim.call_json("GET", "/v1/cloudbackups/schedules") == json::object());
    CHECK(sim.call("POST", "/v1/cloudbackups/group", "{}").status == 501);
    CHECK(sim.call("GET", "/v1/cloudbackups/history/" + volume).status == 501);
    CHECK(sim.call("GET", "/v1/cloudbackups/backup/x").body == "Method Not Allowed\n");
    CHECK(sim.call("GET", "/v1/cloudbackups/nothing/here").body == "Not Found\n");
}

TEST_CASE("a backup of a production volume writes nothing to it; restores make new volumes") {
    Sim sim;
    const std::string volume = sim.create("pvc-prod-data", R"({"app":"db"})");
    REQUIRE(sim.api.write_data(volume, "prod"));
    sim.sources.insert(volume);
    const json before = sim.inspect(volume);
    const std::string credential = add_credential(sim, "s3-staging");
    const std::string task = start_backup(sim, volume, credential, R"({"pxclone.io/run":"r1"})");
    const std::string backup_id = task_status(sim, task).at("backup_id").get<std::string>();
    sim.call_json("POST", "/v1/cloudbackups/restore",
                  json{{"backup_id", backup_id},
                       {"restore_volume_name", "pvc-prod-data"},
                       {"credential_id", credential}}
                      .dump());
    CHECK(sim.inspect(volume) == before);
    CHECK(sim.violations.empty());
    CHECK(sim.api.dump().size() == 2);
}

TEST_CASE("with authentication, status drops entries whose source volume is gone") {
    PxOptions options;
    options.authenticated = true;
    Sim sim(options);
    const std::string volume = sim.create("pvc-prod-data");
    const std::string snapshot = sim.snapshot(volume, "pxclone-snap-1");
    const std::string credential = add_credential(sim, "s3-staging");
    check_error(sim.call("POST", "/v1/cloudbackups", backup_body("no-such-vol", credential)), 404,
                5, "No volumes found for locator");
    const std::string task = start_backup(sim, snapshot, credential);
    CHECK(task_status(sim, task).at("status") == "SdkCloudBackupStatusTypeDone");
    sim.call_json("DELETE", "/v1/volumes/" + snapshot);
    CHECK(status_by(sim, "task_id", task) == json::object());
    check_error(sim.call("POST", "/v1/cloudbackups/status", json{{"volume_id", snapshot}}.dump()),
                404, 5, "No volumes found for locator");
    // Enumerate still lists the backup, and it restores.
    const json listed = enumerate(sim, {{"credential_id", credential}});
    REQUIRE(listed.at("backups").size() == 1);
    CHECK(sim.call("POST", "/v1/cloudbackups/restore",
                   json{{"backup_id", listed.at("backups").at(0).at("id")},
                        {"credential_id", credential}}
                       .dump())
              .status == 200);
}
