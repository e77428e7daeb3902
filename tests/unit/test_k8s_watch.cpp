#include "pxclone/k8s/watch.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/fake_clock.hpp"
#include "support/fake_transport.hpp"

using namespace pxclone;
using namespace pxclone::k8s;
using namespace std::chrono_literals;
using http::Method;
using nlohmann::json;
using test::FakeClock;
using test::FakeSleeper;
using test::FakeTransport;

namespace {

const Resource& k_pvcs = resource_of("PersistentVolumeClaim");

json pvc(const std::string& name, const std::string& rv, const std::string& phase) {
    return {{"apiVersion", "v1"},
            {"kind", "PersistentVolumeClaim"},
            {"metadata", {{"name", name}, {"namespace", "pxdemo"}, {"resourceVersion", rv}}},
            {"status", {{"phase", phase}}}};
}

std::string event_line(const std::string& type, const json& object) {
    return json{{"type", type}, {"object", object}}.dump() + "\n";
}

std::string bookmark_line(const std::string& rv) {
    return event_line("BOOKMARK", {{"kind", "PersistentVolumeClaim"},
                                   {"apiVersion", "v1"},
                                   {"metadata", {{"resourceVersion", rv}}}});
}

json pvc_list(const std::string& rv, std::vector<json> items) {
    for (auto& item : items) {
        // List items carry no apiVersion/kind.
        item.erase("apiVersion");
        item.erase("kind");
    }
    return {{"apiVersion", "v1"},
            {"kind", "PersistentVolumeClaimList"},
            {"metadata", {{"resourceVersion", rv}}},
            {"items", items}};
}

const std::string k_collection = "/api/v1/namespaces/pxdemo/persistentvolumeclaims";

std::string watch_url(const std::string& rv, int seconds, const std::string& selector = {}) {
    auto url = k_collection + "?watch=1&allowWatchBookmarks=true";
    if (!selector.empty()) {
        url += "&fieldSelector=" + selector;
    }
    if (!rv.empty()) {
        url += "&resourceVersion=" + rv;
    }
    return url + "&timeoutSeconds=" + std::to_string(seconds);
}

// Splits text into pieces of `size` bytes: events then straddle chunk boundaries.
std::vector<std::string> pieces(const std::string& text, std::size_t size) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < text.size(); i += size) {
        out.push_back(text.substr(i, size));
    }
    return out;
}

// Handlers that take every list and count the events in `events`.
WatchHandlers counting(int& events) {
    WatchHandlers handlers;
    handlers.on_list = [](const ObjectList&) {
        return true;
    };
    handlers.on_event = [&events](const WatchEvent&) {
        ++events;
        return true;
    };
    return handlers;
}

} // namespace

TEST_CASE("LineSplitter joins lines across chunk boundaries") {
    LineSplitter splitter;
    std::vector<std::string> lines;
    const auto collect = [&](std::string_view line) {
        lines.emplace_back(line);
        return true;
    };
    CHECK(splitter.feed(R"({"a":)", collect));
    CHECK(lines.empty());
    CHECK(splitter.has_partial());
    CHECK(splitter.feed("1}\n{\"b\":2}\r\n\n{\"c\"", collect));
    CHECK(lines == std::vector<std::string>{R"({"a":1})", R"({"b":2})"});
    CHECK(splitter.feed(":3}\n", collect));
    CHECK(lines.size() == 3);
    CHECK_FALSE(splitter.has_partial());

    // A handler that stops drops the rest.
    CHECK_FALSE(splitter.feed("x\ny\n", [](std::string_view) { return false; }));
    CHECK_FALSE(splitter.has_partial());
}

TEST_CASE("LineSplitter refuses a line longer than its limit, finished or not") {
    const auto collect_into = [](std::vector<std::string>& lines) {
        return [&lines](std::string_view line) {
            lines.emplace_back(line);
            return true;
        };
    };
    SUBCASE("a line of exactly the limit passes, with or without \\r") {
        LineSplitter splitter(4);
        std::vector<std::string> lines;
        CHECK(splitter.feed("abcd\nef", collect_into(lines)));
        CHECK(splitter.feed("gh\r", collect_into(lines)));
        CHECK(splitter.feed("\n", collect_into(lines)));
        CHECK(lines == std::vector<std::string>{"abcd", "efgh"});
        CHECK_FALSE(splitter.overflowed());
    }
    SUBCASE("an unfinished line over the limit ends the feed and keeps nothing") {
        LineSplitter splitter(4);
        std::vector<std::string> lines;
        CHECK(splitter.feed("ok\nabc", collect_into(lines)));
        CHECK_FALSE(splitter.feed("de", collect_into(lines)));
        CHECK(splitter.overflowed());
        CHECK_FALSE(splitter.has_partial());
        CHECK(lines == std::vector<std::string>{"ok"});
    }
    SUBCASE("a finished line over the limit in one chunk: the lines before it still count") {
        LineSplitter splitter(4);
        std::vector<std::string> lines;
        CHECK_FALSE(splitter.feed("ab\nabcde\nxy\n", collect_into(lines)));
        CHECK(splitter.overflowed());
        CHECK(lines == std::vector<std::string>{"ab"});
    }
}

TEST_CASE("parse_watch_event reads the five event types and rejects the rest") {
    const auto added = parse_watch_event(event_line("ADDED", pvc("a", "449", "Pending")));
    REQUIRE(added);
    CHECK(added->type == WatchEventType::added);
    CHECK(added->object["metadata"]["name"] == "a");
    CHECK(parse_watch_event(R"({"type":"MODIFIED","object":{}})")->type ==
          WatchEventType::modified);
    CHECK(parse_watch_event(R"({"type":"DELETED","object":{}})")->type == WatchEventType::deleted);
    CHECK(parse_watch_event(R"({"type":"BOOKMARK","object":{}})")->type ==
          WatchEventType::bookmark);
    CHECK(parse_watch_event(R"({"type":"ERROR","object":{"kind":"Status"}})")->type ==
          WatchEventType::error);
    CHECK_FALSE(parse_watch_event(R"({"type":"SYNC","object":{}})"));
    CHECK_FALSE(parse_watch_event(R"({"type":"ADDED"})"));
    CHECK_FALSE(parse_watch_event("<html>"));
    CHECK_FALSE(parse_watch_event(R"({"type":"ADDED","object":{)"));
}

TEST_CASE("list_and_watch: events across chunks, reconnect from the last rv, bookmarks move it") {
    FakeTransport fake;
    FakeClock clock;
    FakeSleeper sleeper(clock);
    const Client client(fake, "https://k8s.test");

    fake.expect(Method::get, k_collection + "?limit=500").reply(200, pvc_list("448", {}));
    // First stream: two events cut into 7-byte chunks, then the server closes (timeoutSeconds).
    fake.expect(Method::get, watch_url("448", 60))
        .reply(200)
        .chunks(pieces(event_line("ADDED", pvc("watched", "449", "Pending")) +
                           event_line("MODIFIED", pvc("watched", "451", "Pending")),
                       7));
    // Second stream resumes at 451; a bookmark moves it to 460; then the connection breaks.
    fake.expect(Method::get, watch_url("451", 60))
        .reply(200)
        .chunks({bookmark_line("460")})
        .fail(http::TransportError::Kind::reset, "connection reset by peer");
    // Third stream resumes at the bookmark's 460.
    fake.expect(Method::get, watch_url("460", 60))
        .reply(200)
        .chunks({event_line("DELETED", pvc("watched", "461", "Pending"))});

    std::vector<std::string> seen;
    WatchHandlers handlers;
    handlers.on_list = [&](const ObjectList& list) {
        seen.push_back("list@" + list.resource_version);
        return true;
    };
    handlers.on_event = [&](const WatchEvent& event) {
        seen.push_back(event.object["metadata"]["resourceVersion"].get<std::string>());
        return event.type != WatchEventType::deleted;
    };
    const auto end =
        list_and_watch(client, k_pvcs, "pxdemo", {}, handlers, clock, sleeper, clock.now() + 60s);
    CHECK(end == WatchEnd::stopped);
    CHECK(seen == std::vector<std::string>{"list@448", "449", "451", "461"});
    // Only the broken stream was followed by a pause.
    CHECK(sleeper.waits() == std::vector<std::chrono::milliseconds>{500ms});
    const auto requests = fake.requests();
    REQUIRE(requests.size() == 4);
    CHECK(requests[1].idempotent);
    CHECK(requests[1].timeout == 90s);
}

TEST_CASE("list_and_watch lists again after 410 Gone and after an ERROR event with code 410") {
    FakeTransport fake;
    FakeClock clock;
    FakeSleeper sleeper(clock);
    const Client client(fake, "https://k8s.test");
    const json expired = {{"kind", "Status"},    {"apiVersion", "v1"},
                          {"status", "Failure"}, {"message", "too old resource version: 448 (470)"},
                          {"reason", "Expired"}, {"code", 410}};

    fake.expect(Method::get, k_collection + "?limit=500").reply(200, pvc_list("448", {}));
    fake.expect(Method::get, watch_url("448", 60)).reply(410, expired);
    fake.expect(Method::get, k_collection + "?limit=500")
        .reply(200, pvc_list("470", {pvc("a", "465", "Pending")}));
    fake.expect(Method::get, watch_url("470", 60))
        .reply(200)
        .chunks({event_line("ERROR", expired)});
    fake.expect(Method::get, k_collection + "?limit=500")
        .reply(200, pvc_list("480", {pvc("a", "475", "Bound")}));
    fake.expect(Method::get, watch_url("480", 60))
        .reply(200)
        .chunks({event_line("MODIFIED", pvc("a", "481", "Bound"))});

    std::vector<std::string> lists;
    WatchHandlers handlers;
    handlers.on_list = [&](const ObjectList& list) {
        lists.push_back(list.resource_version);
        return true;
    };
    handlers.on_event = [](const WatchEvent&) {
        return false;
    };
    CHECK(list_and_watch(client, k_pvcs, "pxdemo", {}, handlers, clock, sleeper,
                         clock.now() + 60s) == WatchEnd::stopped);
    CHECK(lists == std::vector<std::string>{"448", "470", "480"});
    CHECK(sleeper.waits().empty());
}

TEST_CASE("list_and_watch throws other ERROR events and error replies as ApiError") {
    FakeTransport fake;
    FakeClock clock;
    FakeSleeper sleeper(clock);
    const Client client(fake, "https://k8s.test");
    int events = 0;
    const auto handlers = counting(events);

    SUBCASE("ERROR event") {
        fake.expect(Method::get, k_collection + "?limit=500").reply(200, pvc_list("1", {}));
        fake.expect(Method::get, watch_url("1", 60))
            .reply(200)
            .chunks({event_line("ERROR", {{"kind", "Status"},
                                          {"code", 500},
                                          {"reason", "InternalError"},
                                          {"message", "etcd is unhappy"}})});
        CHECK_THROWS_WITH_AS(
            list_and_watch(client, k_pvcs, "pxdemo", {}, handlers, clock, sleeper,
                           clock.now() + 60s),
            R"(persistentvolumeclaims in namespace "pxdemo": watch: etcd is unhappy (InternalError))",
            ApiError);
    }
    SUBCASE("403 reply") {
        fake.expect(Method::get, k_collection + "?limit=500").reply(200, pvc_list("1", {}));
        fake.expect(Method::get, watch_url("1", 60))
            .reply(403, json{{"kind", "Status"},
                             {"code", 403},
                             {"reason", "Forbidden"},
                             {"message", "cannot watch"}});
        CHECK_THROWS_AS(list_and_watch(client, k_pvcs, "pxdemo", {}, handlers, clock, sleeper,
                                       clock.now() + 60s),
                        ApiError);
    }
}

TEST_CASE("wait_for reports progress and returns the object once ready") {
    FakeTransport fake;
    FakeClock clock;
    FakeSleeper sleeper(clock);
    const Client client(fake, "https://k8s.test");
    const auto selector = std::string("metadata.name%3Ddata");

    fake.expect(Method::get, k_collection + "?fieldSelector=" + selector + "&limit=500")
        .reply(200, pvc_list("500", {pvc("data", "499", "Pending")}));
    fake.expect(Method::get, watch_url("500", 120, selector))
        .reply(200)
        .chunks(pieces(event_line("MODIFIED", pvc("data", "501", "Pending")) +
                           event_line("MODIFIED", pvc("data", "502", "Bound")),
                       13));

    std::vector<std::string> progress;
    WaitOptions options;
    options.timeout = 2min;
    options.on_progress = [&](const std::string& text) {
        progress.push_back(text);
    };
    const auto object = wait_for(client, k_pvcs, "pxdemo", "data",
                                 when_present(pvc_readiness, "pvc/data"), options, clock, sleeper);
    REQUIRE(object);
    CHECK((*object)["metadata"]["resourceVersion"] == "502");
    CHECK(progress == std::vector<std::string>{"persistentvolumeclaim/data Pending",
                                               "persistentvolumeclaim/data Bound"});
}

TEST_CASE("wait_for an absent object to appear, and for a deletion") {
    FakeTransport fake;
    FakeClock clock;
    FakeSleeper sleeper(clock);
    const Client client(fake, "https://k8s.test");
    const auto selector = std::string("metadata.name%3Ddata");
    const auto list_url = k_collection + "?fieldSelector=" + selector + "&limit=500";

    fake.expect(Method::get, list_url).reply(200, pvc_list("10", {}));
    fake.expect(Method::get, watch_url("10", 60, selector))
        .reply(200)
        .chunks({event_line("ADDED", pvc("data", "11", "Bound"))});
    fake.expect(Method::get, list_url).reply(200, pvc_list("20", {pvc("data", "11", "Bound")}));
    fake.expect(Method::get, watch_url("20", 60, selector))
        .reply(200)
        .chunks({event_line("DELETED", pvc("data", "21", "Bound"))});

    WaitOptions options;
    options.timeout = 1min;
    std::vector<std::string> progress;
    options.on_progress = [&](const std::string& text) {
        progress.push_back(text);
    };
    CHECK(wait_for(client, k_pvcs, "pxdemo", "data",
                   when_present(pvc_readiness, "persistentvolumeclaim/data"), options, clock,
                   sleeper));
    CHECK(progress.front() == "persistentvolumeclaim/data does not exist yet");
    CHECK_FALSE(wait_for(client, k_pvcs, "pxdemo", "data", deleted("persistentvolumeclaim/data"),
                         options, clock, sleeper));
}

TEST_CASE("wait_for gives up at the timeout with the last state, conditions and events") {
    FakeTransport fake;
    FakeClock clock;
    FakeSleeper sleeper(clock);
    const Client client(fake, "https://k8s.test");
    const auto& deployments = resource_of("Deployment");
    const auto collection = std::string("/apis/apps/v1/namespaces/pxdemo/deployments");
    const auto selector = std::string("metadata.name%3Ddb");
    const auto deployment = json::parse(R"({"metadata": {"name": "db", "generation": 1,
        "resourceVersion": "227"}, "spec": {"replicas": 1},
        "status": {"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1,
          "unavailableReplicas": 1, "conditions": [
          {"message": "Deployment does not have minimum availability.",
           "reason": "MinimumReplicasUnavailable", "status": "False", "type": "Available"}]}})");

    fake.expect(Method::get, collection + "?fieldSelector=" + selector + "&limit=500")
        .reply(200, json{{"kind", "DeploymentList"},
                         {"metadata", {{"resourceVersion", "230"}}},
                         {"items", {deployment}}});
    // The server keeps the stream open for its full timeoutSeconds and sends nothing.
    fake.expect(Method::get, collection + "?watch=1&allowWatchBookmarks=true&fieldSelector=" +
                                 selector + "&resourceVersion=230&timeoutSeconds=90")
        .reply(200)
        .then([&] { clock.advance(60s); });
    // 500ms pause, then a stream for the remaining 29.5s (rounded up to 30).
    fake.expect(Method::get, collection + "?watch=1&allowWatchBookmarks=true&fieldSelector=" +
                                 selector + "&resourceVersion=230&timeoutSeconds=30")
        .reply(200)
        .then([&] { clock.advance(30s); });
    fake.expect(Method::get, "/api/v1/namespaces/pxdemo/events?fieldSelector=involvedObject.name%"
                             "3Ddb%2CinvolvedObject.kind%3DDeployment&limit=500")
        .reply(200, json::parse(R"({"kind": "EventList", "metadata": {"resourceVersion": "231"},
            "items": [
              {"type": "Normal", "reason": "ScalingReplicaSet", "message": "Scaled up",
               "lastTimestamp": "2026-11-27T09:12:17Z"},
              {"type": "Warning", "reason": "FailedCreate", "message": "quota exceeded",
               "lastTimestamp": "2026-11-27T09:12:18Z"}]})"));

    WaitOptions options;
    options.timeout = 90s;
    try {
        wait_for(client, deployments, "pxdemo", "db", when_present(deployment_readiness, "x"),
                 options, clock, sleeper);
        FAIL("expected a timeout");
    } catch (const Error& error) {
        CHECK(error.code() == ExitCode::timed_out);
        CHECK(std::string(error.what()) ==
              "timed out after 1m30s waiting for deployment/db: deployment/db 0/1 available");
        CHECK(error.hint() == "see `kubectl -n pxdemo describe deployment/db`");
        CHECK(error.details() ==
              std::vector<std::string>{"condition Available=False (MinimumReplicasUnavailable): "
                                       "Deployment does not have minimum availability.",
                                       "event FailedCreate: quota exceeded"});
    }
    CHECK(sleeper.waits() == std::vector<std::chrono::milliseconds>{500ms});
}

TEST_CASE("wait_for stops at a failure without waiting for the timeout") {
    FakeTransport fake;
    FakeClock clock;
    FakeSleeper sleeper(clock);
    const Client client(fake, "https://k8s.test");
    const auto& jobs = resource_of("Job");
    const auto collection = std::string("/apis/batch/v1/namespaces/ci/jobs");
    fake.expect(Method::get, collection + "?fieldSelector=metadata.name%3Dmigrate&limit=500")
        .reply(200, json::parse(R"({"metadata": {"resourceVersion": "5"}, "items": [
            {"metadata": {"name": "migrate"}, "status": {"failed": 7, "conditions": [
              {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
               "message": "Job has reached the specified backoff limit"}]}}]})"));
    fake.expect(Method::get, "/api/v1/namespaces/ci/events?fieldSelector=involvedObject.name%"
                             "3Dmigrate%2CinvolvedObject.kind%3DJob&limit=500")
        .reply(403, json{{"kind", "Status"}, {"code", 403}, {"reason", "Forbidden"}});
    WaitOptions options;
    options.timeout = 10min;
    try {
        wait_for(client, jobs, "ci", "migrate", when_present(job_readiness, "job/migrate"), options,
                 clock, sleeper);
        FAIL("expected a failure");
    } catch (const Error& error) {
        CHECK(error.code() == ExitCode::failed);
        CHECK(std::string(error.what()) == "job/migrate failed: BackoffLimitExceeded: Job has "
                                           "reached the specified backoff limit");
        REQUIRE(error.details().size() == 1);
        CHECK(error.details()[0].find("condition Failed=True") == 0);
    }
}

TEST_CASE("wait_for ends with InterruptedError when cancelled between events") {
    FakeTransport fake;
    FakeClock clock;
    FakeSleeper sleeper(clock);
    const Client client(fake, "https://k8s.test");
    const auto selector = std::string("metadata.name%3Ddata");
    bool stop = false;
    fake.expect(Method::get, k_collection + "?fieldSelector=" + selector + "&limit=500")
        .reply(200, pvc_list("500", {pvc("data", "499", "Pending")}));
    fake.expect(Method::get, watch_url("500", 60, selector))
        .reply(200)
        .chunks({event_line("MODIFIED", pvc("data", "501", "Pending")),
                 event_line("MODIFIED", pvc("data", "502", "Bound"))})
        .then([&] { stop = true; });
    WaitOptions options;
    options.timeout = 1min;
    options.watch.cancelled = [&] {
        return stop;
    };
    try {
        wait_for(client, k_pvcs, "pxdemo", "data",
                 when_present(pvc_readiness, "persistentvolumeclaim/data"), options, clock,
                 sleeper);
        FAIL("expected an InterruptedError");
    } catch (const InterruptedError& error) {
        CHECK(error.code() == ExitCode::interrupted);
        CHECK(std::string(error.what()) ==
              "interrupted while waiting for persistentvolumeclaim/data");
    }
}

TEST_CASE("a handler's exception is not thrown through the transport, and an abort reported as a "
          "transport error keeps what was decided") {
    FakeTransport fake;
    FakeClock clock;
    FakeSleeper sleeper(clock);
    const Client client(fake, "https://k8s.test");
    fake.expect(Method::get, k_collection + "?limit=500").reply(200, pvc_list("1", {}));
    // Like libcurl after a write callback refused data: the stream ends with an error.
    fake.expect(Method::get, watch_url("1", 60))
        .reply(200)
        .chunks({event_line("ADDED", pvc("a", "2", "Pending")), "never read\n"})
        .fail(http::TransportError::Kind::other, "Failed writing received data");
    fake.expect(Method::get, k_collection + "?limit=500").reply(200, pvc_list("1", {}));
    fake.expect(Method::get, watch_url("1", 60))
        .reply(200)
        .chunks({event_line("ADDED", pvc("a", "2", "Pending"))})
        .fail(http::TransportError::Kind::other, "Failed writing received data");

    WatchHandlers handlers;
    handlers.on_list = [](const ObjectList&) {
        return true;
    };
    int calls = 0;
    handlers.on_event = [&](const WatchEvent&) {
        ++calls;
        return false;
    };
    CHECK(list_and_watch(client, k_pvcs, "pxdemo", {}, handlers, clock, sleeper,
                         clock.now() + 60s) == WatchEnd::stopped);
    CHECK(calls == 1);

    handlers.on_event = [](const WatchEvent&) -> bool {
        throw std::runtime_error("handler");
    };
    CHECK_THROWS_WITH_AS(
        list_and_watch(client, k_pvcs, "pxdemo", {}, handlers, clock, sleeper, clock.now() + 60s),
        "handler", std::runtime_error);
}

TEST_CASE("SetReadiness: ready once each is, failure stops, other objects ignored") {
    std::vector<std::string> progress;
    std::vector<std::string> ready;
    SetReadiness set(
        {"data-0", "data-1", "data-2", "data-0"},
        [](const std::string& name) {
            return when_present(pvc_readiness, "persistentvolumeclaim/" + name);
        },
        [&](const std::string& name, const std::string& text) {
            progress.push_back(name + ": " + text);
        },
        [&](const std::string& name) { ready.push_back(name); });
    CHECK(set.size() == 3);
    CHECK_FALSE(set.done());

    set.observe_list(
        {pvc("data-0", "5", "Bound"), pvc("data-1", "6", "Pending"), pvc("other", "7", "Pending")});
    CHECK(set.pending() == std::vector<std::string>{"data-1", "data-2"});
    CHECK(ready == std::vector<std::string>{"data-0"});
    CHECK(set.text("data-2") == "persistentvolumeclaim/data-2 does not exist yet");
    CHECK(set.current("data-2") == nullptr);

    set.observe_event({WatchEventType::modified, pvc("other", "8", "Bound")});
    set.observe_event({WatchEventType::added, pvc("data-2", "9", "Bound")});
    // Ready stays ready: a later state of data-0 is not judged again.
    set.observe_event({WatchEventType::modified, pvc("data-0", "10", "Lost")});
    CHECK_FALSE(set.done());
    CHECK_FALSE(set.failed());
    set.observe_event({WatchEventType::modified, pvc("data-1", "11", "Bound")});
    CHECK(set.done());
    CHECK(set.pending().empty());
    CHECK(ready == std::vector<std::string>{"data-0", "data-2", "data-1"});
    CHECK((*set.object("data-1"))["metadata"]["resourceVersion"] == "11");
    CHECK(progress.front() == "data-0: persistentvolumeclaim/data-0 Bound");

    SetReadiness failing({"a", "b"}, [](const std::string& name) {
        return when_present(pvc_readiness, "persistentvolumeclaim/" + name);
    });
    failing.observe_list({pvc("a", "1", "Lost"), pvc("b", "2", "Pending")});
    CHECK(failing.done());
    REQUIRE(failing.failed());
    CHECK(*failing.failed() == "a");
    CHECK(failing.pending() == std::vector<std::string>{"a", "b"});
}

namespace {

// What the wait_for_all cases share: a fake API server, a clock its sleeper advances, and a wait
// for the PVCs data-0, data-1 and data-2 of pxdemo to be Bound.
struct PvcSetWait {
    FakeTransport fake;
    FakeClock clock;
    FakeSleeper sleeper{clock};
    const Client client{fake, "https://k8s.test"};

    std::map<std::string, std::optional<json>> wait(const SetWaitOptions& options) {
        return wait_for_all(
            client, k_pvcs, "pxdemo", {"data-0", "data-1", "data-2"},
            [](const std::string& name) {
                return when_present(pvc_readiness, "persistentvolumeclaim/" + name);
            },
            options, clock, sleeper);
    }
};

} // namespace

TEST_CASE_FIXTURE(PvcSetWait,
                  "wait_for_all: one list and one watch of the namespace for every object") {
    fake.expect(Method::get, k_collection + "?limit=500")
        .reply(200, pvc_list("40", {pvc("data-0", "31", "Pending"), pvc("data-1", "32", "Bound"),
                                    pvc("unrelated", "33", "Pending")}));
    fake.expect(Method::get, watch_url("40", 120))
        .reply(200)
        .chunks(pieces(event_line("ADDED", pvc("data-2", "41", "Pending")) +
                           event_line("MODIFIED", pvc("unrelated", "42", "Bound")) +
                           event_line("MODIFIED", pvc("data-0", "43", "Bound")) +
                           event_line("MODIFIED", pvc("data-2", "44", "Bound")),
                       17));

    SetWaitOptions options;
    options.timeout = 2min;
    std::vector<std::string> ready;
    options.on_ready = [&](const std::string& name) {
        ready.push_back(name);
    };
    const auto objects = wait(options);
    CHECK(fake.remaining() == 0);
    REQUIRE(objects.size() == 3);
    CHECK((*objects.at("data-2"))["metadata"]["resourceVersion"] == "44");
    CHECK(ready == std::vector<std::string>{"data-1", "data-0", "data-2"});
}

TEST_CASE_FIXTURE(PvcSetWait, "wait_for_all names what is still pending at the timeout") {
    fake.expect(Method::get, k_collection + "?limit=500")
        .reply(200, pvc_list("40", {pvc("data-0", "31", "Pending"), pvc("data-1", "32", "Bound")}));
    fake.expect(Method::get, watch_url("40", 30)).reply(200).then([&] { clock.advance(30s); });
    fake.expect(Method::get, "/api/v1/namespaces/pxdemo/events?fieldSelector=involvedObject.name%"
                             "3Ddata-0%2CinvolvedObject.kind%3DPersistentVolumeClaim&limit=500")
        .reply(200, json{{"kind", "EventList"},
                         {"metadata", {{"resourceVersion", "41"}}},
                         {"items", json::array()}});

    SetWaitOptions options;
    options.timeout = 30s;
    try {
        wait(options);
        FAIL("expected a timeout");
    } catch (const Error& error) {
        CHECK(error.code() == ExitCode::timed_out);
        CHECK(std::string(error.what()) ==
              "timed out after 30s waiting for 2 of 3 persistentvolumeclaims in pxdemo: "
              "persistentvolumeclaim/data-0 Pending");
        CHECK(error.details() ==
              std::vector<std::string>{"persistentvolumeclaim/data-0 Pending",
                                       "persistentvolumeclaim/data-2 does not exist yet"});
    }
}

TEST_CASE("list_and_watch refuses an event longer than max_event_bytes with the watch and the "
          "limit named") {
    FakeTransport fake;
    FakeClock clock;
    FakeSleeper sleeper(clock);
    const Client client(fake, "https://k8s.test");
    int events = 0;
    const auto handlers = counting(events);
    WatchOptions options;
    options.max_event_bytes = 1024;
    const auto huge = R"({"type":"ADDED","object":{"pad":")" + std::string(2000, 'a') + "\"}}\n";
    fake.expect(Method::get, k_collection + "?limit=500").reply(200, pvc_list("1", {}));
    fake.expect(Method::get, watch_url("1", 60))
        .reply(200)
        .chunks(pieces(event_line("ADDED", pvc("a", "2", "Pending")) + huge, 100));
    try {
        list_and_watch(client, k_pvcs, "pxdemo", options, handlers, clock, sleeper,
                       clock.now() + 60s);
        FAIL("expected an Error");
    } catch (const ApiError&) {
        FAIL("not an API error");
    } catch (const Error& error) {
        CHECK(error.code() == ExitCode::failed);
        CHECK(std::string(error.what()) ==
              R"(persistentvolumeclaims in namespace "pxdemo": watch: an event is larger than 1 )"
              "KiB, the most pxclone reads of one watch event (GET https://k8s.test" +
                  watch_url("1", 60) + ")");
    }
    CHECK(events == 1);
}
