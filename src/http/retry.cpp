#include "pxclone/http/retry.hpp"

#include "pxclone/error.hpp"
#include "pxclone/http/redact.hpp"
#include "pxclone/util/json.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace pxclone::http {

namespace {

std::optional<std::chrono::system_clock::time_point> parse_http_date(const std::string& text) {
    // IMF-fixdate, the only form servers may send (RFC 9110 §5.6.7).
    std::tm tm{};
    char month[4] = {};
    char weekday[4] = {};
    int day = 0;
    int year = 0;
    int hour = 0;
    int minute = 0;
    int second = 0;
    if (std::sscanf(text.c_str(), "%3s, %d %3s %d %d:%d:%d GMT", weekday, &day, month, &year, &hour,
                    &minute, &second) != 7) {
        return std::nullopt;
    }
    static constexpr std::string_view k_months = "JanFebMarAprMayJunJulAugSepOctNovDec";
    const auto index = k_months.find(month);
    if (index == std::string_view::npos || index % 3 != 0) {
        return std::nullopt;
    }
    tm.tm_year = year - 1900;
    tm.tm_mon = static_cast<int>(index / 3);
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    return std::chrono::system_clock::from_time_t(timegm(&tm));
}

} // namespace

std::optional<std::chrono::milliseconds>
server_retry_delay(const Response& response, std::chrono::system_clock::time_point now) {
    if (const auto header = response.header("Retry-After")) {
        long long seconds = 0;
        const auto* begin = header->data();
        const auto* end = begin + header->size();
        if (const auto [ptr, ec] = std::from_chars(begin, end, seconds);
            ec == std::errc() && ptr == end && seconds >= 0) {
            return std::chrono::seconds(seconds);
        }
        if (const auto when = parse_http_date(*header)) {
            const auto delta = std::chrono::duration_cast<std::chrono::milliseconds>(*when - now);
            return std::max(delta, std::chrono::milliseconds(0));
        }
    }
    const auto status = util::parse_json(response.body);
    if (status.is_object() && status.contains("details") && status["details"].is_object()) {
        const auto& details = status["details"];
        if (details.contains("retryAfterSeconds") &&
            details["retryAfterSeconds"].is_number_integer()) {
            const auto seconds = details["retryAfterSeconds"].get<long long>();
            if (seconds >= 0) {
                return std::chrono::seconds(seconds);
            }
        }
    }
    return std::nullopt;
}

bool is_retryable_status(const Request& request, int status) {
    if (status == 429 || status == 503) {
        return true;
    }
    return request.idempotent && status >= 500 && status <= 599 && status != 501;
}

bool is_retryable_error(const Request& request, const TransportError& error) {
    return request.idempotent && error.kind() != TransportError::Kind::tls;
}

RetryingTransport::RetryingTransport(std::shared_ptr<Transport> inner, RetryPolicy policy,
                                     std::shared_ptr<util::Clock> clock,
                                     std::shared_ptr<util::Sleeper> sleeper,
                                     util::Deadline deadline)
    : m_inner(std::move(inner)), m_policy(policy), m_clock(std::move(clock)),
      m_sleeper(std::move(sleeper)), m_deadline(std::move(deadline)), m_random(policy.seed) {}

std::chrono::milliseconds RetryingTransport::backoff(int attempt) {
    auto delay = m_policy.base_delay;
    for (int i = 0; i < attempt && delay < m_policy.max_delay; ++i) {
        delay *= 2;
    }
    delay = std::min(delay, m_policy.max_delay);
    const std::scoped_lock lock(m_random_mutex);
    std::uniform_int_distribution<long long> pick(delay.count() / 2, delay.count());
    return std::chrono::milliseconds(pick(m_random));
}

template <typename Attempt>
Response RetryingTransport::run(const Request& request, Attempt&& attempt,
                                const bool* body_started) {
    const auto start = m_clock->now();
    int retries = 0;
    for (;;) {
        std::optional<std::chrono::milliseconds> delay;
        try {
            auto response = attempt();
            response.retries = retries;
            if (retries >= m_policy.max_retries || !is_retryable_status(request, response.status)) {
                return response;
            }
            delay = server_retry_delay(response, m_clock->now());
            if (delay && *delay > m_policy.max_delay) {
                // The server wants a longer pause than we are willing to take: give up now.
                return response;
            }
            if (!delay) {
                delay = backoff(retries);
            }
            const auto now = m_clock->now();
            if (now - start + *delay > m_policy.max_total || now + *delay >= m_deadline.at()) {
                return response;
            }
        } catch (const TransportError& error) {
            const bool streamed = body_started != nullptr && *body_started;
            if (streamed || retries >= m_policy.max_retries ||
                !is_retryable_error(request, error)) {
                throw;
            }
            delay = backoff(retries);
            const auto now = m_clock->now();
            if (now - start + *delay > m_policy.max_total) {
                throw;
            }
            if (now + *delay >= m_deadline.at()) {
                // The deadline, not the server, ends the attempts: exit 4, naming both.
                throw TimeoutError(
                    fmt::format("{} {}: no answer before the deadline ({}); last attempt: {}",
                                method_name(request.method), redact_url(request.url),
                                m_deadline.origin(), error.what()),
                    "the server did not answer in time: check it, or allow more time");
            }
        }
        m_sleeper->sleep(*delay);
        ++retries;
    }
}

Response RetryingTransport::send(const Request& request) {
    return run(
        request, [&] { return m_inner->send(request); }, nullptr);
}

Response RetryingTransport::stream(const Request& request, const ChunkHandler& on_chunk) {
    bool body_started = false;
    const ChunkHandler track = [&](std::string_view chunk) {
        body_started = true;
        return on_chunk(chunk);
    };
    return run(
        request, [&] { return m_inner->stream(request, track); }, &body_started);
}

} // namespace pxclone::http
