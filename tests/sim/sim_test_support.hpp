// Helpers shared by pxsim's own tests (header-only; not part of pxsim_lib's interface).
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "server.hpp"

namespace pxsim::testing {

// Runs a request through the server in-process and parses the JSON reply. The path may carry a
// query (only %3D is decoded).
inline nlohmann::json call(Server& server, const std::string& method, const std::string& path,
                           const nlohmann::json& body = nullptr,
                           const std::string& content_type = "application/json",
                           int* status = nullptr) {
    SimRequest request;
    request.method = method;
    request.path = path.substr(0, path.find('?'));
    if (const auto mark = path.find('?'); mark != std::string::npos) {
        std::string query = path.substr(mark + 1);
        for (std::size_t at = 0; (at = query.find("%3D")) != std::string::npos;) {
            query.replace(at, 3, "\x01");
        }
        std::size_t start = 0;
        while (start <= query.size()) {
            const std::size_t end = std::min(query.find('&', start), query.size());
            const std::string item = query.substr(start, end - start);
            const auto eq = item.find('=');
            std::string value = eq == std::string::npos ? "" : item.substr(eq + 1);
            for (char& c : value) {
                c = c == '\x01' ? '=' : c;
            }
            request.query.emplace(item.substr(0, eq), value);
            start = end + 1;
        }
    }
    if (!body.is_null()) {
        request.body = body.is_string() ? body.get<std::string>() : body.dump();
        request.headers["content-type"] = content_type;
    }
    const SimReply reply = server.dispatch(request);
    if (status != nullptr) {
        *status = reply.status;
    }
    try {
        return nlohmann::json::parse(reply.body);
    } catch (const nlohmann::json::parse_error&) {
        return reply.body;
    }
}

// Waits until `done` holds, re-checking whenever the store changes (and at least every 200 ms
// for Portworx-side changes); false after `limit`.
inline bool await(Server& server, const std::function<bool()>& done,
                  std::chrono::seconds limit = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    std::uint64_t cursor = server.store().resource_version();
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        const auto result = server.store().wait_events(cursor, std::chrono::milliseconds(200));
        if (!result.events.empty()) {
            cursor = result.events.back().resource_version;
        }
    }
    return true;
}

} // namespace pxsim::testing
