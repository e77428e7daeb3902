#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <doctest/doctest.h>
#include <httplib.h>

#include "sim_test_support.hpp"

using pxsim::Json;

namespace {

std::filesystem::path temp_dir(const std::string& name) {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("pxsim-test-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    return dir;
}

std::string read(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

const std::string k_configmap =
    R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"k":"v"}})";

} // namespace

TEST_CASE("token authentication on both APIs") {
    pxsim::ServerOptions options;
    options.token = "s3cret";
    options.controllers = false;
    pxsim::Server server(options);
    const int port = server.start();
    httplib::Client client("127.0.0.1", port);
    const auto anonymous = client.Get("/api/v1/namespaces");
    REQUIRE(anonymous);
    CHECK(anonymous->status == 401);
    CHECK(Json::parse(anonymous->body)["reason"] == "Unauthorized");
    const auto wrong = client.Get("/api/v1/namespaces", {{"Authorization", "Bearer nope"}});
    CHECK(wrong->status == 401);
    const auto good = client.Get("/api/v1/namespaces", {{"Authorization", "Bearer s3cret"}});
    CHECK(good->status == 200);
    CHECK(Json::parse(good->body)["kind"] == "NamespaceList");

    const auto px_anonymous = client.Get("/v1/volumes");
    CHECK(px_anonymous->status == 401);
    CHECK(Json::parse(px_anonymous->body)["code"] == 16);
    CHECK(client.Get("/v1/volumes", {{"Authorization", "bearer nope"}})->status == 403);
    // The SDK's lower-case scheme, directly and through the API server's service proxy.
    const auto proxied = client.Get(
        "/api/v1/namespaces/kube-system/services/portworx-api:9021/proxy/v1/no-such-route",
        {{"Authorization", "bearer s3cret"}});
    CHECK(proxied->status == 404);
    CHECK(proxied->get_header_value("Content-Type").rfind("text/plain", 0) == 0);
    CHECK(client.Get("/v1/identities/version")->status != 401);
    server.stop();
}

TEST_CASE("TLS with client certificates made by openssl") {
    const auto dir = temp_dir("tls");
    const std::string d = dir.string();
    const std::string script =
        "cd '" + d +
        "' && "
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 1 "
        "-subj /CN=pxsim-test-ca >/dev/null 2>&1 && "
        "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr "
        "-subj /CN=127.0.0.1 >/dev/null 2>&1 && "
        "printf 'subjectAltName=IP:127.0.0.1' > san.ext && "
        "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt "
        "-days 1 -extfile san.ext >/dev/null 2>&1 && "
        "openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr "
        "-subj /CN=tester >/dev/null 2>&1 && "
        "openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
        "-out client.crt -days 1 >/dev/null 2>&1";
    REQUIRE(std::system(script.c_str()) == 0);

    pxsim::ServerOptions options;
    options.tls_cert = d + "/server.crt";
    options.tls_key = d + "/server.key";
    options.client_ca = d + "/ca.crt";
    options.token = "s3cret";
    options.controllers = false;
    pxsim::Server server(options);
    const int port = server.start();
    CHECK(server.url() == "https://127.0.0.1:" + std::to_string(port));
    CHECK(server.kubeconfig().find("certificate-authority-data: ") != std::string::npos);

    httplib::SSLClient without_cert("127.0.0.1", port);
    without_cert.set_ca_cert_path((d + "/ca.crt").c_str());
    without_cert.enable_server_certificate_verification(true);
    CHECK_FALSE(without_cert.Get("/version"));

    httplib::SSLClient with_cert("127.0.0.1", port, d + "/client.crt", d + "/client.key");
    with_cert.set_ca_cert_path((d + "/ca.crt").c_str());
    with_cert.enable_server_certificate_verification(true);
    const auto reply = with_cert.Get("/api/v1/namespaces/default");
    REQUIRE(reply);
    CHECK(reply->status == 200); // the client certificate authenticates; no token needed
    server.stop();
    std::filesystem::remove_all(dir);
}

TEST_CASE("HTTPS with a token and no client CA") {
    const auto dir = temp_dir("https");
    const std::string d = dir.string();
    const std::string script = "cd '" + d +
                               "' && openssl req -x509 -newkey rsa:2048 -nodes -keyout k.pem "
                               "-out c.pem -days 1 -subj /CN=127.0.0.1 "
                               "-addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1";
    REQUIRE(std::system(script.c_str()) == 0);
    pxsim::ServerOptions options;
    options.tls_cert = d + "/c.pem";
    options.tls_key = d + "/k.pem";
    options.token = "t0k";
    options.controllers = false;
    pxsim::Server server(options);
    const int port = server.start();
    httplib::SSLClient client("127.0.0.1", port);
    client.set_ca_cert_path((d + "/c.pem").c_str());
    client.enable_server_certificate_verification(true);
    CHECK(client.Get("/api/v1/namespaces")->status == 401);
    CHECK(client.Get("/api/v1/namespaces", {{"Authorization", "Bearer t0k"}})->status == 200);
    server.stop();
    std::filesystem::remove_all(dir);
}

TEST_CASE("watch over HTTP streams newline-delimited events") {
    pxsim::ServerOptions options;
    options.controllers = false;
    pxsim::Server server(options);
    const int port = server.start();
    httplib::Client client("127.0.0.1", port);
    const Json list = Json::parse(client.Get("/api/v1/namespaces/default/configmaps")->body);
    const std::string rv = list["metadata"]["resourceVersion"];
    REQUIRE(client.Post("/api/v1/namespaces/default/configmaps", k_configmap, "application/json")
                ->status == 201);
    REQUIRE(client.Delete("/api/v1/namespaces/default/configmaps/c")->status == 200);
    std::string received;
    std::vector<Json> events;
    const auto reply = client.Get(
        "/api/v1/namespaces/default/configmaps?watch=1&allowWatchBookmarks=true&resourceVersion=" +
            rv + "&timeoutSeconds=30",
        [&](const char* data, std::size_t length) {
            received.append(data, length);
            std::size_t newline = 0;
            while ((newline = received.find('\n')) != std::string::npos) {
                events.push_back(Json::parse(received.substr(0, newline)));
                received.erase(0, newline + 1);
            }
            return events.size() < 2;
        });
    REQUIRE(events.size() == 2);
    CHECK(events[0]["type"] == "ADDED");
    CHECK(events[1]["type"] == "DELETED");
    CHECK(events[1]["object"]["metadata"]["name"] == "c");
    server.stop();
}

TEST_CASE("faults: seeded 429 with Retry-After, targeted 500, reset") {
    pxsim::ServerOptions options;
    options.controllers = false;
    options.faults = {"rate=1,kinds=429,retry-after=3", "GET /api/v1/namespaces/default#1=500"};
    pxsim::Server server(options);
    const int port = server.start();
    httplib::Client client("127.0.0.1", port);
    const auto targeted = client.Get("/api/v1/namespaces/default");
    CHECK(targeted->status == 500);
    const auto throttled = client.Get("/api/v1/namespaces/default");
    CHECK(throttled->status == 429);
    CHECK(throttled->get_header_value("Retry-After") == "3");
    CHECK(Json::parse(throttled->body)["details"]["retryAfterSeconds"] == 3);
    CHECK(client.Get("/_sim/state")->status == 200); // admin endpoints are never faulted
    server.stop();

    pxsim::ServerOptions reset_options;
    reset_options.controllers = false;
    reset_options.faults = {"rate=1,kinds=reset"};
    pxsim::Server reset_server(reset_options);
    httplib::Client reset_client("127.0.0.1", reset_server.start());
    const auto cut = reset_client.Get("/api/v1/namespaces");
    CHECK_FALSE(cut);
    reset_server.stop();

    // reset-after: the create lands, only its reply is lost.
    pxsim::ServerOptions after_options;
    after_options.controllers = false;
    after_options.faults = {"POST /api/v1/namespaces#1=reset-after"};
    pxsim::Server after_server(after_options);
    httplib::Client after_client("127.0.0.1", after_server.start());
    CHECK_FALSE(after_client.Post(
        "/api/v1/namespaces", R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"x"}})",
        "application/json"));
    CHECK(after_client.Get("/api/v1/namespaces/x")->status == 200);
    after_server.stop();
}

TEST_CASE("the request log: canonical JSON lines, secrets redacted; admin endpoints") {
    const auto dir = temp_dir("log");
    pxsim::ServerOptions options;
    options.controllers = false;
    options.log_file = (dir / "requests.jsonl").string();
    options.token = "hunter2-token";
    pxsim::Server server(options);
    httplib::Client client("127.0.0.1", server.start());
    const httplib::Headers auth = {{"Authorization", "Bearer hunter2-token"}};
    CHECK(
        client
            .Post(
                "/api/v1/namespaces/default/secrets", auth,
                R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"db"},"stringData":{"password":"topsecret-value"}})",
                "application/json")
            ->status == 201);
    CHECK(client.Get("/api/v1/namespaces/default/secrets?labelSelector=a%3Db&limit=5", auth)
              ->status == 200);
    server.stop();
    const std::string log = read(dir / "requests.jsonl");
    CHECK(log.find("topsecret-value") == std::string::npos);
    CHECK(log.find("hunter2-token") == std::string::npos);
    std::istringstream lines(log);
    std::string line;
    std::vector<Json> entries;
    while (std::getline(lines, line)) {
        const Json entry = Json::parse(line);
        CHECK(entry.dump() == line); // keys sorted, compact: canonical
        entries.push_back(entry);
    }
    REQUIRE(entries.size() == 2);
    CHECK(entries[0]["method"] == "POST");
    CHECK(entries[0]["status"] == 201);
    CHECK(entries[0]["body"]["stringData"]["password"] == "<redacted>");
    CHECK(entries[1]["query"] == Json{{"labelSelector", "a=b"}, {"limit", "5"}});
    CHECK(server.requests().size() == 2);
    std::filesystem::remove_all(dir);
}

TEST_CASE("admin: state, violations and reset") {
    const auto dir = temp_dir("admin");
    std::ofstream(dir / "state.yaml")
        << "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n"
           "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n"
           "  name: app\n  namespace: prod\ndata:\n  a: b\n";
    pxsim::ServerOptions options;
    options.controllers = false;
    options.state_files = {(dir / "state.yaml").string()};
    options.source_namespaces = {"prod"};
    pxsim::Server server(options);
    httplib::Client client("127.0.0.1", server.start());
    CHECK(client.Delete("/api/v1/namespaces/prod/configmaps/app")->status == 200);
    const Json violations = Json::parse(client.Get("/_sim/violations")->body);
    REQUIRE(violations.size() == 1);
    CHECK(violations[0]["api"] == "kubernetes");
    CHECK(violations[0]["what"] == "delete configmaps prod/app");
    CHECK(client.Post("/_sim/reset", "", "application/json")->status == 200);
    CHECK(Json::parse(client.Get("/_sim/violations")->body).empty());
    CHECK(client.Get("/api/v1/namespaces/prod/configmaps/app")->status == 200);
    const Json state = Json::parse(client.Get("/_sim/state")->body);
    CHECK(state["kubernetes"]["v1/configmaps"].size() == 1);
    server.stop();
    std::filesystem::remove_all(dir);
}

TEST_CASE("the production guard takes the labels that mark the client's objects from the options") {
    const auto dir = temp_dir("client-labels");
    std::ofstream(dir / "state.yaml")
        << "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n";
    // Creates a ConfigMap in the source namespace carrying `labels`; true when that was a
    // violation.
    const auto violates = [](pxsim::Server& server, const std::string& name, const Json& labels) {
        const std::size_t before = server.violations().size();
        pxsim::SimRequest request;
        request.method = "POST";
        request.path = "/api/v1/namespaces/prod/configmaps";
        request.headers["content-type"] = "application/json";
        request.body = Json{{"apiVersion", "v1"},
                            {"kind", "ConfigMap"},
                            {"metadata", {{"name", name}, {"labels", labels}}}}
                           .dump();
        REQUIRE(server.dispatch(request).status == 201);
        return server.violations().size() > before;
    };
    const Json pxclone = {{"app.kubernetes.io/managed-by", "pxclone"}};
    const Json other = {{"app.kubernetes.io/managed-by", "other-tool"}, {"team", "storage"}};
    pxsim::ServerOptions options;
    options.controllers = false;
    options.state_files = {(dir / "state.yaml").string()};
    options.source_namespaces = {"prod"};
    SUBCASE("pxclone's label by default") {
        pxsim::Server server(options);
        CHECK_FALSE(violates(server, "a", pxclone));
        CHECK(violates(server, "b", other));
        CHECK(violates(server, "c", Json::object()));
    }
    SUBCASE("another client's labels when configured (a selector; every requirement must hold)") {
        options.client_labels = "app.kubernetes.io/managed-by=other-tool,team in (storage,db)";
        pxsim::Server server(options);
        CHECK(violates(server, "a", pxclone));
        CHECK_FALSE(violates(server, "b", other));
        CHECK(violates(server, "c", {{"app.kubernetes.io/managed-by", "other-tool"}}));
        CHECK(server.violations().back()["what"] == "create configmaps prod/c");
    }
    SUBCASE("an empty or malformed selector is refused at start") {
        for (const std::string bad : {"", " ", "a=b,,c=d", "bad key=x"}) {
            options.client_labels = bad;
            CHECK_THROWS_WITH_AS(pxsim::Server{options}, doctest::Contains("--client-labels"),
                                 std::invalid_argument);
        }
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("a bad state file is reported with its place") {
    const auto dir = temp_dir("bad");
    std::ofstream(dir / "bad.yaml") << "apiVersion: v1\nkind: Gizmo\nmetadata:\n  name: x\n";
    pxsim::ServerOptions options;
    options.state_files = {(dir / "bad.yaml").string()};
    CHECK_THROWS_WITH_AS(pxsim::Server{options}, doctest::Contains("bad.yaml: object 1"),
                         std::runtime_error);
    std::filesystem::remove_all(dir);
}

TEST_CASE("a state file with an alias cycle or an alias bomb is an error at start, not a crash") {
    const auto dir = temp_dir("aliases");
    std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (int i = 1; i < 9; ++i) {
        bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
        for (int k = 0; k < 10; ++k) {
            bomb += (k == 0 ? "*a" : ", *a") + std::to_string(i - 1);
        }
        bomb += "]\n";
    }
    const std::vector<std::pair<std::string, std::string>> cases{
        {"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: &d {a: *d}\n",
         "line 4, column 7: an alias refers to the node that contains it"},
        {"a: &a [*a]\n", "line 1, column 4: an alias refers to the node that contains it"},
        {bomb, "aliases expand to more than 1000000 values"},
    };
    for (const auto& [text, message] : cases) {
        CAPTURE(text);
        std::ofstream(dir / "state.yaml") << text;
        pxsim::ServerOptions options;
        options.state_files = {(dir / "state.yaml").string()};
        std::string what;
        try {
            pxsim::Server server(options);
        } catch (const std::runtime_error& error) {
            what = error.what();
        }
        CHECK(what.find("state.yaml: line ") != std::string::npos);
        CHECK(what.find(message) != std::string::npos);
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("watch faults: closed early, or 410 Expired as an ERROR event") {
    for (const std::string kind : {"watch-close", "410"}) {
        pxsim::ServerOptions options;
        options.controllers = false;
        options.faults = {"GET /api/v1/namespaces/default/configmaps#1=" + kind};
        pxsim::Server server(options);
        httplib::Client client("127.0.0.1", server.start());
        REQUIRE(
            client.Post("/api/v1/namespaces/default/configmaps", k_configmap, "application/json")
                ->status == 201);
        std::string received;
        // Without the fault this watch would stream the ConfigMap and then wait 30 s.
        const auto reply =
            client.Get("/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=30",
                       [&](const char* data, std::size_t length) {
                           received.append(data, length);
                           return true;
                       });
        REQUIRE(reply);
        CHECK(reply->status == 200);
        if (kind == "410") {
            const Json event = Json::parse(received);
            CHECK(event["type"] == "ERROR");
            CHECK(event["object"]["code"] == 410);
        } else {
            CHECK(std::count(received.begin(), received.end(), '\n') <= 1);
        }
        server.stop();
    }
}

TEST_CASE("a targeted Portworx fault matches the gateway path, also through the proxy") {
    pxsim::ServerOptions options;
    options.controllers = false;
    options.faults = {"POST /v1/volumes/snapshots#2=500"};
    pxsim::Server server(options);
    httplib::Client client("127.0.0.1", server.start());
    const std::string proxy = "/api/v1/namespaces/kube-system/services/portworx-api:9021/proxy";
    const std::string body = R"({"volume_id":"1","name":"s"})";
    CHECK(client.Post("/v1/volumes/snapshots", body, "application/json")->status != 500);
    const auto second = client.Post(proxy + "/v1/volumes/snapshots", body, "application/json");
    REQUIRE(second);
    CHECK(second->status == 500);
    CHECK(Json::parse(second->body)["code"] == 13);
    CHECK(client.Post("/v1/volumes/snapshots", body, "application/json")->status != 500);
    server.stop();
}

TEST_CASE("a targeted Portworx fault may name the path as the service proxy serves it") {
    pxsim::ServerOptions options;
    options.controllers = false;
    const std::string proxy = "/api/v1/namespaces/kube-system/services/portworx-api:9021/proxy";
    options.faults = {"POST " + proxy + "/v1/volumes/snapshots#2=500"};
    pxsim::Server server(options);
    httplib::Client client("127.0.0.1", server.start());
    const std::string body = R"({"volume_id":"1","name":"s"})";
    CHECK(client.Post(proxy + "/v1/volumes/snapshots", body, "application/json")->status != 500);
    const auto second = client.Post("/v1/volumes/snapshots", body, "application/json");
    REQUIRE(second);
    CHECK(second->status == 500);
    server.stop();
}
