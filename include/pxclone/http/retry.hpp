// Retries of answers that say "try again" and of failures that are safe to repeat.
#pragma once

#include "pxclone/http/transport.hpp"
#include "pxclone/util/clock.hpp"
#include "pxclone/util/deadline.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <random>

namespace pxclone::http {

struct RetryPolicy {
    int max_retries = 5;                          // re-sends after the first attempt
    std::chrono::milliseconds base_delay{250};    // first backoff, doubled each time
    std::chrono::milliseconds max_delay{30'000};  // cap of one wait (also of Retry-After)
    std::chrono::milliseconds max_total{120'000}; // no wait may end past this budget
    std::uint64_t seed = 0x5eed;                  // jitter source, for reproducible runs
};

// How long the server asked to wait: `Retry-After` as delta-seconds or HTTP date (relative to
// now), else a Kubernetes Status body's `details.retryAfterSeconds`; nullopt when neither.
std::optional<std::chrono::milliseconds>
server_retry_delay(const Response& response, std::chrono::system_clock::time_point now);

// Whether an answer invites a re-send of this request: 429 always (the server did not process
// it); 503 always (not processed); other 5xx only for idempotent requests, since a create that
// failed with 500/502/504 may have landed.
bool is_retryable_status(const Request& request, int status);

// Whether a failure to get any answer may be retried: only for idempotent requests. A POST
// whose connection broke may have been processed, so it is never re-sent blindly; the caller
// resolves it (409 AlreadyExists -> GET -> verify the labels). TLS failures are never retried.
bool is_retryable_error(const Request& request, const TransportError& error);

// Re-sends on the conditions above with jittered exponential backoff (a wait is uniformly drawn
// from [d/2, d] for d = base * 2^attempt, capped), or exactly the server's delay when it named
// one. Stops after max_retries re-sends or when the next wait would end past max_total, and then
// returns the last answer (or rethrows the last TransportError). Never sleeps past the command's
// `deadline`: when the next attempt would start after it, the last answer is returned, and a last
// TransportError becomes a pxclone::TimeoutError (exit 4) naming the request and that error.
// Response::retries counts the re-sends. A stream is re-sent only while none of its body was
// handed out. Thread-safe.
class RetryingTransport final : public Transport {
public:
    RetryingTransport(std::shared_ptr<Transport> inner, RetryPolicy policy,
                      std::shared_ptr<util::Clock> clock, std::shared_ptr<util::Sleeper> sleeper,
                      util::Deadline deadline = {});

    Response send(const Request& request) override;
    Response stream(const Request& request, const ChunkHandler& on_chunk) override;

private:
    template <typename Attempt>
    Response run(const Request& request, Attempt&& attempt, const bool* body_started);
    std::chrono::milliseconds backoff(int attempt);

    std::shared_ptr<Transport> m_inner;
    RetryPolicy m_policy;
    std::shared_ptr<util::Clock> m_clock;
    std::shared_ptr<util::Sleeper> m_sleeper;
    util::Deadline m_deadline;
    std::mutex m_random_mutex;
    std::mt19937_64 m_random;
};

} // namespace pxclone::http
