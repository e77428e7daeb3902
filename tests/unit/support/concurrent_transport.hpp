// An http::Transport for tests of callers that send from several threads: each request is answered
// by a handler (from any thread) and recorded; the requests `hold` selects wait until `together`
// of them are in flight at once (or give up after a bound, so a caller that sends them one at a
// time fails the test instead of hanging).
#pragma once

#include "pxclone/http/transport.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace pxclone::test {

class ConcurrentTransport final : public http::Transport {
public:
    using Handler = std::function<http::Response(const http::Request&)>;
    using Hold = std::function<bool(const http::Request&)>;

    explicit ConcurrentTransport(Handler handler, Hold hold = {}, std::size_t together = 0)
        : m_handler(std::move(handler)), m_hold(std::move(hold)), m_together(together) {}

    http::Response send(const http::Request& request) override {
        {
            const std::scoped_lock lock(m_mutex);
            m_requests.push_back(request);
        }
        if (m_hold && m_hold(request)) {
            std::unique_lock lock(m_mutex);
            ++m_in_flight;
            m_most = std::max(m_most, m_in_flight);
            m_changed.notify_all();
            m_changed.wait_for(lock, std::chrono::seconds(10),
                               [this] { return m_most >= m_together; });
            --m_in_flight;
        }
        return m_handler(request);
    }
    http::Response stream(const http::Request& request, const http::ChunkHandler&) override {
        return send(request);
    }

    // The most held requests that were in flight at once.
    std::size_t most_in_flight() const {
        const std::scoped_lock lock(m_mutex);
        return m_most;
    }
    std::vector<http::Request> requests() const {
        const std::scoped_lock lock(m_mutex);
        return m_requests;
    }
    // The requests of `method` whose URL contains `part`.
    std::vector<http::Request> requests(http::Method method, const std::string& part) const {
        std::vector<http::Request> found;
        for (auto& request : requests()) {
            if (request.method == method && request.url.find(part) != std::string::npos) {
                found.push_back(std::move(request));
            }
        }
        return found;
    }

private:
    Handler m_handler;
    Hold m_hold;
    std::size_t m_together;
    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    std::size_t m_in_flight = 0;
    std::size_t m_most = 0;
    std::vector<http::Request> m_requests;
};

inline http::Response json_response(int status, std::string body) {
    return http::Response{.status = status, .headers = {}, .body = std::move(body)};
}

} // namespace pxclone::test
