// libFuzzer target: what pxclone makes of Kubernetes API server replies — Status bodies, error
// replies of any status, object and list bodies, and watch streams cut into arbitrary chunks. The
// decoders never throw; the client and the watch may refuse a reply only with a pxclone::Error
// whose message is one line. Anything else (another exception, a crash, a sanitizer report) is a
// finding.
#include "pxclone/http/transport.hpp"
#include "pxclone/k8s/client.hpp"
#include "pxclone/k8s/resource.hpp"
#include "pxclone/k8s/status.hpp"
#include "pxclone/k8s/watch.hpp"
#include "pxclone/util/clock.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"

namespace {

using namespace pxclone;
using fuzz::check_error;
using fuzz::expect_only_pxclone_errors;

// Replies with the fuzzed status and body; a watch gets the body as a stream cut every `chunk`
// bytes, and the list before it a fixed empty list.
class FuzzTransport final : public http::Transport {
public:
    FuzzTransport(int status, std::string_view body, std::size_t chunk)
        : m_status(status), m_body(body), m_chunk(std::max<std::size_t>(chunk, 1)) {}

    http::Response send(const http::Request& request) override {
        if (m_list_ok && request.url.find("watch=1") == std::string::npos) {
            return {200, {}, R"({"kind":"PodList","metadata":{"resourceVersion":"7"},"items":[]})"};
        }
        return {m_status, {{"Content-Type", "application/json"}}, std::string(m_body)};
    }

    http::Response stream(const http::Request& request,
                          const http::ChunkHandler& on_chunk) override {
        if (m_status < 200 || m_status >= 300) {
            return send(request);
        }
        for (std::size_t at = 0; at < m_body.size(); at += m_chunk) {
            if (!on_chunk(m_body.substr(at, m_chunk))) {
                break;
            }
        }
        return {m_status, {}, {}};
    }

    bool m_list_ok = false;

private:
    int m_status;
    std::string_view m_body;
    std::size_t m_chunk;
};

// Each reading moves time on, so a watch that keeps reconnecting reaches its deadline.
class SteppingClock final : public util::Clock {
public:
    std::chrono::system_clock::time_point now() const override {
        m_now += std::chrono::seconds(1);
        return m_now;
    }

private:
    mutable std::chrono::system_clock::time_point m_now{std::chrono::hours(24 * 365 * 50)};
};

class NoSleeper final : public util::Sleeper {
public:
    void sleep(std::chrono::milliseconds) override {}
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) {
        return 0;
    }
    // Byte 0 picks the HTTP status, byte 1 the chunk size of the stream; the rest is the body.
    static constexpr int k_statuses[] = {200, 201, 200, 400, 401, 403, 404, 409,
                                         410, 422, 429, 500, 502, 503, 504, 302};
    const int status = k_statuses[data[0] % std::size(k_statuses)];
    const std::size_t chunk = data[1] % 64 + 1;
    const std::string_view body(reinterpret_cast<const char*>(data + 2), size - 2);
    const auto& pods = k8s::resource_of("Pod");

    fuzz::expect_no_exception("decoders", [&] {
        (void)k8s::parse_status(body);
        k8s::LineSplitter splitter;
        for (std::size_t at = 0; at < body.size(); at += chunk) {
            splitter.feed(body.substr(at, chunk), [](std::string_view line) {
                (void)k8s::parse_watch_event(line);
                return true;
            });
        }
        http::Response response{status, {}, std::string(body)};
        if (status >= 400) {
            check_error("make_api_error", k8s::make_api_error(response, pods, "ns", "p", "get"));
        }
    });

    FuzzTransport transport(status, body, chunk);
    const k8s::Client client(transport, "https://k8s.test:6443");
    expect_only_pxclone_errors("get", [&] { (void)client.get(pods, "ns", "p"); });
    expect_only_pxclone_errors("list", [&] { (void)client.list(pods, "ns"); });

    transport.m_list_ok = true;
    expect_only_pxclone_errors("list_and_watch", [&] {
        SteppingClock clock;
        NoSleeper sleeper;
        k8s::WatchOptions options;
        options.max_stream = std::chrono::seconds(5);
        k8s::WatchHandlers handlers;
        handlers.on_list = [](const k8s::ObjectList&) {
            return true;
        };
        handlers.on_event = [](const k8s::WatchEvent&) {
            return true;
        };
        (void)k8s::list_and_watch(client, pods, "ns", options, handlers, clock, sleeper,
                                  clock.now() + std::chrono::seconds(20));
    });
    return 0;
}
