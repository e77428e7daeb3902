// A strict, scripted http::Transport for client tests (in the spirit of kubectl's fake REST client
// and ninja's VirtualFileSystem): each expected request is listed in order with its reply; any
// request that was not expected next fails the test and throws UnexpectedRequest, and a scripted
// request that never came fails it too. Every request is recorded. stream() hands a 2xx body to
// the handler in the scripted chunks, so parsers are tested across chunk boundaries.
// For tests of decorators (retry, logging, auth) that do not care which request comes, answer()
// and fail() script the next reply to whatever is sent.
#pragma once

#include "pxclone/http/transport.hpp"

#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

namespace pxclone::test {

struct UnexpectedRequest : std::logic_error {
    using std::logic_error::logic_error;
};

class Scripted {
public:
    Scripted(http::Method method, std::string url) : m_method(method), m_url(std::move(url)) {}
    // Matches any request.
    Scripted() = default;

    // The reply; a JSON value is dumped as the body.
    Scripted& reply(int status, std::string body = {}) {
        m_response.status = status;
        m_response.body = std::move(body);
        return *this;
    }
    Scripted& reply(int status, const char* body) { return reply(status, std::string(body)); }
    Scripted& reply(int status, const nlohmann::json& body) { return reply(status, body.dump()); }
    Scripted& header(std::string name, std::string value) {
        m_response.headers.emplace_back(std::move(name), std::move(value));
        return *this;
    }
    // The request body must equal this JSON (compared as JSON, not as text).
    Scripted& body(nlohmann::json expected) {
        m_body = std::move(expected);
        return *this;
    }
    // The request must carry this header with this value.
    Scripted& with_header(std::string name, std::string value) {
        m_required_headers.emplace_back(std::move(name), std::move(value));
        return *this;
    }
    // For stream(): the 2xx body arrives in these pieces (the reply body is ignored); without
    // them it arrives as one piece.
    Scripted& chunks(std::vector<std::string> pieces) {
        m_chunks = std::move(pieces);
        return *this;
    }
    // Throw this instead of answering (after delivering the chunks when streaming).
    Scripted& fail(http::TransportError::Kind kind, std::string what = "scripted failure") {
        m_error = http::TransportError(kind, std::move(what));
        return *this;
    }
    // Run this when the request arrives (advance a fake clock, change scripted state).
    Scripted& then(std::function<void()> effect) {
        m_effect = std::move(effect);
        return *this;
    }

private:
    friend class FakeTransport;
    std::optional<http::Method> m_method; // nullopt (with m_url): any request
    std::string m_url;
    http::Response m_response{200, {}, {}, 0};
    std::optional<nlohmann::json> m_body;
    http::Headers m_required_headers;
    std::vector<std::string> m_chunks;
    std::optional<http::TransportError> m_error;
    std::function<void()> m_effect;
};

class FakeTransport final : public http::Transport {
public:
    explicit FakeTransport(std::string base = "https://k8s.test") : m_base(std::move(base)) {}
    FakeTransport(const FakeTransport&) = delete;
    FakeTransport& operator=(const FakeTransport&) = delete;

    ~FakeTransport() override {
        // A scripted request that never came is as much a failure as one that was not scripted.
        CHECK_MESSAGE(m_script.empty(), "scripted requests never sent, next: ",
                      m_script.empty() ? std::string{} : m_script.front().m_url);
    }

    // Expects `path_and_query` (appended to the base URL) next.
    Scripted& expect(http::Method method, const std::string& path_and_query) {
        std::lock_guard lock(m_mutex);
        return m_script.emplace_back(method, m_base + path_and_query);
    }

    // Whatever request comes next gets this reply.
    Scripted& answer(int status, std::string body = {}, http::Headers headers = {}) {
        std::lock_guard lock(m_mutex);
        auto& scripted = m_script.emplace_back().reply(status, std::move(body));
        for (auto& [name, value] : headers) {
            scripted.header(std::move(name), std::move(value));
        }
        return scripted;
    }
    // Whatever request comes next fails with this transport error.
    Scripted& fail(http::TransportError::Kind kind, std::string what = "connection failed") {
        std::lock_guard lock(m_mutex);
        return m_script.emplace_back().fail(kind, std::move(what));
    }

    http::Response send(const http::Request& request) override {
        auto scripted = next(request);
        return answer(scripted);
    }

    http::Response stream(const http::Request& request,
                          const http::ChunkHandler& on_chunk) override {
        auto scripted = next(request);
        if (scripted.m_response.status >= 200 && scripted.m_response.status < 300) {
            if (scripted.m_chunks.empty() && !scripted.m_response.body.empty()) {
                on_chunk(scripted.m_response.body);
            }
            for (const auto& piece : scripted.m_chunks) {
                if (!on_chunk(piece)) {
                    break;
                }
            }
            if (scripted.m_error) {
                throw *scripted.m_error;
            }
            auto response = scripted.m_response;
            response.body.clear();
            return response;
        }
        return answer(scripted);
    }

    std::vector<http::Request> requests() const {
        std::lock_guard lock(m_mutex);
        return m_requests;
    }
    std::size_t remaining() const {
        std::lock_guard lock(m_mutex);
        return m_script.size();
    }
    bool exhausted() const { return remaining() == 0; }

private:
    Scripted next(const http::Request& request) {
        Scripted scripted;
        {
            std::lock_guard lock(m_mutex);
            m_requests.push_back(request);
            const auto described =
                std::string(http::method_name(request.method)) + " " + request.url;
            if (m_script.empty()) {
                FAIL_CHECK("unexpected request: ", described);
                throw UnexpectedRequest("unexpected request: " + described);
            }
            scripted = m_script.front();
            m_script.pop_front();
            if (scripted.m_method &&
                (*scripted.m_method != request.method || scripted.m_url != request.url)) {
                FAIL_CHECK("unexpected request: ", described, "; expected ",
                           http::method_name(*scripted.m_method), " ", scripted.m_url);
                throw UnexpectedRequest("unexpected request: " + described);
            }
            if (scripted.m_body) {
                const auto sent = nlohmann::json::parse(request.body, nullptr, false);
                CHECK_MESSAGE(sent == *scripted.m_body, described, " body ", request.body,
                              " expected ", scripted.m_body->dump());
            }
            for (const auto& [name, value] : scripted.m_required_headers) {
                CHECK_MESSAGE(http::find_header(request.headers, name) == value, described,
                              " header ", name);
            }
        }
        if (scripted.m_effect) {
            scripted.m_effect();
        }
        return scripted;
    }

    static http::Response answer(const Scripted& scripted) {
        if (scripted.m_error) {
            throw *scripted.m_error;
        }
        return scripted.m_response;
    }

    std::string m_base;
    mutable std::mutex m_mutex;
    std::deque<Scripted> m_script;
    std::vector<http::Request> m_requests;
};

} // namespace pxclone::test
