#include "pxclone/error.hpp"
#include "pxclone/k8s/auth.hpp"
#include "pxclone/util/time.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/fake_clock.hpp"
#include "support/fake_transport.hpp"
#include "support/temp_dir.hpp"

using namespace pxclone;
using namespace std::chrono_literals;

namespace {

constexpr const char* k_v1beta1 = "client.authentication.k8s.io/v1beta1";

// A plugin script that prints a token numbered by how often it ran, with a fixed expiry
// (22:20:00, seven minutes after the fake clock's start), and records what it was given.
const char* const k_counting_plugin = R"(#!/bin/sh
dir=$(dirname "$0")
n=$(cat "$dir/count" 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" > "$dir/count"
printf '%s' "$KUBERNETES_EXEC_INFO" > "$dir/exec-info"
printf '%s|%s|%s' "$1" "$2" "$PLUGIN_VAR" > "$dir/seen"
cat <<JSON
{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential",
 "status":{"token":"exec-tok-$n","expirationTimestamp":"2023-11-14T22:20:00Z"}}
JSON
)";

struct Fixture {
    test::TempDir dir;
    std::shared_ptr<test::FakeClock> clock = std::make_shared<test::FakeClock>();
    k8s::ClusterConfig cluster;
    k8s::ExecConfig exec;

    Fixture() {
        cluster.server = "https://k8s.test:6443";
        cluster.user_name = "ci";
        cluster.origin = "/home/ci/.kube/config";
        exec.api_version = k_v1beta1;
        exec.interactive_mode = "Never";
    }

    void plugin(const std::string& script) {
        exec.command = dir.write("plugin.sh", script, 0755).string();
    }

    k8s::ExecDependencies deps(bool tty = false) {
        k8s::ExecDependencies d;
        d.runner = std::make_shared<util::PosixProcessRunner>();
        d.clock = clock;
        d.base_environment = util::current_environment();
        d.stdin_is_terminal = tty;
        d.timeout = 20s;
        return d;
    }

    std::shared_ptr<k8s::ExecCredentialSource> source(bool tty = false) {
        return std::make_shared<k8s::ExecCredentialSource>(exec, cluster, "exec plugin 'p'",
                                                           deps(tty), nullptr);
    }
};

Error error_of(k8s::CredentialSource& source) {
    try {
        source.authorization();
    } catch (const Error& error) {
        return error;
    }
    FAIL("expected an error");
    return Error(ExitCode::ok, "");
}

} // namespace

TEST_CASE("exec plugin: runs without a shell with args, env and KUBERNETES_EXEC_INFO") {
    Fixture f;
    f.plugin(k_counting_plugin);
    f.exec.args = {"eks", "get-token; rm -rf /"};
    f.exec.env = {{"PLUGIN_VAR", "from-kubeconfig"}};
    f.exec.provide_cluster_info = true;
    f.cluster.tls.ca_pem = "CA-PEM";
    auto source = f.source();
    CHECK(source->authorization() == "Bearer exec-tok-1");
    CHECK(test::read_file(f.dir.path() / "seen") == "eks|get-token; rm -rf /|from-kubeconfig");
    const auto info = nlohmann::json::parse(test::read_file(f.dir.path() / "exec-info"));
    CHECK(info["apiVersion"] == k_v1beta1);
    CHECK(info["kind"] == "ExecCredential");
    CHECK(info["spec"]["interactive"] == false);
    CHECK(info["spec"]["cluster"]["server"] == "https://k8s.test:6443");
    CHECK(info["spec"]["cluster"]["certificate-authority-data"] == "Q0EtUEVN");
}

TEST_CASE("exec plugin: the credential is cached until expirationTimestamp, then refreshed") {
    Fixture f;
    f.plugin(k_counting_plugin);
    auto source = f.source();
    CHECK(source->authorization() == "Bearer exec-tok-1");
    f.clock->advance(5min);
    CHECK(source->authorization() == "Bearer exec-tok-1");
    CHECK(source->runs() == 1);
    f.clock->advance(2min); // now exactly 22:20:00, the expiry
    CHECK(source->authorization() == "Bearer exec-tok-2");
    CHECK(source->runs() == 2);
}

TEST_CASE("exec plugin: a 401 runs the plugin once more and re-sends that request once") {
    Fixture f;
    f.plugin(k_counting_plugin);
    auto inner = std::make_shared<test::FakeTransport>();
    auto source = f.source();
    k8s::AuthenticatingTransport transport(inner, source);
    http::Request post;
    post.method = http::Method::post;
    post.url = "https://k8s.test:6443/api/v1/namespaces/a/pods";

    SUBCASE("the fresh token is accepted") {
        inner->answer(401);
        inner->answer(201);
        CHECK(transport.send(post).status == 201);
        const auto sent = inner->requests();
        REQUIRE(sent.size() == 2);
        CHECK(http::find_header(sent[0].headers, "Authorization") == "Bearer exec-tok-1");
        CHECK(http::find_header(sent[1].headers, "Authorization") == "Bearer exec-tok-2");
        CHECK(source->runs() == 2);
    }
    SUBCASE("a second 401 is returned, not retried again") {
        inner->answer(401);
        inner->answer(401);
        CHECK(transport.send(post).status == 401);
        CHECK(inner->requests().size() == 2);
        CHECK(source->runs() == 2);
    }
}

TEST_CASE("exec plugin: clear errors") {
    Fixture f;
    SUBCASE("missing binary shows the install hint") {
        f.exec.command = "pxclone-test-no-such-plugin";
        f.exec.install_hint = "Install the AWS CLI: https://aws.amazon.com/cli/\n";
        const auto error = error_of(*f.source());
        CHECK(std::string(error.what()).find("'pxclone-test-no-such-plugin' not found") !=
              std::string::npos);
        CHECK(error.hint() == "Install the AWS CLI: https://aws.amazon.com/cli/");
    }
    SUBCASE("non-zero exit shows the end of stderr") {
        f.plugin("#!/bin/sh\necho 'line one' >&2\necho 'An error occurred (ExpiredToken)' >&2\n"
                 "exit 255\n");
        const auto error = error_of(*f.source());
        CHECK(std::string(error.what()).find("exit code 255") != std::string::npos);
        REQUIRE(error.details().size() == 2);
        CHECK(error.details()[1] == "stderr: An error occurred (ExpiredToken)");
    }
    SUBCASE("text instead of JSON hints at AWS_DEFAULT_OUTPUT and never echoes stdout") {
        f.plugin("#!/bin/sh\necho 'ExecCredential client.authentication.k8s.io/v1beta1 "
                 "k8s-aws-v1.SECRET'\n");
        const auto error = error_of(*f.source());
        CHECK(error.hint().find("AWS_DEFAULT_OUTPUT=json") != std::string::npos);
        CHECK(std::string(error.what()).find("SECRET") == std::string::npos);
    }
    SUBCASE("v1alpha1 output hints at aws eks update-kubeconfig") {
        f.plugin("#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1alpha1\","
                 "\"kind\":\"ExecCredential\",\"status\":{\"token\":\"t\"}}'\n");
        const auto error = error_of(*f.source());
        CHECK(error.hint().find("aws eks update-kubeconfig") != std::string::npos);
    }
    SUBCASE("another apiVersion than configured") {
        f.exec.api_version = "client.authentication.k8s.io/v1";
        f.plugin("#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\","
                 "\"kind\":\"ExecCredential\",\"status\":{\"token\":\"t\"}}'\n");
        CHECK(std::string(error_of(*f.source()).what()).find("but the kubeconfig asks for") !=
              std::string::npos);
    }
    SUBCASE("interactiveMode Always without a terminal") {
        f.plugin(k_counting_plugin);
        f.exec.interactive_mode = "Always";
        const auto error = error_of(*f.source(false));
        CHECK(error.code() == ExitCode::usage);
        CHECK(std::string(error.what()).find("stdin is not a terminal") != std::string::npos);
        CHECK_FALSE(std::filesystem::exists(f.dir.path() / "count"));
    }
}

TEST_CASE("parse_exec_credential reads certificates and RFC 3339 expiry forms") {
    const auto credential = k8s::parse_exec_credential(
        R"({"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential",
            "status":{"clientCertificateData":"CERT","clientKeyData":"KEY",
                      "expirationTimestamp":"2023-11-14T23:13:20.123+01:00"}})",
        k_v1beta1, "p");
    CHECK(credential.cert_pem == "CERT");
    CHECK(credential.key_pem == "KEY");
    CHECK(credential.expiry == std::chrono::system_clock::from_time_t(1'700'000'000));
    CHECK_FALSE(util::parse_rfc3339("2023-11-14 22:13:20").has_value());
    CHECK_THROWS_AS(k8s::parse_exec_credential(
                        R"({"apiVersion":"client.authentication.k8s.io/v1beta1",
                            "kind":"ExecCredential","status":{"clientKeyData":"KEY"}})",
                        k_v1beta1, "p"),
                    Error);
}

TEST_CASE("exec plugin: a certificate credential is handed to the transport's TLS identity") {
    Fixture f;
    f.plugin("#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\","
             "\"kind\":\"ExecCredential\",\"status\":{\"clientCertificateData\":\"CERT\","
             "\"clientKeyData\":\"KEY\"}}'\n");
    std::string cert;
    std::string key;
    k8s::ExecCredentialSource source(f.exec, f.cluster, "p", f.deps(),
                                     [&](std::string c, std::string k) {
                                         cert = std::move(c);
                                         key = std::move(k);
                                     });
    CHECK_FALSE(source.authorization().has_value());
    CHECK(cert == "CERT");
    CHECK(key == "KEY");
}

TEST_CASE("token, tokenFile and basic credentials") {
    test::TempDir dir;
    k8s::ClusterConfig cluster;
    SUBCASE("static token") {
        cluster.auth.token = "abc";
        CHECK(k8s::make_credential_source(cluster, {}, nullptr)->authorization() == "Bearer abc");
    }
    SUBCASE("basic") {
        cluster.auth.username = "user";
        cluster.auth.password = "pass";
        CHECK(k8s::make_credential_source(cluster, {}, nullptr)->authorization() ==
              "Basic dXNlcjpwYXNz");
    }
    SUBCASE("tokenFile is re-read when it changes") {
        const auto file = dir.write("token", "first\n");
        cluster.auth.token_file = file.string();
        auto source = k8s::make_credential_source(cluster, {}, nullptr);
        CHECK(source->authorization() == "Bearer first");
        dir.write("token", "second-longer\n");
        CHECK(source->authorization() == "Bearer second-longer");
        // After a 401, a changed file is worth a re-send; an unchanged one is not.
        CHECK_FALSE(source->refresh_after_unauthorized("Bearer second-longer"));
        CHECK(source->refresh_after_unauthorized("Bearer first"));
    }
    SUBCASE("none") {
        CHECK(k8s::make_credential_source(cluster, {}, nullptr) == nullptr);
    }
}

TEST_CASE("AuthenticatingTransport leaves a request's own Authorization alone") {
    auto inner = std::make_shared<test::FakeTransport>();
    inner->answer(200);
    k8s::ClusterConfig cluster;
    cluster.auth.token = "k8s-token";
    k8s::AuthenticatingTransport transport(inner,
                                           k8s::make_credential_source(cluster, {}, nullptr));
    http::Request request;
    request.headers = {{"Authorization", "Bearer px-token"}};
    transport.send(request);
    const auto sent = inner->requests().at(0);
    CHECK(sent.headers.size() == 1);
    CHECK(http::find_header(sent.headers, "authorization") == "Bearer px-token");
}

TEST_CASE("exec plugin: the deadline stops it (exit 4), and it is not started again") {
    Fixture f;
    f.plugin("#!/bin/sh\necho run >> \"$(dirname \"$0\")/runs\"\nexec sleep 30\n");
    auto clock = std::make_shared<util::SystemClock>();
    auto deps = f.deps();
    deps.deadline = util::Deadline::after(*clock, 300ms, "--timeout 10s");
    deps.runner = std::make_shared<util::PosixProcessRunner>(deps.deadline, clock, nullptr);
    k8s::ExecCredentialSource source(f.exec, f.cluster, "exec plugin 'p'", deps, nullptr);
    const auto first = error_of(source);
    CHECK(first.code() == ExitCode::timed_out);
    CHECK(std::string(first.what()) ==
          "exec plugin 'p' did not finish before the deadline (--timeout 10s); it was stopped");
    // Another request that waited for that run gets the same answer, without a second run.
    CHECK(std::string(error_of(source).what()) == first.what());
    CHECK(source.runs() == 1);
    CHECK(test::read_file(f.dir.path() / "runs") == "run\n");
}
