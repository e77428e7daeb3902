// What the parts of pxsim's server (server.cpp, server_http.cpp, server_admin.cpp) share.
#pragma once

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <string>
#include <thread>

#include "k8s_util.hpp"
#include "sim_http.hpp"

namespace pxsim::srv {

// True for a Portworx request (under /v1, or the API server's service proxy path to the
// gateway, which is then cut off the path).
bool to_portworx(SimRequest& request);

inline std::string lower(std::string text) {
    for (char& c : text) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return text;
}

inline SimReply json_reply(int status, const Json& body) {
    SimReply reply;
    reply.status = status;
    reply.body = body.dump();
    return reply;
}

inline SimReply px_error(int status, int code, const std::string& message) {
    return json_reply(status, {{"error", message}, {"code", code}, {"message", message}});
}

inline void sleep_for(std::chrono::milliseconds delay, const std::atomic<bool>& stopping) {
    const auto until = std::chrono::steady_clock::now() + delay;
    while (!stopping && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
            until - std::chrono::steady_clock::now(), std::chrono::milliseconds(50)));
    }
}

} // namespace pxsim::srv
