#include "pxclone/error.hpp"
#include "pxclone/http/retry.hpp"

#include <doctest/doctest.h>

#include "support/fake_clock.hpp"
#include "support/fake_transport.hpp"

using namespace pxclone;
using namespace std::chrono_literals;

namespace {

struct Fixture {
    std::shared_ptr<test::FakeTransport> inner = std::make_shared<test::FakeTransport>();
    std::shared_ptr<test::FakeClock> clock = std::make_shared<test::FakeClock>();
    std::shared_ptr<test::FakeSleeper> sleeper = std::make_shared<test::FakeSleeper>(clock);
    http::RetryPolicy policy;
    http::RetryingTransport make() {
        return http::RetryingTransport(inner, policy, clock, sleeper);
    }
};

http::Request get() {
    http::Request request;
    request.url = "https://k8s.test/api/v1/pods";
    request.idempotent = true;
    return request;
}

http::Request post() {
    http::Request request;
    request.method = http::Method::post;
    request.url = "https://k8s.test/api/v1/namespaces/a/pods";
    request.body = "{}";
    return request;
}

} // namespace

TEST_CASE("429 with Retry-After seconds waits exactly that long, then returns the answer") {
    Fixture f;
    f.inner->answer(429, "", {{"Retry-After", "3"}});
    f.inner->answer(200, "ok");
    auto transport = f.make();
    const auto response = transport.send(get());
    CHECK(response.status == 200);
    CHECK(response.retries == 1);
    REQUIRE(f.sleeper->waits().size() == 1);
    CHECK(f.sleeper->waits()[0] == 3s);
}

TEST_CASE("Retry-After as an HTTP date waits until that date") {
    Fixture f;
    // The fake clock starts at 1700000000 = Tue, 14 Nov 2023 22:13:20 GMT.
    f.inner->answer(503, "", {{"retry-after", "Tue, 14 Nov 2023 22:13:27 GMT"}});
    f.inner->answer(200);
    auto transport = f.make();
    CHECK(transport.send(get()).status == 200);
    REQUIRE(f.sleeper->waits().size() == 1);
    CHECK(f.sleeper->waits()[0] == 7s);
}

TEST_CASE("a Status body's details.retryAfterSeconds is honoured") {
    Fixture f;
    f.inner->answer(
        429, R"({"kind":"Status","reason":"TooManyRequests","details":{"retryAfterSeconds":2}})");
    f.inner->answer(201);
    auto transport = f.make();
    CHECK(transport.send(post()).status == 201);
    CHECK(f.sleeper->waits() == std::vector<std::chrono::milliseconds>{2s});
}

TEST_CASE("backoff without a server delay is jittered, growing and reproducible from the seed") {
    const auto run = [] {
        Fixture f;
        for (int i = 0; i < 4; ++i) {
            f.inner->answer(500);
        }
        f.inner->answer(200);
        auto transport = f.make();
        CHECK(transport.send(get()).retries == 4);
        return f.sleeper->waits();
    };
    const auto waits = run();
    REQUIRE(waits.size() == 4);
    for (std::size_t i = 0; i < waits.size(); ++i) {
        const auto cap = 250ms * (1 << i);
        CHECK(waits[i] >= cap / 2);
        CHECK(waits[i] <= cap);
    }
    CHECK(run() == waits);
}

TEST_CASE("retries are bounded by count and by total time") {
    SUBCASE("count") {
        Fixture f;
        f.policy.max_retries = 2;
        for (int i = 0; i < 3; ++i) {
            f.inner->answer(503, "", {{"Retry-After", "1"}});
        }
        auto transport = f.make();
        const auto response = transport.send(get());
        CHECK(response.status == 503);
        CHECK(response.retries == 2);
        CHECK(f.inner->exhausted());
    }
    SUBCASE("total time") {
        Fixture f;
        f.policy.max_total = 5s;
        f.inner->answer(503, "", {{"Retry-After", "3"}});
        f.inner->answer(503, "", {{"Retry-After", "3"}});
        auto transport = f.make();
        const auto response = transport.send(get());
        CHECK(response.status == 503);
        CHECK(response.retries == 1);
        CHECK(f.sleeper->waits() == std::vector<std::chrono::milliseconds>{3s});
    }
    SUBCASE("a Retry-After longer than one wait may be is not waited for") {
        Fixture f;
        f.inner->answer(429, "", {{"Retry-After", "3600"}});
        auto transport = f.make();
        CHECK(transport.send(get()).status == 429);
        CHECK(f.sleeper->waits().empty());
    }
}

TEST_CASE("connection errors are retried for idempotent requests only") {
    SUBCASE("GET") {
        Fixture f;
        f.inner->fail(http::TransportError::Kind::reset);
        f.inner->fail(http::TransportError::Kind::connect);
        f.inner->answer(200);
        auto transport = f.make();
        CHECK(transport.send(get()).retries == 2);
    }
    SUBCASE("POST is not re-sent after a connection error") {
        Fixture f;
        f.inner->fail(http::TransportError::Kind::reset);
        auto transport = f.make();
        CHECK_THROWS_AS(transport.send(post()), http::TransportError);
        CHECK(f.inner->requests().size() == 1);
        CHECK(f.sleeper->waits().empty());
    }
    SUBCASE("POST is not re-sent after a 500 either") {
        Fixture f;
        f.inner->answer(500);
        auto transport = f.make();
        CHECK(transport.send(post()).status == 500);
        CHECK(f.inner->requests().size() == 1);
    }
    SUBCASE("TLS failures are final") {
        Fixture f;
        f.inner->fail(http::TransportError::Kind::tls, "certificate verify failed");
        auto transport = f.make();
        CHECK_THROWS_AS(transport.send(get()), http::TransportError);
        CHECK(f.inner->requests().size() == 1);
    }
}

TEST_CASE("a stream is not re-sent once part of its body was handed out") {
    Fixture f;
    class HalfStream final : public http::Transport {
    public:
        int calls = 0;
        http::Response send(const http::Request&) override { throw std::logic_error("unused"); }
        http::Response stream(const http::Request&, const http::ChunkHandler& on_chunk) override {
            ++calls;
            on_chunk("{\"type\":\"ADDED\"}\n");
            throw http::TransportError(http::TransportError::Kind::reset, "reset");
        }
    };
    auto inner = std::make_shared<HalfStream>();
    http::RetryingTransport transport(inner, {}, f.clock, f.sleeper);
    int chunks = 0;
    CHECK_THROWS_AS(transport.stream(get(), [&](std::string_view) { return ++chunks > 0; }),
                    http::TransportError);
    CHECK(inner->calls == 1);
    CHECK(chunks == 1);
}

TEST_CASE("retries never sleep past the command's deadline") {
    SUBCASE("a retryable answer is returned when the next wait would end past it") {
        Fixture f;
        const auto deadline = util::Deadline::after(*f.clock, 4s, "--timeout 4s");
        f.inner->answer(503, "", {{"Retry-After", "3"}});
        f.inner->answer(503, "", {{"Retry-After", "3"}});
        http::RetryingTransport transport(f.inner, f.policy, f.clock, f.sleeper, deadline);
        const auto response = transport.send(get());
        CHECK(response.status == 503);
        CHECK(response.retries == 1);
        CHECK(f.sleeper->waits() == std::vector<std::chrono::milliseconds>{3s});
        CHECK(f.clock->now() < deadline.at());
    }
    SUBCASE("a connection error then is a timeout (exit 4) naming the request and the error") {
        Fixture f;
        const auto deadline = util::Deadline::after(*f.clock, 1s, "--timeout 1s");
        // The first wait is drawn from [400ms, 800ms], the second from [800ms, 1600ms]: only
        // the first ends before the deadline.
        f.policy.base_delay = 800ms;
        f.inner->fail(http::TransportError::Kind::connect, "connection refused");
        f.inner->fail(http::TransportError::Kind::connect, "connection refused");
        http::RetryingTransport transport(f.inner, f.policy, f.clock, f.sleeper, deadline);
        try {
            transport.send(get());
            FAIL("no error");
        } catch (const TimeoutError& error) {
            CHECK(error.code() == ExitCode::timed_out);
            CHECK(std::string(error.what()) ==
                  "GET https://k8s.test/api/v1/pods: no answer before the deadline (--timeout "
                  "1s); last attempt: connection refused");
        }
        CHECK(f.clock->now() < deadline.at());
        CHECK(f.sleeper->waits().size() == 1);
        CHECK(f.inner->requests().size() == 2);
    }
    SUBCASE("no deadline: the policy alone bounds the retries") {
        Fixture f;
        f.inner->answer(503, "", {{"Retry-After", "3"}});
        f.inner->answer(200);
        http::RetryingTransport transport(f.inner, f.policy, f.clock, f.sleeper, {});
        CHECK(transport.send(get()).status == 200);
    }
}
