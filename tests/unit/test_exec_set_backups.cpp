// The cloud backups of snapshot sets as retention and teardown --snapshots delete them, against a
// strict fake of the SDK gateway: found per set by pxclone's metadata (never another profile's,
// even when the server ignores the filter), each DELETEd without another look-up (just listed), a
// failed DELETE looked up (gone is no failure), a failure recorded while the others are still
// deleted, at once on a pool; the dry run's twin prints the DELETEs and sends nothing.
#include "pxclone/error.hpp"
#include "pxclone/exec/set_backups.hpp"
#include "pxclone/util/worker_pool.hpp"

#include <sstream>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/concurrent_transport.hpp"
#include "support/fake_transport.hpp"
#include "support/fixtures.hpp"

using namespace pxclone;
using http::Method;
using nlohmann::json;
using test::cloud_backup;
using test::FakeTransport;
using test::k_backup_credential;

namespace {

constexpr const char* k_px = "https://px.test:9021";

json set_filter(const std::string& set) {
    return {{"credential_id", k_backup_credential},
            {"metadata_filter",
             {{"app.kubernetes.io/managed-by", "pxclone"},
              {"pxclone.io/profile", "orders"},
              {"pxclone.io/snapshot-set", set}}}};
}

json listed(std::vector<json> backups) {
    return {{"backups", std::move(backups)}};
}

// The look-up after a failed DELETE.
json lookup(const std::string& id) {
    return {{"credential_id", k_backup_credential}, {"cloud_backup_id", id}, {"all", true}};
}

struct Fixture {
    FakeTransport fake{k_px};
    const px::Client client{fake, k_px};
    const px::CloudBackupClient backups{client, "source cluster"};
};

} // namespace

TEST_CASE_FIXTURE(Fixture, "find_set_backups: one enumerate per set by its metadata; only the "
                           "profile's own backups of that set count") {
    auto other_profile = cloud_backup("b/vol-0-s9", "40", "s9");
    other_profile["metadata"]["pxclone.io/profile"] = "billing";
    auto unowned = cloud_backup("b/vol-0-s8", "40", "s8");
    unowned["metadata"].erase("app.kubernetes.io/managed-by");
    fake.expect(Method::post, "/v1/cloudbackups/enumerate/filters")
        .body(set_filter("39"))
        .reply(200, "{}");
    // A server that ignored metadata_filter hands over others' backups: they are not pxclone's.
    fake.expect(Method::post, "/v1/cloudbackups/enumerate/filters")
        .body(set_filter("40"))
        .reply(200, listed({cloud_backup("b/vol-0-s1", "40", "s1"), other_profile, unowned,
                            cloud_backup("b/vol-0-s7", "41", "s7")}));

    const auto found = exec::find_set_backups(backups, k_backup_credential, "orders", {"39", "40"});
    CHECK(found.credential_id == k_backup_credential);
    REQUIRE(found.deletions.size() == 1);
    CHECK(found.deletions[0].backup_id == "b/vol-0-s1");
    CHECK(found.deletions[0].set_id == "40");
    CHECK(found.deletions[0].source == "prod/data");
    CHECK(exec::backup_delete_request(found, found.deletions[0]) ==
          "DELETE /v1/cloudbackups/backup/vol-0-s1?bucket=b&credential_id=" + k_backup_credential);
}

TEST_CASE_FIXTURE(Fixture, "delete_set_backups: no look-up before a DELETE, one after a failed "
                           "one (gone is no failure); a failure is recorded with its set and the "
                           "others are still deleted") {
    const exec::SetBackups found{.credential_id = k_backup_credential,
                                 .deletions = {{"b/vol-0-s1", "40", "prod/data"},
                                               {"b/vol-0-s2", "40", "prod/logs"},
                                               {"b/vol-0-s3", "41", "prod/data"}}};
    const auto path = [](const std::string& name) {
        return "/v1/cloudbackups/backup/" + name + "?bucket=b&credential_id=" + k_backup_credential;
    };
    // s1: deleted.
    fake.expect(Method::del, path("vol-0-s1")).reply(200, "{}");
    // s2: gone since the listing: the server's delete is not idempotent (500 "Failed to find
    // backup"), and the look-up after it no longer finds it.
    fake.expect(Method::del, path("vol-0-s2"))
        .reply(500, R"({"error":"Failed to find backup","code":13,)"
                    R"("message":"Failed to find backup"})");
    fake.expect(Method::post, "/v1/cloudbackups/enumerate/filters")
        .body(lookup("b/vol-0-s2"))
        .reply(200, "{}");
    // s3: the store fails, and the backup is still there.
    const auto s3 = listed({cloud_backup("b/vol-0-s3", "41", "s3")});
    fake.expect(Method::del, path("vol-0-s3"))
        .reply(500, R"({"error":"object store unreachable","code":13,)"
                    R"("message":"object store unreachable"})");
    fake.expect(Method::post, "/v1/cloudbackups/enumerate/filters").reply(200, s3);

    const auto removal = exec::delete_set_backups(backups, found, {});
    REQUIRE(removal.deleted.size() == 2);
    CHECK(removal.deleted[0].backup_id == "b/vol-0-s1");
    CHECK(removal.deleted[1].backup_id == "b/vol-0-s2");
    REQUIRE(removal.failed.size() == 1);
    CHECK(removal.failed[0].starts_with("backup b/vol-0-s3 (set 41): "));
    CHECK(removal.failed[0].find("object store unreachable") != std::string::npos);
    CHECK(removal.failed_sets == std::set<std::string>{"41"});
}

TEST_CASE_FIXTURE(Fixture, "delete_set_backups stops when interrupted; print_set_backups sends "
                           "nothing") {
    const exec::SetBackups found{.credential_id = k_backup_credential,
                                 .deletions = {{"b/vol-0-s1", "40", "prod/data"}}};
    CHECK_THROWS_AS(exec::delete_set_backups(backups, found, [] { return true; }),
                    InterruptedError);
    std::ostringstream out;
    const auto printed = exec::print_set_backups(found, out, "  ");
    CHECK(out.str() == "  DELETE /v1/cloudbackups/backup/vol-0-s1?bucket=b&credential_id=" +
                           k_backup_credential + "\n");
    CHECK(printed.deleted.size() == 1);
    CHECK(fake.requests().empty());
}

TEST_CASE("delete_set_backups with a pool: every DELETE at once, no look-up before them; a failed "
          "one looked up, its set's snapshots kept") {
    const auto failing = "/v1/cloudbackups/backup/vol-0-s3?";
    test::ConcurrentTransport fake(
        [&](const http::Request& request) {
            if (request.method == Method::post) { // the look-up after s3's failed DELETE
                return test::json_response(200,
                                           listed({cloud_backup("b/vol-0-s3", "41", "s3")}).dump());
            }
            if (request.url.find(failing) != std::string::npos) {
                return test::json_response(500, R"({"error":"object store unreachable","code":13,)"
                                                R"("message":"object store unreachable"})");
            }
            return test::json_response(200, "{}");
        },
        [](const http::Request& request) { return request.method == Method::del; }, 3);
    const px::Client client{fake, k_px};
    const px::CloudBackupClient backups{client, "source cluster"};
    const exec::SetBackups found{.credential_id = k_backup_credential,
                                 .deletions = {{"b/vol-0-s1", "40", "prod/data"},
                                               {"b/vol-0-s2", "40", "prod/logs"},
                                               {"b/vol-0-s3", "41", "prod/data"}}};
    util::WorkerPool pool(3);
    const auto removal = exec::delete_set_backups(backups, found, {}, &pool);
    CHECK(fake.most_in_flight() == 3);
    CHECK(fake.requests(Method::del, "/v1/cloudbackups/backup/").size() == 3);
    const auto lookups = fake.requests(Method::post, "/v1/cloudbackups/enumerate/filters");
    REQUIRE(lookups.size() == 1); // only after the failed DELETE
    CHECK(json::parse(lookups[0].body) == lookup("b/vol-0-s3"));
    CHECK(fake.requests().size() == 4);
    // In the order of `found`, whatever order they ended in.
    REQUIRE(removal.deleted.size() == 2);
    CHECK(removal.deleted[0].backup_id == "b/vol-0-s1");
    CHECK(removal.deleted[1].backup_id == "b/vol-0-s2");
    REQUIRE(removal.failed.size() == 1);
    CHECK(removal.failed[0].starts_with("backup b/vol-0-s3 (set 41): "));
    CHECK(removal.failed_sets == std::set<std::string>{"41"});
}
