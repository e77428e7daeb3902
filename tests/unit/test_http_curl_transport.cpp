#include "pxclone/error.hpp"
#include "pxclone/http/curl_transport.hpp"
#include "pxclone/util/worker_pool.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "support/http_server.hpp"
#include "support/tls_files.hpp"

using namespace pxclone;
using namespace std::chrono_literals;

namespace {

http::Request get(const std::string& url) {
    http::Request request;
    request.url = url;
    request.api = "k8s";
    request.idempotent = true;
    return request;
}

// A gate a server handler waits at until the test opens it.
class Gate {
public:
    void wait() {
        std::unique_lock lock(m_mutex);
        m_cv.wait(lock, [this] { return m_open; });
    }
    void open() {
        {
            const std::scoped_lock lock(m_mutex);
            m_open = true;
        }
        m_cv.notify_all();
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_open = false;
};

} // namespace

TEST_CASE("CurlTransport sends method, headers and body and returns status, headers and body") {
    test::HttpServer server;
    server.routes().Post("/api/v1/namespaces/a/pods",
                         [](const httplib::Request& req, httplib::Response& res) {
                             res.status = 201;
                             res.set_header("X-Seen-Type", req.get_header_value("Content-Type"));
                             res.set_content("{\"echo\":" + req.body + "}", "application/json");
                         });
    server.routes().Delete("/thing", [](const httplib::Request&, httplib::Response& res) {
        res.status = 404;
        res.set_content("{\"kind\":\"Status\"}", "application/json");
    });
    server.start();
    http::CurlTransport transport({});

    http::Request request;
    request.method = http::Method::post;
    request.url = server.url("/api/v1/namespaces/a/pods");
    request.headers = {{"Content-Type", "application/json"}};
    request.body = "{\"x\":1}";
    const auto response = transport.send(request);
    CHECK(response.status == 201);
    CHECK(response.header("x-seen-type") == "application/json");
    CHECK(response.body == "{\"echo\":{\"x\":1}}");

    http::Request del;
    del.method = http::Method::del;
    del.url = server.url("/thing");
    CHECK(transport.send(del).status == 404);
}

TEST_CASE("CurlTransport reuses connections across requests and threads") {
    test::HttpServer server;
    std::mutex mutex;
    std::multiset<int> ports;
    server.routes().Get("/ping", [&](const httplib::Request& req, httplib::Response& res) {
        const std::scoped_lock lock(mutex);
        ports.insert(req.remote_port);
        res.set_content("pong", "text/plain");
    });
    server.start();
    http::CurlTransport transport({});
    for (int i = 0; i < 3; ++i) {
        CHECK(transport.send(get(server.url("/ping"))).body == "pong");
    }
    std::thread other([&] { CHECK(transport.send(get(server.url("/ping"))).status == 200); });
    other.join();
    // All four requests, from two threads, came over one connection (one client port).
    CHECK(ports.size() == 4);
    CHECK(ports.count(*ports.begin()) == 4);
}

TEST_CASE("CurlTransport maps failures to TransportError kinds") {
    SUBCASE("nothing listening") {
        test::HttpServer server;
        server.start();
        const auto url = server.url("/");
        server.stop();
        http::CurlTransport transport({});
        try {
            transport.send(get(url));
            FAIL("expected a TransportError");
        } catch (const http::TransportError& error) {
            CHECK(error.kind() == http::TransportError::Kind::connect);
        }
    }
    SUBCASE("a request that outlives its timeout") {
        test::HttpServer server;
        Gate gate;
        server.routes().Get("/slow", [&](const httplib::Request&, httplib::Response& res) {
            gate.wait();
            res.set_content("late", "text/plain");
        });
        server.start();
        http::CurlTransport transport({});
        auto request = get(server.url("/slow"));
        request.timeout = 200ms;
        try {
            transport.send(request);
            FAIL("expected a TransportError");
        } catch (const http::TransportError& error) {
            CHECK(error.kind() == http::TransportError::Kind::timeout);
            CHECK(std::string(error.what()).find("/slow") != std::string::npos);
        }
        gate.open();
    }
}

TEST_CASE("CurlTransport streams a 2xx body chunk by chunk and stops when told") {
    test::HttpServer server;
    server.routes().Get("/watch", [](const httplib::Request&, httplib::Response& res) {
        res.set_chunked_content_provider("application/json", [](size_t, httplib::DataSink& sink) {
            for (int i = 0; i < 200; ++i) {
                const auto line = "{\"type\":\"ADDED\",\"n\":" + std::to_string(i) + "}\n";
                if (!sink.write(line.data(), line.size())) {
                    return false;
                }
            }
            sink.done();
            return true;
        });
    });
    server.routes().Get("/gone", [](const httplib::Request&, httplib::Response& res) {
        res.status = 410;
        res.set_content("{\"kind\":\"Status\",\"code\":410}", "application/json");
    });
    server.start();
    http::CurlTransport transport({});

    std::string all;
    auto response = transport.stream(get(server.url("/watch")), [&](std::string_view chunk) {
        all.append(chunk);
        return true;
    });
    CHECK(response.status == 200);
    CHECK(response.body.empty());
    CHECK(all.find("\"n\":0}") != std::string::npos);
    CHECK(all.find("\"n\":199}") != std::string::npos);

    int chunks = 0;
    response = transport.stream(get(server.url("/watch")), [&](std::string_view) {
        ++chunks;
        return false;
    });
    CHECK(response.status == 200);
    CHECK(chunks == 1);

    response = transport.stream(get(server.url("/gone")), [](std::string_view) {
        FAIL("a non-2xx body is not streamed");
        return true;
    });
    CHECK(response.status == 410);
    CHECK(response.body.find("410") != std::string::npos);
}

TEST_CASE("CurlTransport cuts a stream that stalls below the low-speed limit") {
    test::HttpServer server;
    Gate gate;
    server.routes().Get("/stall", [&](const httplib::Request&, httplib::Response& res) {
        res.set_chunked_content_provider("application/json", [&](size_t, httplib::DataSink& sink) {
            sink.write("{}\n", 3);
            gate.wait();
            return false;
        });
    });
    server.start();
    http::CurlOptions options;
    options.low_speed_window = 1s;
    http::CurlTransport transport(options);
    try {
        transport.stream(get(server.url("/stall")), [](std::string_view) { return true; });
        FAIL("expected a TransportError");
    } catch (const http::TransportError& error) {
        CHECK(error.kind() == http::TransportError::Kind::timeout);
    }
    gate.open();
}

TEST_CASE("CurlTransport over HTTPS verifies the server against the configured CA") {
    const auto& tls = test::tls_files();
    test::HttpServer server(tls.server_crt.string(), tls.server_key.string());
    server.routes().Get("/version", [](const httplib::Request&, httplib::Response& res) {
        res.set_content("{\"major\":\"1\"}", "application/json");
    });
    server.start();

    SUBCASE("CA file") {
        http::CurlOptions options;
        options.tls.ca_file = tls.ca_crt.string();
        http::CurlTransport transport(options);
        CHECK(transport.send(get(server.url("/version"))).status == 200);
    }
    SUBCASE("CA in memory") {
        http::CurlOptions options;
        options.tls.ca_pem = test::read_file(tls.ca_crt);
        http::CurlTransport transport(options);
        CHECK(transport.send(get(server.url("/version"))).status == 200);
    }
    SUBCASE("an unrelated CA fails as a TLS error") {
        http::CurlOptions options;
        options.tls.ca_file = tls.other_ca_crt.string();
        http::CurlTransport transport(options);
        try {
            transport.send(get(server.url("/version")));
            FAIL("expected a TransportError");
        } catch (const http::TransportError& error) {
            CHECK(error.kind() == http::TransportError::Kind::tls);
        }
    }
    SUBCASE("insecure skips verification and warns") {
        http::CurlOptions options;
        options.tls.ca_file = tls.other_ca_crt.string();
        options.tls.insecure_skip_verify = true;
        std::string warning;
        options.warn = [&](std::string_view text) {
            warning = text;
        };
        http::CurlTransport transport(options);
        CHECK(warning.find("insecure-skip-tls-verify") != std::string::npos);
        CHECK(transport.send(get(server.url("/version"))).status == 200);
    }
    SUBCASE("tls-server-name is the name verified") {
        http::CurlOptions options;
        options.tls.ca_file = tls.ca_crt.string();
        options.tls.server_name = "pxsim.test";
        CHECK(http::CurlTransport(options).send(get(server.url("/version"))).status == 200);
        options.tls.server_name = "wrong.test";
        CHECK_THROWS_AS(http::CurlTransport(options).send(get(server.url("/version"))),
                        http::TransportError);
    }
}

TEST_CASE("CurlTransport presents a client certificate from files or memory") {
    const auto& tls = test::tls_files();
    test::HttpServer server(tls.server_crt.string(), tls.server_key.string(), tls.ca_crt.string());
    server.routes().Get("/whoami", [](const httplib::Request&, httplib::Response& res) {
        res.set_content("ok", "text/plain");
    });
    server.start();
    http::CurlOptions options;
    options.tls.ca_file = tls.ca_crt.string();

    SUBCASE("files") {
        options.tls.cert_file = tls.client_crt.string();
        options.tls.key_file = tls.client_key.string();
        CHECK(http::CurlTransport(options).send(get(server.url("/whoami"))).body == "ok");
    }
    SUBCASE("memory") {
        options.tls.cert_pem = test::read_file(tls.client_crt);
        options.tls.key_pem = test::read_file(tls.client_key);
        CHECK(http::CurlTransport(options).send(get(server.url("/whoami"))).body == "ok");
    }
    SUBCASE("set later, as an exec plugin does") {
        http::CurlTransport transport(options);
        transport.set_client_certificate(test::read_file(tls.client_crt),
                                         test::read_file(tls.client_key));
        CHECK(transport.send(get(server.url("/whoami"))).body == "ok");
    }
    SUBCASE("none: the server refuses the handshake") {
        CHECK_THROWS_AS(http::CurlTransport(options).send(get(server.url("/whoami"))),
                        http::TransportError);
    }
}

TEST_CASE("CurlTransport is safe from many threads and bounded by its handle pool") {
    test::HttpServer server;
    std::mutex mutex;
    std::set<int> ports;
    server.routes().Get("/n", [&](const httplib::Request& req, httplib::Response& res) {
        {
            const std::scoped_lock lock(mutex);
            ports.insert(req.remote_port);
        }
        res.set_content(req.get_param_value("i"), "text/plain");
    });
    server.routes().set_keep_alive_max_count(1000);
    server.start();
    http::CurlOptions options;
    options.max_idle_handles = 8;
    http::CurlTransport transport(options);
    util::WorkerPool pool(8);
    std::vector<std::function<std::string()>> tasks;
    for (int i = 0; i < 100; ++i) {
        tasks.emplace_back(
            [&, i] { return transport.send(get(server.url("/n?i=" + std::to_string(i)))).body; });
    }
    const auto results = util::run_all(pool, std::move(tasks));
    for (std::size_t i = 0; i < results.size(); ++i) {
        REQUIRE(results[i].ok());
        CHECK(*results[i].value == std::to_string(i));
    }
    // Never more connections than requests in flight at once: each worker's next request
    // reuses an idle connection from the shared cache instead of opening one.
    CHECK(ports.size() <= 8);
}

namespace {

// A server whose GET /n?i=NAME answers NAME and records the client port it came from (which
// connection carried it); a request whose NAME starts with a held prefix waits for release().
class PortServer {
public:
    explicit PortServer(std::vector<std::string> held) : m_held(std::move(held)) {
        m_server.routes().Get("/n", [this](const httplib::Request& req, httplib::Response& res) {
            const auto name = req.get_param_value("i");
            {
                const std::scoped_lock lock(m_mutex);
                m_port_of[name] = req.remote_port;
            }
            m_changed.notify_all();
            if (const auto* prefix = held_prefix(name)) {
                std::unique_lock lock(m_mutex);
                m_changed.wait(lock, [&] { return m_released.contains(*prefix); });
            }
            res.set_content(name, "text/plain");
        });
        m_server.routes().set_keep_alive_max_count(1000);
        m_server.start();
    }
    std::string url(const std::string& name) const { return m_server.url("/n?i=" + name); }
    // Waits until `count` requests whose name starts with `prefix` have come.
    void await(const std::string& prefix, std::size_t count) {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [&] {
            return static_cast<std::size_t>(std::count_if(
                       m_port_of.begin(), m_port_of.end(), [&prefix](const auto& entry) {
                           return entry.first.starts_with(prefix);
                       })) == count;
        });
    }
    void release(const std::string& prefix) {
        {
            const std::scoped_lock lock(m_mutex);
            m_released.insert(prefix);
        }
        m_changed.notify_all();
    }
    std::map<std::string, int> ports() const {
        const std::scoped_lock lock(m_mutex);
        return m_port_of;
    }

private:
    const std::string* held_prefix(const std::string& name) const {
        const auto it = std::find_if(m_held.begin(), m_held.end(), [&name](const auto& prefix) {
            return name.starts_with(prefix);
        });
        return it == m_held.end() ? nullptr : &*it;
    }

    test::HttpServer m_server;
    std::vector<std::string> m_held;
    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    std::map<std::string, int> m_port_of;
    std::set<std::string> m_released;
};

} // namespace

// libcurl's CURLMOPT_MAXCONNECTS counts the connections carrying a request too: set to the idle
// ones alone, a connection was closed as its request ended whenever more were in flight, and
// the next request opened another (a TLS handshake each: an N=200 teardown opened 783).
TEST_CASE(
    "CurlTransport reuses a connection while more requests than it keeps idle are in flight") {
    PortServer server({"held"});
    http::CurlOptions options;
    options.max_connections = 8;
    options.max_kept_connections = 1;
    http::CurlTransport transport(options);
    // Answered first: libcurl then knows the server speaks HTTP/1.1 (until it does, a request
    // waits for a connection being used to tell whether it multiplexes: CURLOPT_PIPEWAIT).
    CHECK(transport.send(get(server.url("warm-up"))).body == "warm-up");
    std::vector<std::thread> holders;
    for (int i = 0; i < 3; ++i) {
        holders.emplace_back([&, i] {
            CHECK(transport.send(get(server.url("held" + std::to_string(i)))).status == 200);
        });
    }
    server.await("held", 3);
    // Three requests in flight on three connections; two more, one after the other.
    CHECK(transport.send(get(server.url("first"))).body == "first");
    CHECK(transport.send(get(server.url("second"))).body == "second");
    server.release("held");
    for (auto& holder : holders) {
        holder.join();
    }
    const auto port_of = server.ports();
    CHECK(port_of.size() == 6);
    CHECK(port_of.at("second") == port_of.at("first"));
}

TEST_CASE("CurlTransport keeps a burst's connections for the next burst (idle_linger)") {
    PortServer server({"burst0", "burst1"});
    http::CurlOptions options;
    options.max_connections = 8;
    options.max_kept_connections = 1;
    // Longer than any test run: what is checked is that the burst's connections outlive it.
    options.idle_linger = std::chrono::hours(1);
    http::CurlTransport transport(options);
    CHECK(transport.send(get(server.url("warm-up"))).body == "warm-up");
    // burst(prefix) sends three requests at once, held by the server until all three are in.
    const auto burst = [&](const std::string& prefix) {
        std::vector<std::thread> senders;
        for (int i = 0; i < 3; ++i) {
            senders.emplace_back([&, i] {
                const auto name = fmt::format("{}-{}", prefix, i);
                CHECK(transport.send(get(server.url(name))).body == name);
            });
        }
        server.await(prefix, 3);
        server.release(prefix);
        for (auto& sender : senders) {
            sender.join();
        }
    };
    burst("burst0");
    burst("burst1");
    const auto port_of = server.ports();
    std::set<int> first;
    std::set<int> second;
    for (int i = 0; i < 3; ++i) {
        first.insert(port_of.at(fmt::format("burst0-{}", i)));
        second.insert(port_of.at(fmt::format("burst1-{}", i)));
    }
    // Three connections each time (one request each, HTTP/1.1), and the same three: with one
    // kept idle, as before, the second burst opened two more.
    CHECK(first.size() == 3);
    CHECK(second == first);
}

TEST_CASE("CurlTransport opens at most max_connections connections; the others wait their turn") {
    test::HttpServer server;
    std::mutex mutex;
    std::set<int> ports;
    int inside = 0;
    int most_inside = 0;
    server.routes().Get("/n", [&](const httplib::Request& req, httplib::Response& res) {
        {
            const std::scoped_lock lock(mutex);
            ports.insert(req.remote_port);
            most_inside = std::max(most_inside, ++inside);
        }
        // Long enough for the other requests to come while this one is answered.
        std::this_thread::sleep_for(100ms);
        {
            const std::scoped_lock lock(mutex);
            --inside;
        }
        res.set_content(req.get_param_value("i"), "text/plain");
    });
    server.routes().set_keep_alive_max_count(1000);
    server.start();
    http::CurlOptions options;
    options.max_connections = 2;
    // Request 11's timeout is shorter than all 12 one after another on 2 connections (6 x
    // 100 ms), far longer than one: it counts from when the request has a connection.
    options.request_timeout = 2s;
    http::CurlTransport transport(options);
    util::WorkerPool pool(12);
    std::vector<std::function<std::string()>> tasks;
    for (int i = 0; i < 12; ++i) {
        tasks.emplace_back([&, i] {
            auto request = get(server.url("/n?i=" + std::to_string(i)));
            if (i == 11) {
                request.timeout = 500ms;
            }
            return transport.send(request).body;
        });
    }
    const auto results = util::run_all(pool, std::move(tasks));
    for (std::size_t i = 0; i < results.size(); ++i) {
        REQUIRE(results[i].ok());
        CHECK(*results[i].value == std::to_string(i));
    }
    CHECK(ports.size() <= 2);
    CHECK(most_inside <= 2);
}

TEST_CASE("CurlTransport goes through proxy-url") {
    test::HttpServer target;
    target.routes().Get("/", [](const httplib::Request&, httplib::Response& res) {
        res.set_content("direct", "text/plain");
    });
    target.start();
    test::HttpServer closed;
    closed.start();
    const auto proxy = "http://127.0.0.1:" + std::to_string(closed.port());
    closed.stop();
    http::CurlOptions options;
    options.proxy_url = proxy;
    // The target is up, the proxy is not: the request must fail to connect.
    try {
        http::CurlTransport(options).send(get(target.url("/")));
        FAIL("expected a TransportError");
    } catch (const http::TransportError& error) {
        CHECK(error.kind() == http::TransportError::Kind::connect);
    }
}

TEST_CASE("CurlTransport stops when the cancellation flag is raised") {
    test::HttpServer server;
    Gate gate;
    auto cancelled = std::make_shared<std::atomic<bool>>(false);
    server.routes().Get("/slow", [&](const httplib::Request&, httplib::Response& res) {
        cancelled->store(true); // the user pressed Ctrl-C while the server works
        gate.wait();
        res.set_content("late", "text/plain");
    });
    server.start();
    http::CurlOptions options;
    options.cancelled = cancelled;
    http::CurlTransport transport(options);
    CHECK_THROWS_AS(transport.send(get(server.url("/slow"))), InterruptedError);
    gate.open();
    CHECK_THROWS_AS(transport.send(get(server.url("/slow"))), InterruptedError);
}

TEST_CASE("CurlTransport's streams_cancelled ends a quiet stream but lets requests run") {
    test::HttpServer server;
    Gate gate;
    auto interrupted = std::make_shared<std::atomic<bool>>(false);
    server.routes().Get("/quiet-watch", [&](const httplib::Request&, httplib::Response& res) {
        res.set_chunked_content_provider("application/json", [&](size_t, httplib::DataSink&) {
            // A watch on a Job that runs for minutes: no event comes, and Ctrl-C is pressed.
            interrupted->store(true);
            gate.wait();
            return false;
        });
    });
    server.routes().Get("/list", [](const httplib::Request&, httplib::Response& res) {
        res.set_content("{\"items\":[]}", "application/json");
    });
    server.start();
    http::CurlOptions options;
    options.streams_cancelled = interrupted;
    http::CurlTransport transport(options);
    CHECK_THROWS_AS(
        transport.stream(get(server.url("/quiet-watch")), [](std::string_view) { return true; }),
        InterruptedError);
    gate.open();
    // After the interrupt the command still reports and cleans up: plain requests go out,
    // new streams do not.
    CHECK(transport.send(get(server.url("/list"))).status == 200);
    CHECK_THROWS_AS(
        transport.stream(get(server.url("/quiet-watch")), [](std::string_view) { return true; }),
        InterruptedError);
}

TEST_CASE("CurlTransport refuses a reply larger than max_body_bytes, announced or not") {
    test::HttpServer server;
    const std::string big(2000, 'x');
    server.routes().Get("/fits", [](const httplib::Request&, httplib::Response& res) {
        res.set_content(std::string(1000, 'x'), "application/json");
    });
    server.routes().Get("/announced", [&](const httplib::Request&, httplib::Response& res) {
        res.set_content(big, "application/json");
    });
    // Chunked: no Content-Length, so only counting what arrives can stop it.
    const auto chunked = [&](httplib::Response& res) {
        res.set_chunked_content_provider("application/json", [&](size_t, httplib::DataSink& sink) {
            for (std::size_t at = 0; at < big.size(); at += 100) {
                if (!sink.write(big.data() + at, 100)) {
                    return false;
                }
            }
            sink.done();
            return true;
        });
    };
    server.routes().Get("/chunked",
                        [&](const httplib::Request&, httplib::Response& res) { chunked(res); });
    server.routes().Get("/error", [&](const httplib::Request&, httplib::Response& res) {
        res.status = 500;
        chunked(res);
    });
    server.start();
    http::CurlOptions options;
    options.max_body_bytes = 1000;
    http::CurlTransport transport(options);

    CHECK(transport.send(get(server.url("/fits"))).body.size() == 1000);
    for (const char* path : {"/announced", "/chunked"}) {
        CAPTURE(path);
        try {
            transport.send(get(server.url(path)));
            FAIL("expected an Error");
        } catch (const http::TransportError&) {
            FAIL("not a TransportError: it must not be retried");
        } catch (const Error& error) {
            CHECK(error.code() == ExitCode::failed);
            CHECK(std::string(error.what()) ==
                  "GET " + server.url(path) +
                      ": the reply is larger than 1000 bytes, the most pxclone reads of one reply");
        }
    }
    // A stream's 2xx body is the reader's to bound; an error reply it keeps is bounded here.
    std::size_t streamed = 0;
    CHECK(transport
              .stream(get(server.url("/chunked")),
                      [&](std::string_view chunk) {
                          streamed += chunk.size();
                          return true;
                      })
              .status == 200);
    CHECK(streamed == big.size());
    CHECK_THROWS_AS(
        transport.stream(get(server.url("/error")), [](std::string_view) { return true; }), Error);
    // The handle that was cut is reused without trouble.
    CHECK(transport.send(get(server.url("/fits"))).status == 200);
}

TEST_CASE("CurlTransport ends a request by the command's deadline, and starts none after it") {
    test::HttpServer server;
    Gate gate;
    server.routes().Get("/stall", [&](const httplib::Request&, httplib::Response& res) {
        gate.wait();
        res.set_content("late", "text/plain");
    });
    server.start();
    auto clock = std::make_shared<util::SystemClock>();
    SUBCASE("cut at the deadline: a timeout (exit 4) naming the request and the deadline") {
        http::CurlOptions options;
        options.clock = clock;
        options.deadline = util::Deadline::after(*clock, 300ms, "--timeout 1s");
        http::CurlTransport transport(options);
        try {
            transport.send(get(server.url("/stall")));
            FAIL("expected a TimeoutError");
        } catch (const TimeoutError& error) {
            CHECK(std::string(error.what()) ==
                  "GET " + server.url("/stall") +
                      ": no complete answer before the deadline (--timeout 1s)");
        }
    }
    SUBCASE("the deadline and its grace have passed: not sent") {
        http::CurlOptions options;
        options.clock = clock;
        options.deadline = util::Deadline(clock->now() - 1min, "--timeout 1s");
        http::CurlTransport transport(options);
        CHECK_THROWS_WITH_AS(transport.send(get(server.url("/stall"))),
                             doctest::Contains("not sent before the deadline (--timeout 1s)"),
                             TimeoutError);
    }
    SUBCASE("a shorter request timeout is the request's, not the deadline's") {
        http::CurlOptions options;
        options.clock = clock;
        options.request_timeout = 200ms;
        options.deadline = util::Deadline::after(*clock, 1h, "--timeout 1h");
        http::CurlTransport transport(options);
        CHECK_THROWS_AS(transport.send(get(server.url("/stall"))), http::TransportError);
    }
    gate.open();
}

TEST_CASE("CurlTransport cuts a reply that stalls mid-body, whatever the request timeout") {
    test::HttpServer server;
    Gate gate;
    server.routes().Get("/trickle", [&](const httplib::Request&, httplib::Response& res) {
        res.set_chunked_content_provider("application/json", [&](size_t, httplib::DataSink& sink) {
            sink.write("{", 1);
            gate.wait();
            return false;
        });
    });
    server.start();
    http::CurlOptions options;
    options.request_timeout = 0ms; // none, as kubectl's default
    options.reply_stall_window = 1s;
    http::CurlTransport transport(options);
    try {
        transport.send(get(server.url("/trickle")));
        FAIL("expected a TransportError");
    } catch (const http::TransportError& error) {
        CHECK(error.kind() == http::TransportError::Kind::timeout);
    }
    gate.open();
}

// Sends run on the transport's event loop, streams on their caller's thread with the share
// handle's connections. A handle that went from one to the other left connections that nothing
// freed (found by LeakSanitizer in e2e runs, about one run in three): the ASan build of this
// test fails at exit when that comes back.
TEST_CASE("CurlTransport alternates sends and streams without losing a connection") {
    test::HttpServer server;
    server.routes().Get("/object", [](const httplib::Request&, httplib::Response& res) {
        res.set_content("{\"kind\":\"Namespace\"}", "application/json");
    });
    server.routes().Get("/watch", [](const httplib::Request&, httplib::Response& res) {
        res.set_content("{\"type\":\"ADDED\"}\n", "application/json");
    });
    server.start();
    {
        http::CurlTransport transport({});
        util::WorkerPool pool(4);
        for (int round = 0; round < 20; ++round) {
            std::vector<std::future<int>> sends;
            for (int i = 0; i < 4; ++i) {
                sends.push_back(
                    pool.submit([&] { return transport.send(get(server.url("/object"))).status; }));
            }
            std::string events;
            const auto watched =
                transport.stream(get(server.url("/watch")), [&events](std::string_view chunk) {
                    events.append(chunk);
                    return true;
                });
            CHECK(watched.status == 200);
            CHECK(events.find("ADDED") != std::string::npos);
            for (auto& send : sends) {
                CHECK(send.get() == 200);
            }
        }
    }
}
