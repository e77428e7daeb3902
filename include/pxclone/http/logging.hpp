// Request logging for -v/-vv/-vvv, and the --record file. Both sit outside the retrying
// decorator, so one logical request is one line / one record with its retry count.
#pragma once

#include "pxclone/http/transport.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace pxclone::http {

// A shared, thread-safe line writer over an injected stream (stderr in the binary). Every line
// written by any decorator or warning goes through one sink so lines never interleave.
class LogSink {
public:
    explicit LogSink(std::ostream& out) : m_out(out) {}
    // Writes `line` and a newline atomically with respect to other writers.
    void write(std::string_view line);

private:
    std::ostream& m_out;
    std::mutex m_mutex;
};

// The path and query of a URL ("/api/v1/pods?limit=5"), or the URL itself when it has none.
std::string url_path(std::string_view url);

// Logs each request after it completes:
//   1: `k8s GET /api/v1/namespaces/prod/persistentvolumeclaims 200 12ms` (+ ` retries=2`)
//      or `k8s GET /api/v1/... error: <what>` when no answer came;
//   2: also the request headers (`> Name: value`) and response headers (`< Name: value`);
//   3: also the bodies (`> {...}`, `< {...}`), streamed chunks as they arrive.
// Everything is redacted where the line is built (redact.hpp). Verbosity 0 logs nothing.
class LoggingTransport final : public Transport {
public:
    LoggingTransport(std::shared_ptr<Transport> inner, std::shared_ptr<LogSink> sink,
                     int verbosity);

    Response send(const Request& request) override;
    Response stream(const Request& request, const ChunkHandler& on_chunk) override;

private:
    void log_request(const Request& request) const;
    void log_result(const Request& request, const Response& response,
                    std::chrono::steady_clock::duration took) const;
    void log_error(const Request& request, const std::exception& error,
                   std::chrono::steady_clock::duration took) const;

    std::shared_ptr<Transport> m_inner;
    std::shared_ptr<LogSink> m_sink;
    int m_verbosity;
};

// One request as the --record file shows it.
struct RequestRecord {
    std::string api;    // "k8s" or "px"
    std::string method; // "GET", ...
    std::string path;   // redacted path and query
    int status = 0;     // 0 when no answer came
    std::string error;  // the TransportError message when no answer came
    std::chrono::milliseconds duration{0};
    int retries = 0;
};

// The JSON record of a run (`--record FILE`): every request in completion order and the
// command's result. Thread-safe.
class RunRecord {
public:
    void add(RequestRecord record);
    // The command's result as printed with -o json (the caller redacts nothing: results hold
    // no secrets by construction).
    void set_result(nlohmann::json result);
    std::vector<RequestRecord> requests() const;
    // {"requests": [{"api","method","path","status","durationMs","retries"[,"error"]}],
    //  "result": ...}
    nlohmann::json to_json() const;
    // Writes to_json() to `path`, created or truncated with mode 0600 (the record may name
    // internal hosts and paths). Throws pxclone::Error (exit 1) naming the file on failure.
    void write_file(const std::string& path) const;

private:
    mutable std::mutex m_mutex;
    std::vector<RequestRecord> m_requests;
    nlohmann::json m_result;
};

// Adds a RequestRecord to `record` for every request that passes through.
class RecordingTransport final : public Transport {
public:
    RecordingTransport(std::shared_ptr<Transport> inner, std::shared_ptr<RunRecord> record);

    Response send(const Request& request) override;
    Response stream(const Request& request, const ChunkHandler& on_chunk) override;

private:
    template <typename Call>
    Response recorded(const Request& request, Call&& call);

    std::shared_ptr<Transport> m_inner;
    std::shared_ptr<RunRecord> m_record;
};

} // namespace pxclone::http
