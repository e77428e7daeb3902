#include "pxclone/px/client.hpp"

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
const std::string k_volume = "432c9a1d-1f5c-4f11-b881-41df39929ffa";

// A recorded inspect reply (reference/osd-rest.txt).
const json k_inspect = json::parse(R"({"labels": {"app": "db", "namespace": "prod"},
  "name": "pvc-prod-data",
  "volume": {"ctime": "2026-11-27T09:25:35.972788126Z", "format": "FS_TYPE_XFS",
    "id": "432c9a1d-1f5c-4f11-b881-41df39929ffa", "last_scan": "2026-11-27T09:25:35.972788761Z",
    "locator": {"name": "pvc-prod-data", "volume_labels": {"app": "db", "namespace": "prod"}},
    "source": {}, "spec": {"cos": "HIGH", "format": "FS_TYPE_EXT4", "ha_level": "1",
    "size": "1073741824"}, "state": "VOLUME_STATE_AVAILABLE", "status": "VOLUME_STATUS_UP"}})");

} // namespace

TEST_CASE("identity calls: version and capabilities") {
    FakeTransport fake(k_base);
    const Client client(fake, k_base);
    fake.expect(Method::get, "/v1/identities/version")
        .reply(200, R"({"sdk_version":{"minor":186,"version":"0.186.0"},"version":{"driver":"fake",
            "version":"1.0.0-fake","details":{"example":"data"}}})");
    fake.expect(Method::get, "/v1/identities/capabilities")
        .reply(200, R"({"capabilities":[{"service":{"type":"CLUSTER"}},
            {"service":{"type":"VOLUME"}},{"type":"SERVICE"}]})");
    const auto version = client.version();
    CHECK(version.sdk_version == "0.186.0");
    CHECK(version.driver == "fake");
    CHECK(client.capabilities() == std::vector<std::string>{"CLUSTER", "VOLUME"});
    const auto requests = fake.requests();
    CHECK(requests[0].api == "px");
    CHECK(requests[0].idempotent);
    CHECK_FALSE(http::find_header(requests[0].headers, "Authorization"));
}

TEST_CASE("volume calls send the recorded request shapes and decode the replies") {
    FakeTransport fake(k_base);
    const Client client(fake, k_base + std::string("/"), "tok3n");

    fake.expect(Method::post, "/v1/volumes")
        .with_header("Authorization", "bearer tok3n")
        .with_header("Content-Type", "application/json")
        .body(json::parse(R"({"name":"pvc-prod-data","spec":{"size":"1073741824","ha_level":"1"},
            "labels":{"app":"db"}})"))
        .reply(200, json{{"volume_id", k_volume}});
    fake.expect(Method::post, "/v1/volumes/clone")
        .body(json::parse(R"({"name":"pvc-staging-data","parent_id":"7fdb","additional_labels":
            {"env":"staging"}})"))
        .reply(200, json{{"volume_id", "dee3"}});
    fake.expect(Method::get, "/v1/volumes/inspect/" + k_volume).reply(200, k_inspect);
    fake.expect(Method::post, "/v1/volumes/inspectwithfilters")
        .body(json::parse(R"({"name":"pvc-prod-data"})"))
        .reply(200, json{{"volumes", {k_inspect}}});
    fake.expect(Method::post, "/v1/volumes/inspectwithfilters")
        .body(json::parse(R"({"labels":{"app":"nothing"}})"))
        .reply(200, "{}");
    fake.expect(Method::get, "/v1/volumes").reply(200, json{{"volume_ids", {k_volume, "ed4a"}}});
    fake.expect(Method::get, "/v1/volumes").reply(200, "{}");
    fake.expect(Method::post, "/v1/volumes/filters")
        .body(json::parse(R"({"labels":{"app":"db"}})"))
        .reply(200, json{{"volume_ids", {k_volume}}});
    fake.expect(Method::put, "/v1/volumes/" + k_volume)
        .body(json::parse(R"({"labels":{"snap-policy":"daily","namespace":""}})"))
        .reply(200, "{}");
    fake.expect(Method::del, "/v1/volumes/dee3").reply(200, "{}");

    CreateVolumeRequest create;
    create.name = "pvc-prod-data";
    create.spec.size = 1073741824;
    create.spec.ha_level = 1;
    create.labels = {{"app", "db"}};
    CHECK(client.create_volume(create) == k_volume);
    CHECK(client.clone_volume({"pvc-staging-data", "7fdb", {{"env", "staging"}}}) == "dee3");

    const auto inspected = client.inspect(k_volume);
    REQUIRE(inspected);
    CHECK(inspected->name == "pvc-prod-data");
    CHECK(inspected->spec.size == 1073741824);
    CHECK(inspected->labels.at("namespace") == "prod");

    const auto found = client.inspect_with_filters({"pvc-prod-data", {}, "", ""});
    REQUIRE(found.size() == 1);
    CHECK(found[0].id == k_volume);
    CHECK(client.inspect_with_filters({"", {{"app", "nothing"}}, "", ""}).empty());

    CHECK(client.enumerate() == std::vector<std::string>{k_volume, "ed4a"});
    CHECK(client.enumerate().empty());
    CHECK(client.enumerate_with_filters({"", {{"app", "db"}}, "", ""}) ==
          std::vector<std::string>{k_volume});
    client.update_labels(k_volume, {{"snap-policy", "daily"}, {"namespace", ""}});
    client.delete_volume("dee3");

    const auto requests = fake.requests();
    REQUIRE(requests.size() == 10);
    CHECK_FALSE(requests[0].idempotent); // create
    CHECK_FALSE(requests[1].idempotent); // clone
    CHECK(requests[3].idempotent);       // inspectwithfilters is a read
    CHECK(requests[9].idempotent);       // delete
    for (const auto& request : requests) {
        CHECK(http::find_header(request.headers, "Authorization") == "bearer tok3n");
    }
}

TEST_CASE("snapshot calls") {
    FakeTransport fake(k_base);
    const Client client(fake, k_base);
    fake.expect(Method::post, "/v1/volumes/snapshots")
        .body(json::parse(R"({"volume_id":"432c","name":"pxclone-snap-1","labels":
            {"pxclone":"true","source-ns":"prod"}})"))
        .reply(200, R"({"snapshot_id": "7fdb9390-2792-41f3-a4ee-ee9ebcca56ed"})");
    fake.expect(Method::post, "/v1/volumes/snapshots/restore")
        .body(json::parse(R"({"volume_id":"432c","snapshot_id":"7fdb"})"))
        .reply(200, "{}");
    fake.expect(Method::get, "/v1/volumes/snapshots?volume_id=432c")
        .reply(200, R"({"volume_snapshot_ids":["186b","7fdb"]})");
    fake.expect(Method::get, "/v1/volumes/snapshots").reply(200, "{}");
    fake.expect(Method::post, "/v1/volumes/snapshots/filters/432c")
        .body(json::parse(R"({"labels":{"pxclone":"true"}})"))
        .reply(200, R"({"volume_snapshot_ids":["7fdb"]})");

    CHECK(client.snapshot_create(
              {"432c", "pxclone-snap-1", {{"pxclone", "true"}, {"source-ns", "prod"}}}) ==
          "7fdb9390-2792-41f3-a4ee-ee9ebcca56ed");
    client.snapshot_restore("432c", "7fdb");
    CHECK(client.snapshot_list("432c") == std::vector<std::string>{"186b", "7fdb"});
    CHECK(client.snapshot_list().empty());
    CHECK(client.snapshot_list_by_labels("432c", {{"pxclone", "true"}}) ==
          std::vector<std::string>{"7fdb"});
    CHECK_THROWS_AS(client.snapshot_list_by_labels("", {}), std::invalid_argument);
    CHECK_FALSE(fake.requests()[0].idempotent);
}

TEST_CASE("SDK error bodies become SdkError with the gRPC code; NotFound inspect is nullopt") {
    FakeTransport fake(k_base);
    const Client client(fake, k_base);
    fake.expect(Method::get, "/v1/volumes/inspect/does-not-exist")
        .reply(404, R"({"code": 5, "error": "Volume id does-not-exist not found",
            "message": "Volume id does-not-exist not found"})");
    CHECK_FALSE(client.inspect("does-not-exist"));

    fake.expect(Method::post, "/v1/volumes")
        .reply(
            409,
            R"({"code": 6, "error": "Existing volume has a size of 1073741824 which differs from requested size of 2147483648", "message": "Existing volume has a size of 1073741824 which differs from requested size of 2147483648"})");
    try {
        client.create_volume({"pvc-prod-data", {}, {}});
        FAIL("expected an SdkError");
    } catch (const SdkError& error) {
        CHECK(error.grpc_code() == 6);
        CHECK(error.http_status() == 409);
        CHECK(error.code() == ExitCode::failed);
        CHECK(std::string(error.what()) ==
              "portworx: create volume \"pvc-prod-data\": Existing volume has a size of "
              "1073741824 which differs from requested size of 2147483648 (AlreadyExists)");
    }

    fake.expect(Method::put, "/v1/volumes/does-not-exist")
        .reply(
            404,
            R"({"code":5,"error":"Volume id does-not-exist not found","message":"Volume id does-not-exist not found"})");
    try {
        client.update_labels("does-not-exist", {{"x", "1"}});
        FAIL("expected an SdkError");
    } catch (const SdkError& error) {
        CHECK(error.code() == ExitCode::not_found);
    }

    fake.expect(Method::get, "/v1/volumes")
        .reply(
            401,
            R"({"error":"Unable to obtain token issuer from authorization token","code":16,"message":"Unable to obtain token issuer from authorization token"})");
    try {
        client.enumerate();
        FAIL("expected an SdkError");
    } catch (const SdkError& error) {
        CHECK(error.grpc_code() == 16);
        CHECK(error.hint().find("portworx.token") != std::string::npos);
    }

    fake.expect(Method::post, "/v1/volumes/snapshots")
        .reply(
            403,
            R"({"error":"Access denied to volume 9644","code":7,"message":"Access denied to volume 9644"})");
    CHECK_THROWS_WITH_AS(client.snapshot_create({"9644", "s", {}}),
                         "portworx: snapshot volume 9644 as \"s\": Access denied to volume 9644 "
                         "(PermissionDenied)",
                         SdkError);
}

TEST_CASE("plain-text 404/405 and non-JSON replies say this is not an SDK gateway") {
    FakeTransport fake(k_base);
    const Client client(fake, k_base, "", "https://px.test:9021");
    fake.expect(Method::get, "/v1/volumes").reply(405, "Method Not Allowed\n");
    fake.expect(Method::get, "/v1/identities/version").reply(404, "Not Found\n");
    fake.expect(Method::get, "/v1/identities/version").reply(200, "<html>welcome</html>");
    fake.expect(Method::get, "/v1/identities/version").reply(502, "<html>Bad Gateway</html>");

    CHECK_THROWS_WITH(client.enumerate(),
                      "portworx endpoint https://px.test:9021: this endpoint is not an "
                      "OpenStorage SDK gateway (GET /v1/volumes answered HTTP 405 \"Method Not "
                      "Allowed\")");
    for (int i = 0; i < 2; ++i) {
        try {
            client.version();
            FAIL("expected an Error");
        } catch (const SdkError&) {
            FAIL("not an SdkError");
        } catch (const Error& error) {
            CHECK(std::string(error.what()).find("not an OpenStorage SDK gateway") !=
                  std::string::npos);
            CHECK(error.hint().find("9021") != std::string::npos);
        }
    }
    try {
        client.version();
        FAIL("expected an Error");
    } catch (const Error& error) {
        const std::string what = error.what();
        CHECK(what.find("HTTP 502") != std::string::npos);
        CHECK(what.find('\n') == std::string::npos);
    }
}

TEST_CASE("check_endpoint: a reachable SDK passes; others get one clear message") {
    FakeTransport fake(k_base);
    const Client client(fake, k_base, "", "service:kube-system/portworx-api:9021");
    fake.expect(Method::get, "/v1/identities/version")
        .reply(200,
               R"({"sdk_version":{"minor":186,"version":"0.186.0"},"version":{"driver":"pxd"}})");
    CHECK(client.check_endpoint().sdk_minor == 186);

    fake.expect(Method::get, "/v1/identities/version").reply(200, R"({"status":"ok"})");
    CHECK_THROWS_WITH(client.check_endpoint(),
                      "portworx endpoint service:kube-system/portworx-api:9021: this endpoint is "
                      "not an OpenStorage SDK gateway (GET /v1/identities/version has no "
                      "sdk_version)");

    fake.expect(Method::get, "/v1/identities/version")
        .fail(http::TransportError::Kind::connect, "Connection refused");
    CHECK_THROWS_WITH(client.check_endpoint(),
                      "portworx endpoint service:kube-system/portworx-api:9021: cannot reach it: "
                      "Connection refused");

    // Through the service proxy the API server answers when the Service is missing.
    fake.expect(Method::get, "/v1/identities/version")
        .reply(404, R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
            "message":"services \"portworx-api\" not found","reason":"NotFound",
            "details":{"name":"portworx-api","kind":"services"},"code":404})");
    try {
        client.check_endpoint();
        FAIL("expected an Error");
    } catch (const SdkError&) {
        FAIL("a Kubernetes Status is not an SDK error");
    } catch (const Error& error) {
        CHECK(std::string(error.what()) ==
              "portworx endpoint service:kube-system/portworx-api:9021: version: the Kubernetes "
              "API server answered HTTP 404: services \"portworx-api\" not found");
    }
}

TEST_CASE("the service-proxy route sends /v1 calls below the API server's proxy path") {
    FakeTransport fake("https://10.0.0.1:6443");
    const auto url = base_url(parse_endpoint(k_default_endpoint), "https://10.0.0.1:6443");
    const Client client(fake, url);
    fake.expect(Method::get, "/api/v1/namespaces/kube-system/services/portworx-api:9021/proxy/v1/"
                             "volumes/inspect/" +
                                 k_volume)
        .reply(200, k_inspect);
    CHECK(client.inspect(k_volume)->id == k_volume);
}

// Bad-input corpus and fuzz_px_reply: a reply of the wrong shape is an Error naming the endpoint
// and the call (exit 1), never a std::invalid_argument or JSON type error ("internal error").
TEST_CASE("replies of the wrong shape are errors naming the endpoint and the call") {
    FakeTransport fake(k_base);
    const Client client(fake, k_base);
    fake.expect(Method::get, "/v1/identities/version")
        .reply(200, json::parse(R"({"sdk_version":{"major":"x","minor":[]}})"));
    fake.expect(Method::post, "/v1/volumes/inspectwithfilters")
        .reply(200, json::parse(R"({"volumes":"all"})"));
    fake.expect(Method::post, "/v1/volumes/inspectwithfilters")
        .reply(200, json::parse(R"({"volumes":[{"volume":{"id":"v","spec":{"size":"big"}}}]})"));
    fake.expect(Method::post, "/v1/volumes/inspectwithfilters")
        .reply(200, json::parse(R"({"volumes":[{"volume":{"id":{"x":1}}}]})"));
    fake.expect(Method::post, "/v1/volumes/inspectwithfilters")
        .reply(200, json::parse(R"({"volumes":[5]})"));
    fake.expect(Method::get, "/v1/volumes").reply(200, json::parse(R"({"volume_ids":[1]})"));
    fake.expect(Method::post, "/v1/volumes").reply(200, json::parse(R"({"volume_id":7})"));
    fake.expect(Method::get, "/v1/identities/version")
        .reply(503, json::parse(R"({"kind":"Status","message":["x"]})"));
    CHECK_THROWS_WITH_AS(client.version(),
                         "portworx endpoint https://px.test:9021: version: the reply does not "
                         "have the OpenStorage SDK's shape (field major is not a 64-bit integer)",
                         Error);
    CHECK_THROWS_WITH_AS(client.inspect_with_filters({}),
                         doctest::Contains("(field volumes is not a list)"), Error);
    CHECK_THROWS_WITH_AS(client.inspect_with_filters({}),
                         doctest::Contains("(field size is not a 64-bit integer)"), Error);
    CHECK_THROWS_WITH_AS(client.inspect_with_filters({}),
                         doctest::Contains("(field id is not a string)"), Error);
    CHECK_THROWS_WITH_AS(client.inspect_with_filters({}),
                         doctest::Contains("(the volume is not an object)"), Error);
    CHECK_THROWS_WITH_AS(client.enumerate(), doctest::Contains("holds a non-string"), Error);
    // A volume id of another type reads as none (the caller reports the missing id).
    CHECK(client.create_volume({"v", {.size = 1, .ha_level = 1}, {}}).empty());
    CHECK_THROWS_WITH_AS(client.version(),
                         "portworx endpoint https://px.test:9021: version: the Kubernetes API "
                         "server answered HTTP 503: ",
                         Error);
}
