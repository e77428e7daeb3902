// The fixture of PxApi's tests (test_px_*.cpp): a PxApi whose hooks are recorded and steerable,
// and checks of the gateway's reply shapes.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "px_api.hpp"

namespace pxsim::testing {

// What the tests name unqualified (they say `using namespace pxsim::testing`).
using nlohmann::json;
using pxsim::PxApi;
using pxsim::PxHooks;
using pxsim::PxOptions;
using pxsim::SimReply;
using pxsim::SimRequest;

// 2026-11-27T09:25:35.972788126Z, the ctime of the reference server's first volume.
inline std::chrono::system_clock::time_point reference_time() {
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::seconds(1795771535) + std::chrono::nanoseconds(972788126)));
}

// A PxApi whose hooks are recorded and steerable by the test.
struct Sim {
    std::set<std::string> attached;
    std::set<std::string> sources;
    std::vector<std::string> violations;
    std::vector<std::string> waits;
    std::mutex hooks_mutex; // the hooks run on the API's caller threads
    std::function<void(const std::string&)> on_wait = [](const std::string&) {
    };
    std::chrono::system_clock::time_point now = reference_time();
    // What the duration hook answers per operation ("backup", "cloud-restore"); absent: zero.
    std::map<std::string, std::chrono::milliseconds> durations;
    PxApi api;

    Sim() : api(hooks()) {}
    explicit Sim(PxOptions options) : api(hooks(), std::move(options)) {}

    PxHooks hooks() {
        PxHooks h;
        h.is_attached = [this](const std::string& id) {
            reenter();
            return attached.count(id) != 0;
        };
        h.is_source = [this](const std::string& id) {
            reenter();
            return sources.count(id) != 0;
        };
        h.violation = [this](const std::string& what) {
            reenter();
            std::lock_guard lock(hooks_mutex);
            violations.push_back(what);
        };
        h.wait = [this](const std::string& operation) {
            reenter();
            {
                std::lock_guard lock(hooks_mutex);
                waits.push_back(operation);
            }
            on_wait(operation);
        };
        h.now = [this] {
            reenter();
            return now;
        };
        h.duration = [this](const std::string& operation) {
            reenter();
            const auto found = durations.find(operation);
            return found == durations.end() ? std::chrono::milliseconds(0) : found->second;
        };
        return h;
    }

    // With reentrant set, every hook calls back into the API, as the Kubernetes side's hooks
    // may: a hook run under PxApi's mutex would deadlock the test.
    bool reentrant = false;
    void reenter() {
        if (reentrant) {
            hook_calls += api.dump().size() + 1;
        }
    }
    std::atomic<std::size_t> hook_calls{0};

    SimReply call(const std::string& method, const std::string& path, const std::string& body = "",
                  std::multimap<std::string, std::string> query = {}) {
        SimRequest request;
        request.method = method;
        request.path = path;
        request.body = body;
        request.query = std::move(query);
        return api.handle(request);
    }

    json call_json(const std::string& method, const std::string& path, const std::string& body = "",
                   std::multimap<std::string, std::string> query = {}) {
        const SimReply reply = call(method, path, body, std::move(query));
        REQUIRE_MESSAGE(reply.status == 200, reply.body);
        return json::parse(reply.body);
    }

    std::string create(const std::string& name, const std::string& labels = "{}",
                       const std::string& size = "1073741824") {
        return call_json("POST", "/v1/volumes",
                         R"({"name":")" + name + R"(","spec":{"size":")" + size +
                             R"(","ha_level":"1","format":"FS_TYPE_EXT4","cos":"HIGH"},"labels":)" +
                             labels + "}")
            .at("volume_id")
            .get<std::string>();
    }

    std::string snapshot(const std::string& volume_id, const std::string& name,
                         const std::string& labels = "{}") {
        return call_json("POST", "/v1/volumes/snapshots",
                         R"({"volume_id":")" + volume_id + R"(","name":")" + name +
                             R"(","labels":)" + labels + "}")
            .at("snapshot_id")
            .get<std::string>();
    }

    std::string clone(const std::string& parent_id, const std::string& name,
                      const std::string& labels = "{}") {
        return call_json("POST", "/v1/volumes/clone",
                         R"({"name":")" + name + R"(","parent_id":")" + parent_id +
                             R"(","additional_labels":)" + labels + "}")
            .at("volume_id")
            .get<std::string>();
    }

    json inspect(const std::string& id) { return call_json("GET", "/v1/volumes/inspect/" + id); }
};

// The gateway's error body, exactly as recorded: error, code, message and nothing else.
inline void check_error(const SimReply& reply, int status, int code, const std::string& message) {
    CHECK(reply.status == status);
    CHECK(reply.content_type == "application/json");
    CHECK(json::parse(reply.body) ==
          json{{"error", message}, {"code", code}, {"message", message}});
}

inline std::vector<std::string> ids_of(const json& reply, const std::string& key) {
    if (!reply.contains(key)) {
        return {};
    }
    return reply.at(key).get<std::vector<std::string>>();
}

inline const std::regex
    k_uuid("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");

} // namespace pxsim::testing
