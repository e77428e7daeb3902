// A strict scripted Transport for unit tests: each call pops the next scripted outcome (an
// answer or a TransportError) and records the request; a call with nothing scripted fails.
#pragma once

#include "pxclone/http/transport.hpp"
#include "pxclone/util/clock.hpp"

#include <deque>
#include <mutex>
#include <stdexcept>
#include <variant>
#include <vector>

namespace pxclone::test {

class FakeTransport final : public http::Transport {
public:
    using Outcome = std::variant<http::Response, http::TransportError>;

    void answer(int status, std::string body = {}, http::Headers headers = {}) {
        http::Response response;
        response.status = status;
        response.body = std::move(body);
        response.headers = std::move(headers);
        m_script.emplace_back(std::move(response));
    }
    void fail(http::TransportError::Kind kind, const std::string& what = "connection failed") {
        m_script.emplace_back(http::TransportError(kind, what));
    }

    http::Response send(const http::Request& request) override {
        const std::scoped_lock lock(m_mutex);
        m_requests.push_back(request);
        if (m_script.empty()) {
            throw std::logic_error("unexpected request: " + request.url);
        }
        auto outcome = std::move(m_script.front());
        m_script.pop_front();
        if (auto* error = std::get_if<http::TransportError>(&outcome)) {
            throw *error;
        }
        return std::get<http::Response>(std::move(outcome));
    }
    http::Response stream(const http::Request& request,
                          const http::ChunkHandler& on_chunk) override {
        auto response = send(request);
        if (response.status / 100 == 2) {
            on_chunk(response.body);
            response.body.clear();
        }
        return response;
    }

    std::vector<http::Request> requests() const {
        const std::scoped_lock lock(m_mutex);
        return m_requests;
    }
    bool exhausted() const { return m_script.empty(); }

private:
    mutable std::mutex m_mutex;
    std::deque<Outcome> m_script;
    std::vector<http::Request> m_requests;
};

// A clock that moves only when told to (or when the paired sleeper sleeps).
class FakeClock final : public util::Clock {
public:
    std::chrono::system_clock::time_point now() const override { return m_now; }
    void advance(std::chrono::milliseconds by) { m_now += by; }
    void set(std::chrono::system_clock::time_point when) { m_now = when; }

private:
    std::chrono::system_clock::time_point m_now =
        std::chrono::system_clock::from_time_t(1'700'000'000);
};

// Records each requested wait and advances the fake clock by it instead of sleeping.
class FakeSleeper final : public util::Sleeper {
public:
    explicit FakeSleeper(std::shared_ptr<FakeClock> clock) : m_clock(std::move(clock)) {}
    void sleep(std::chrono::milliseconds duration) override {
        m_waits.push_back(duration);
        m_clock->advance(duration);
    }
    const std::vector<std::chrono::milliseconds>& waits() const { return m_waits; }

private:
    std::shared_ptr<FakeClock> m_clock;
    std::vector<std::chrono::milliseconds> m_waits;
};

} // namespace pxclone::test
