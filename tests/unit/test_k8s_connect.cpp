#include "pxclone/error.hpp"
#include "pxclone/k8s/connect.hpp"
#include "pxclone/util/base64.hpp"

#include <atomic>
#include <regex>
#include <sstream>

#include <doctest/doctest.h>

#include "support/fake_clock.hpp"
#include "support/fake_transport.hpp"
#include "support/http_server.hpp"
#include "support/temp_dir.hpp"
#include "support/tls_files.hpp"

using namespace pxclone;

namespace {

struct Fixture {
    test::TempDir dir;
    util::MapEnvironment env;
    std::ostringstream log_text;
    std::shared_ptr<http::LogSink> log = std::make_shared<http::LogSink>(log_text);
    std::shared_ptr<http::RunRecord> record = std::make_shared<http::RunRecord>();
    std::shared_ptr<test::FakeClock> clock = std::make_shared<test::FakeClock>();
    std::shared_ptr<test::FakeSleeper> sleeper = std::make_shared<test::FakeSleeper>(clock);

    k8s::ConnectOptions options(const std::string& kubeconfig, int verbosity) {
        k8s::ConnectOptions o;
        o.kubeconfig_path = dir.write("kubeconfig", kubeconfig).string();
        o.env = &env;
        o.in_cluster_root = dir.path();
        o.verbosity = verbosity;
        o.log = log;
        o.record = record;
        o.clock = clock;
        o.sleeper = sleeper;
        o.plugin_environment = util::current_environment();
        o.stdin_is_terminal = false;
        return o;
    }
};

std::string kubeconfig(const std::string& server, const std::string& cluster_extra,
                       const std::string& user) {
    return "apiVersion: v1\nkind: Config\ncurrent-context: test\n"
           "clusters:\n- name: c\n  cluster:\n    server: " +
           server + "\n" + cluster_extra + "users:\n- name: u\n  user:\n" + user +
           "contexts:\n- name: test\n  context: {cluster: c, user: u, namespace: prod}\n";
}

http::Request get(const std::string& url) {
    http::Request request;
    request.api = "k8s";
    request.url = url;
    request.idempotent = true;
    return request;
}

} // namespace

TEST_CASE("connect_cluster: mTLS with in-memory CA, certificate and key, logged and recorded") {
    const auto& tls = test::tls_files();
    test::HttpServer server(tls.server_crt.string(), tls.server_key.string(), tls.ca_crt.string());
    server.routes().Get("/api/v1/namespaces/prod/persistentvolumeclaims",
                        [](const httplib::Request&, httplib::Response& res) {
                            res.set_content(R"({"kind":"PersistentVolumeClaimList","items":[]})",
                                            "application/json");
                        });
    server.start();
    Fixture f;
    const auto data = [](const std::filesystem::path& file) {
        return util::base64_encode(test::read_file(file));
    };
    const auto connection = k8s::connect_cluster(f.options(
        kubeconfig(server.url(""), "    certificate-authority-data: " + data(tls.ca_crt) + "\n",
                   "    client-certificate-data: " + data(tls.client_crt) + "\n" +
                       "    client-key-data: " + data(tls.client_key) + "\n"),
        1));
    CHECK(connection.default_namespace == "prod");
    CHECK(connection.context == "test");
    CHECK(connection.server == server.url(""));
    const auto response = connection.transport->send(
        get(connection.server + "/api/v1/namespaces/prod/persistentvolumeclaims"));
    CHECK(response.status == 200);
    CHECK(std::regex_match(f.log_text.str(),
                           std::regex(R"(k8s GET /api/v1/namespaces/prod/persistentvolumeclaims )"
                                      R"(200 \d+ms HTTP/1\.1\n)")));
    const auto records = f.record->requests();
    REQUIRE(records.size() == 1);
    CHECK(records[0].status == 200);
    CHECK(records[0].path == "/api/v1/namespaces/prod/persistentvolumeclaims");
}

TEST_CASE("connect_cluster: exec token, 401 refresh and 429 retry through the whole stack") {
    test::HttpServer server;
    std::atomic<int> calls{0};
    server.routes().Get("/api/v1/pods", [&](const httplib::Request& req, httplib::Response& res) {
        const int call = ++calls;
        if (call == 1) {
            res.status = 429;
            res.set_header("Retry-After", "2");
            return;
        }
        // The plugin's first token is "rejected"; its second is accepted.
        if (req.get_header_value("Authorization") != "Bearer exec-tok-2") {
            res.status = 401;
            return;
        }
        res.set_content(R"({"kind":"PodList","items":[]})", "application/json");
    });
    server.start();
    Fixture f;
    f.dir.write("plugin.sh",
                "#!/bin/sh\nd=$(dirname \"$0\")\nn=$(cat \"$d/n\" 2>/dev/null || echo 0)\n"
                "n=$((n+1))\necho $n > \"$d/n\"\n"
                "echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":"
                "\"ExecCredential\",\"status\":{\"token\":\"exec-tok-'$n'\"}}'\n",
                0755);
    const auto connection = k8s::connect_cluster(
        f.options(kubeconfig(server.url(""), "",
                             "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
                             "      command: ./plugin.sh\n      interactiveMode: Never\n"),
                  1));
    const auto response = connection.transport->send(get(connection.server + "/api/v1/pods"));
    CHECK(response.status == 200);
    CHECK(response.retries == 1);
    CHECK(calls == 3);
    CHECK(f.sleeper->waits() == std::vector<std::chrono::milliseconds>{std::chrono::seconds(2)});
    CHECK(f.log_text.str().find("k8s GET /api/v1/pods 200 ") != std::string::npos);
    CHECK(f.log_text.str().find("retries=1") != std::string::npos);
}

TEST_CASE("connect_cluster: at -vvv no token, key or Secret value reaches the log or record") {
    const auto& tls = test::tls_files();
    test::HttpServer server(tls.server_crt.string(), tls.server_key.string(), tls.ca_crt.string());
    const std::string secret_value = util::base64_encode("db-password-SECRET-4");
    server.routes().Get("/api/v1/namespaces/prod/secrets/db",
                        [&](const httplib::Request&, httplib::Response& res) {
                            res.set_content(R"({"kind":"Secret","metadata":{"name":"db"},)"
                                            R"("data":{"password":")" +
                                                secret_value + R"("}})",
                                            "application/json");
                        });
    server.routes().Post("/api/v1/namespaces/prod/secrets",
                         [](const httplib::Request& req, httplib::Response& res) {
                             res.status = 201;
                             res.set_content(req.body, "application/json");
                         });
    server.start();
    Fixture f;
    const auto key_pem = test::read_file(tls.client_key);
    const auto connection = k8s::connect_cluster(f.options(
        kubeconfig(server.url(""), "    certificate-authority: " + tls.ca_crt.string() + "\n",
                   "    token: kube-token-SECRET-1\n"
                   "    client-certificate-data: " +
                       util::base64_encode(test::read_file(tls.client_crt)) + "\n" +
                       "    client-key-data: " + util::base64_encode(key_pem) + "\n"),
        3));

    auto read = get(connection.server + "/api/v1/namespaces/prod/secrets/db");
    read.headers = {{"Authorization", "Bearer px-token-SECRET-2"}};
    CHECK(connection.transport->send(read).status == 200);
    http::Request create;
    create.api = "k8s";
    create.method = http::Method::post;
    create.url = connection.server + "/api/v1/namespaces/prod/secrets";
    create.headers = {{"Content-Type", "application/json"}};
    create.body = R"({"kind":"Secret","metadata":{"name":"copy"},)"
                  R"("stringData":{"token":"string-SECRET-3"}})";
    CHECK(connection.transport->send(create).status == 201);

    const auto record_file = f.dir.path() / "record.json";
    f.record->write_file(record_file.string());
    const auto everything = f.log_text.str() + test::read_file(record_file);
    // Something was logged at every level, so the absence below means something.
    CHECK(everything.find("> Content-Type: application/json") != std::string::npos);
    CHECK(everything.find("\"name\":\"copy\"") != std::string::npos);
    CHECK(everything.find("Bearer <redacted>") != std::string::npos);
    for (const std::string& secret :
         {std::string("SECRET"), secret_value, key_pem.substr(key_pem.find('\n') + 1, 40)}) {
        CAPTURE(secret);
        CHECK(everything.find(secret) == std::string::npos);
    }
}

TEST_CASE("connect_cluster: insecure-skip-tls-verify warns through the log sink") {
    Fixture f;
    const auto connection = k8s::connect_cluster(f.options(
        kubeconfig("https://127.0.0.1:1", "    insecure-skip-tls-verify: true\n", "    token: t\n"),
        0));
    CHECK(f.log_text.str().find("TLS certificate verification is disabled") != std::string::npos);
}

TEST_CASE("is_plaintext_remote: plain http to a host other than loopback") {
    CHECK(k8s::is_plaintext_remote("http://10.0.0.1:8080"));
    CHECK(k8s::is_plaintext_remote("HTTP://api.example.com/prefix"));
    CHECK(k8s::is_plaintext_remote("http://user@0.0.0.0:80"));
    CHECK(k8s::is_plaintext_remote("http://[fe80::1]:80"));
    CHECK_FALSE(k8s::is_plaintext_remote("https://10.0.0.1:6443"));
    CHECK_FALSE(k8s::is_plaintext_remote("http://127.0.0.1:8080/x"));
    CHECK_FALSE(k8s::is_plaintext_remote("http://127.1.2.3"));
    CHECK_FALSE(k8s::is_plaintext_remote("http://LOCALHOST:80"));
    CHECK_FALSE(k8s::is_plaintext_remote("http://[::1]:80"));
}

TEST_CASE("connect_cluster refuses a token over plain http to a remote host unless allowed") {
    Fixture f;
    const std::string kubeconfig = R"(
clusters: [{name: c, cluster: {server: "http://10.0.0.1:8080"}}]
users: [{name: u, user: {token: s3cret}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
)";
    const auto options = f.options(kubeconfig, 0);
    try {
        k8s::connect_cluster(options);
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.code() == ExitCode::usage);
        CHECK(std::string(e.what()).find("refusing to send the kubeconfig user's credentials over "
                                         "plain http to http://10.0.0.1:8080") !=
              std::string::npos);
        CHECK(std::string(e.what()).find("s3cret") == std::string::npos);
        CHECK(e.hint().find("PXCLONE_ALLOW_HTTP_CREDENTIALS=1") != std::string::npos);
    }
    f.env.set("PXCLONE_ALLOW_HTTP_CREDENTIALS", "1");
    CHECK(k8s::connect_cluster(options).server == "http://10.0.0.1:8080");
    // Without credentials there is nothing to protect.
    Fixture anonymous;
    CHECK_NOTHROW(k8s::connect_cluster(anonymous.options(
        R"(
clusters: [{name: c, cluster: {server: "http://10.0.0.1:8080"}}]
users: [{name: u, user: {}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
)",
        0)));
}
