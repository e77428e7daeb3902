// The request and reply shapes pxsim's API modules work on, independent of the HTTP server library,
// so that each module (Kubernetes, Portworx) is a plain function from request to reply.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace pxsim {

struct SimRequest {
    std::string method;                            // "GET", "POST", ...
    std::string path;                              // decoded path, no query; for the Portworx API
                                                   // always the gateway form "/v1/..."
    std::multimap<std::string, std::string> query; // decoded query parameters
    std::map<std::string, std::string> headers;    // lower-case names
    std::string body;
    // An injected outcome of the asynchronous operation this request starts (a cloud backup or
    // restore: "backup-fail", "backup-slow", "backup-stuck"; faults.hpp), drawn by the server.
    std::string op_fault;
};

struct SimReply {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers; // extra headers (Retry-After, ...)
};

} // namespace pxsim
