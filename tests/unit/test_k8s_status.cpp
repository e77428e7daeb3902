#include "pxclone/k8s/status.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace pxclone;
using namespace pxclone::k8s;

namespace {

http::Response reply(int status, std::string body, std::string content_type = "application/json") {
    http::Response response;
    response.status = status;
    response.body = std::move(body);
    response.headers.emplace_back("Content-Type", std::move(content_type));
    return response;
}

// Recorded from a v1.26.1 API server (reference/k8s-rest.txt).
constexpr const char* k_invalid = R"({
  "apiVersion": "v1", "code": 422,
  "details": {
    "causes": [{"field": "spec.resources[storage]", "message": "Required value",
                "reason": "FieldValueRequired"}],
    "kind": "PersistentVolumeClaim", "name": "nosize"},
  "kind": "Status",
  "message": "PersistentVolumeClaim \"nosize\" is invalid: spec.resources[storage]: Required value",
  "metadata": {}, "reason": "Invalid", "status": "Failure"})";

constexpr const char* k_not_found = R"({"apiVersion": "v1", "code": 404,
  "details": {"kind": "namespaces", "name": "pxdemo"}, "kind": "Status",
  "message": "namespaces \"pxdemo\" not found", "metadata": {}, "reason": "NotFound",
  "status": "Failure"})";

} // namespace

TEST_CASE("parse_status decodes reason, code, message, details and causes") {
    const auto status = parse_status(k_invalid);
    REQUIRE(status);
    CHECK(status->code == 422);
    CHECK(status->reason == "Invalid");
    CHECK(status->details_name == "nosize");
    CHECK(status->details_kind == "PersistentVolumeClaim");
    REQUIRE(status->causes.size() == 1);
    CHECK(status->causes[0].field == "spec.resources[storage]");
    CHECK(status->causes[0].reason == "FieldValueRequired");
    CHECK(status->causes[0].message == "Required value");
    CHECK_FALSE(status->retry_after_seconds);

    const auto throttled = parse_status(
        R"({"kind":"Status","code":429,"reason":"TooManyRequests","details":{"retryAfterSeconds":3}})");
    REQUIRE(throttled);
    CHECK(throttled->retry_after_seconds == 3);
}

TEST_CASE("parse_status gives nullopt for anything that is not a Status") {
    CHECK_FALSE(parse_status("404 page not found\n"));
    CHECK_FALSE(parse_status("<html><body>502 Bad Gateway</body></html>"));
    CHECK_FALSE(parse_status(""));
    CHECK_FALSE(parse_status(R"({"kind":"Namespace"})"));
    CHECK_FALSE(parse_status("[1,2]"));
    CHECK_FALSE(parse_status(R"({"kind":"Status")")); // truncated
}

TEST_CASE("describe_object names objects as the API server does") {
    CHECK(describe_object(resource_of("PersistentVolumeClaim"), "y", "x") ==
          R"(persistentvolumeclaims "x" in namespace "y")");
    CHECK(describe_object(resource_of("Deployment"), "pxdemo", "db") ==
          R"(deployments.apps "db" in namespace "pxdemo")");
    CHECK(describe_object(resource_of("PersistentVolume"), "ignored", "pv1") ==
          R"(persistentvolumes "pv1")");
    CHECK(describe_object(resource_of("Pod"), "ns", "") == R"(pods in namespace "ns")");
}

TEST_CASE("make_api_error names the object, keeps the server's words and maps exit codes") {
    const auto& pvc = resource_of("PersistentVolumeClaim");
    const auto invalid = make_api_error(reply(422, k_invalid), pvc, "pxdemo", "nosize", "create");
    CHECK(
        std::string(invalid.what()) ==
        R"(persistentvolumeclaims "nosize" in namespace "pxdemo": create: PersistentVolumeClaim "nosize" is invalid: spec.resources[storage]: Required value (Invalid))");
    CHECK(invalid.code() == ExitCode::failed);
    CHECK(invalid.reason() == "Invalid");
    CHECK(invalid.http_status() == 422);
    REQUIRE(invalid.details().size() == 1);
    CHECK(invalid.details()[0] == "spec.resources[storage]: Required value");

    const auto missing =
        make_api_error(reply(404, k_not_found), resource_of("Namespace"), "", "pxdemo", "get");
    CHECK(missing.is_not_found());
    CHECK(missing.code() == ExitCode::not_found);

    const auto timeout = make_api_error(
        reply(504, R"({"kind":"Status","code":504,"reason":"Timeout","message":"took too long"})"),
        pvc, "ns", "x", "get");
    CHECK(timeout.code() == ExitCode::timed_out);

    const auto forbidden = make_api_error(
        reply(
            403,
            R"({"kind":"Status","code":403,"reason":"Forbidden","message":"persistentvolumeclaims is forbidden: User \"viewer\" cannot create resource"})"),
        pvc, "pxdemo", "x", "create");
    CHECK(forbidden.code() == ExitCode::failed);
    CHECK(forbidden.hint().find("kubectl auth can-i") != std::string::npos);

    const auto gone = make_api_error(
        reply(410, R"({"kind":"Status","code":410,"reason":"Expired","message":"too old"})"), pvc,
        "ns", "", "list");
    CHECK(gone.is_gone());
    CHECK_FALSE(invalid.is_gone());
}

TEST_CASE("a 403 names the RBAC verbs, the (sub)resource and where pxclone needed them") {
    const auto denied = [](std::string message) {
        return reply(403, nlohmann::json{{"kind", "Status"},
                                         {"code", 403},
                                         {"reason", "Forbidden"},
                                         {"message", std::move(message)}}
                              .dump());
    };
    const auto scale = make_api_error(
        denied("statefulsets.apps \"mongo\" is forbidden: User \"u\" cannot patch resource "
               "\"statefulsets/scale\" in API group \"apps\" in the namespace \"stg\""),
        resource_of("StatefulSet"), "stg", "mongo", "scale");
    CHECK(scale.hint() ==
          "pxclone needs RBAC permission to `patch` statefulsets/scale (API group \"apps\") in "
          "namespace \"stg\"; check with `kubectl auth can-i patch statefulsets.apps "
          "--subresource=scale -n stg`");

    // RBAC's denial of a create by server-side apply has no reason after its colon.
    const auto apply = make_api_error(denied("services \"mongo\" is forbidden: "),
                                      resource_of("Service"), "stg", "mongo", "apply");
    CHECK(std::string(apply.what()) ==
          "services \"mongo\" in namespace \"stg\": apply: services \"mongo\" is forbidden "
          "(Forbidden)");
    CHECK(apply.hint() == "pxclone needs RBAC permission to `create` and `patch` services in "
                          "namespace \"stg\" (server-side apply creates what is missing); check "
                          "with `kubectl auth can-i create services -n stg`, `kubectl auth can-i "
                          "patch services -n stg`");

    const auto list =
        make_api_error(denied("forbidden"), resource_of("VolumeSnapshot"), "", "", "list");
    CHECK(list.hint() == "pxclone needs RBAC permission to `list` volumesnapshots (API group "
                         "\"snapshot.storage.k8s.io\") in all namespaces; check with `kubectl "
                         "auth can-i list volumesnapshots.snapshot.storage.k8s.io -A`");
    const auto pv =
        make_api_error(denied("forbidden"), resource_of("PersistentVolume"), "", "pv-1", "delete");
    CHECK(pv.hint() == "pxclone needs RBAC permission to `delete` persistentvolumes at the "
                       "cluster scope; check with `kubectl auth can-i delete persistentvolumes`");
}

TEST_CASE("a body that is not a Status gives one clear line, not a parse error") {
    const auto& pvc = resource_of("PersistentVolumeClaim");
    const auto html = make_api_error(
        reply(502, "<html>\n<head><title>502 Bad Gateway</title></head>\n</html>\n", "text/html"),
        pvc, "prod", "data", "get");
    const std::string what = html.what();
    CHECK(what.find('\n') == std::string::npos);
    CHECK(what.find(R"(persistentvolumeclaims "data" in namespace "prod": get: HTTP 502)") == 0);
    CHECK(what.find("text/html") != std::string::npos);
    CHECK(what.find("<html>") != std::string::npos);
    CHECK(html.code() == ExitCode::failed);
    CHECK(html.hint().find("proxy") != std::string::npos);

    // What the API server says for a group it does not serve (no VolumeSnapshot CRD).
    const auto no_crd = make_api_error(reply(404, "404 page not found\n", "text/plain"),
                                       resource_of("VolumeSnapshot"), "pxdemo", "", "list");
    CHECK_FALSE(no_crd.is_not_found());
    CHECK(no_crd.code() == ExitCode::failed);
    CHECK(no_crd.hint().find("snapshot.storage.k8s.io/v1 volumesnapshots") != std::string::npos);

    const auto long_body =
        make_api_error(reply(500, std::string(5000, 'x'), "text/plain"), pvc, "ns", "x", "get");
    CHECK(std::string(long_body.what()).size() < 300);
}

TEST_CASE("make_api_error keeps a server message with line breaks on one line") {
    http::Response response;
    response.status = 500;
    response.body = R"({"kind":"Status","status":"Failure","message":"line one\nline two\r\nthree",
        "reason":"InternalError","code":500,"details":{"causes":[{"message":"a\nb"}]}})";
    const auto error =
        make_api_error(response, resource_of("PersistentVolumeClaim"), "prod", "data", "get");
    CHECK(std::string(error.what()) ==
          R"(persistentvolumeclaims "data" in namespace "prod": get: line one line two three )"
          "(InternalError)");
    CHECK(error.details() == std::vector<std::string>{"a b"});
}
