#include "pxclone/exec/job_log.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/fake_transport.hpp"

using namespace pxclone;
using namespace pxclone::exec;
using http::Method;
using nlohmann::json;
using test::FakeTransport;

namespace {

const std::string k_failure =
    "job/orders-42-mask failed: BackoffLimitExceeded: Job has reached the specified backoff limit";

json pod(const std::string& name, const std::string& created) {
    return {{"metadata", {{"name", name}, {"creationTimestamp", created}}}};
}

} // namespace

TEST_CASE("with_log_tail: the non-empty last lines, joined, after the failure") {
    const LogTail tail{.pod = "orders-42-mask-x7k2p",
                       .text = "masking users\n\nMongoServerError: not primary\r\n",
                       .error = {}};
    CHECK(with_log_tail(k_failure, tail) ==
          k_failure +
              "; log of pod orders-42-mask-x7k2p: masking users | MongoServerError: not primary");
}

TEST_CASE("with_log_tail: secrets redacted, control characters gone, long logs cut from the "
          "front") {
    const LogTail secrets{.pod = "p",
                          .text = "uri mongodb://admin:pw-1@mongo:27017\npassword=pw-2\x1b[31m\n"
                                  "env value s3cr3t-value\n",
                          .error = {}};
    const auto message = with_log_tail(k_failure, secrets, {"s3cr3t-value"});
    CHECK(message.find("pw-1") == std::string::npos);
    CHECK(message.find("pw-2") == std::string::npos);
    CHECK(message.find("s3cr3t-value") == std::string::npos);
    CHECK(message.find('\x1b') == std::string::npos);
    CHECK(message.find("mongodb://<redacted>@mongo:27017") != std::string::npos);

    std::string text;
    for (int i = 0; i < 40; ++i) {
        text += "line " + std::to_string(i) + " of a long masking log\n";
    }
    const auto cut = with_log_tail(k_failure, {.pod = "p", .text = text, .error = {}});
    const auto log = cut.substr(cut.find("; log of pod p: ") + 16);
    CHECK(log.size() <= k_log_tail_bytes + 3);
    CHECK(log.starts_with("..."));
    CHECK(log.ends_with("line 39 of a long masking log"));
}

TEST_CASE("with_log_tail: an empty log, and one that could not be read") {
    CHECK(with_log_tail("job/j failed", {.pod = "p", .text = "\n", .error = {}}) ==
          "job/j failed; log of pod p: (empty)");
    CHECK(with_log_tail("job/j failed", {.pod = {}, .text = {}, .error = "job/j has no pod"}) ==
          "job/j failed; pod log unavailable: job/j has no pod");
}

TEST_CASE("read_job_log_tail: the newest pod of the Job by controller-uid, its container's tail") {
    FakeTransport transport;
    const k8s::Client kube(transport, "https://k8s.test");
    transport.expect(Method::get, "/apis/batch/v1/namespaces/stg/jobs/orders-42-mask")
        .reply(200, json{{"metadata", {{"name", "orders-42-mask"}, {"uid", "uid-1"}}}}.dump());
    transport
        .expect(Method::get, "/api/v1/namespaces/stg/pods?labelSelector=controller-uid%3Duid-1"
                             "&limit=500")
        .reply(200, json{{"metadata", {{"resourceVersion", "7"}}},
                         {"items",
                          {pod("orders-42-mask-new", "2026-11-27T10:00:05Z"),
                           pod("orders-42-mask-old", "2026-11-27T10:00:00Z")}}}
                        .dump());
    transport
        .expect(Method::get, "/api/v1/namespaces/stg/pods/orders-42-mask-new/log?container=mask"
                             "&tailLines=5&limitBytes=16384")
        .reply(200, "a\nb\n");
    const auto tail = read_job_log_tail(kube, "stg", "orders-42-mask", "mask");
    CHECK(tail.error.empty());
    CHECK(tail.pod == "orders-42-mask-new");
    CHECK(tail.text == "a\nb\n");
}

TEST_CASE("read_job_log_tail: a refused read or a missing Job is said, not thrown") {
    FakeTransport transport;
    const k8s::Client kube(transport, "https://k8s.test");
    transport.expect(Method::get, "/apis/batch/v1/namespaces/stg/jobs/j")
        .reply(200, json{{"metadata", {{"name", "j"}, {"uid", "u"}}}}.dump());
    transport
        .expect(Method::get, "/api/v1/namespaces/stg/pods?labelSelector=controller-uid%3Du"
                             "&limit=500")
        .reply(200, json{{"metadata", json::object()}, {"items", {pod("j-1", "")}}}.dump());
    transport
        .expect(Method::get, "/api/v1/namespaces/stg/pods/j-1/log?container=mask"
                             "&tailLines=5&limitBytes=16384")
        .reply(400, json{{"kind", "Status"},
                         {"status", "Failure"},
                         {"reason", "BadRequest"},
                         {"code", 400},
                         {"message", "container \"mask\" in pod \"j-1\" is waiting to start: "
                                     "ContainerCreating"}}
                        .dump());
    const auto refused = read_job_log_tail(kube, "stg", "j", "mask");
    CHECK(refused.pod == "j-1");
    CHECK(refused.text.empty());
    CHECK(refused.error.find("waiting to start") != std::string::npos);

    transport.expect(Method::get, "/apis/batch/v1/namespaces/stg/jobs/gone")
        .reply(404, json{{"kind", "Status"},
                         {"status", "Failure"},
                         {"reason", "NotFound"},
                         {"code", 404},
                         {"message", "jobs.batch \"gone\" not found"}}
                        .dump());
    CHECK(read_job_log_tail(kube, "stg", "gone", "mask").error == "job/gone is gone");
}

TEST_CASE("read_job_log_tail: a denied pods/log read is quoted whole, verb and resource included") {
    FakeTransport transport;
    const k8s::Client kube(transport, "https://k8s.test");
    const std::string pod_name = "orders-2026-11-27-build-1234-mask-job-xk2p9";
    const std::string ns = "orders-stg-2026-11-27-build-1234";
    transport.expect(Method::get, "/apis/batch/v1/namespaces/" + ns + "/jobs/j")
        .reply(200, json{{"metadata", {{"name", "j"}, {"uid", "u"}}}}.dump());
    transport
        .expect(Method::get,
                "/api/v1/namespaces/" + ns + "/pods?labelSelector=controller-uid%3Du&limit=500")
        .reply(200, json{{"metadata", json::object()}, {"items", {pod(pod_name, "")}}}.dump());
    // kube-apiserver's words (tests/sim/reference): the verb and resource come last.
    const std::string message = "pods \"" + pod_name +
                                "\" is forbidden: User \"system:serviceaccount:ci:pxclone\" "
                                "cannot get resource \"pods/log\" in API group \"\" in the "
                                "namespace \"" +
                                ns + "\"";
    transport
        .expect(Method::get, "/api/v1/namespaces/" + ns + "/pods/" + pod_name +
                                 "/log?container=mask&tailLines=5&limitBytes=16384")
        .reply(403, json{{"kind", "Status"},
                         {"status", "Failure"},
                         {"reason", "Forbidden"},
                         {"code", 403},
                         {"message", message}}
                        .dump());
    const auto denied = read_job_log_tail(kube, ns, "j", "mask");
    CHECK(denied.error == message);
    CHECK(with_log_tail(k_failure, denied)
              .ends_with("cannot get resource \"pods/log\" in API "
                         "group \"\" in the namespace \"" +
                         ns + "\""));
}
