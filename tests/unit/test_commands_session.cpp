#include "pxclone/commands/session.hpp"
#include "pxclone/error.hpp"
#include "pxclone/k8s/resource.hpp"

#include <sstream>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/fake_session.hpp"
#include "support/fixtures.hpp"
#include "support/temp_dir.hpp"

using namespace pxclone;
using cmd::GlobalOptions;
using cmd::Streams;
using nlohmann::json;
using output::ColorMode;

TEST_CASE("progress_options: live lines on a terminal unless -v logs share stderr; -q; colour") {
    std::ostringstream out;
    std::ostringstream err;
    const Streams tty{out, err, {true, 100}};
    const Streams piped{out, err, {false, 80}};
    const util::MapEnvironment none;
    GlobalOptions globals;

    auto options = cmd::progress_options(globals, tty, none);
    CHECK(options.enabled);
    CHECK(options.terminal.is_terminal);
    CHECK(options.terminal.width == 100);
    CHECK(options.color);

    CHECK_FALSE(cmd::progress_options(globals, piped, none).terminal.is_terminal);
    CHECK_FALSE(cmd::progress_options(globals, piped, none).color);
    CHECK_FALSE(
        cmd::progress_options(globals, tty,
                              util::MapEnvironment(std::map<std::string, std::string, std::less<>>{
                                  {"NO_COLOR", "1"}}))
            .color);

    globals.verbosity = 1;
    options = cmd::progress_options(globals, tty, none);
    CHECK_FALSE(options.terminal.is_terminal);
    CHECK(options.color); // still a terminal to colour

    globals.verbosity = 0;
    globals.quiet = true;
    globals.color = ColorMode::never;
    options = cmd::progress_options(globals, tty, none);
    CHECK_FALSE(options.enabled);
    CHECK_FALSE(options.color);
}

namespace {

const char* const k_two_contexts = R"(apiVersion: v1
kind: Config
clusters:
- {name: prod, cluster: {server: "https://prod.test"}}
- {name: stg, cluster: {server: "https://stg.test"}}
contexts:
- {name: prod-eks, context: {cluster: prod, user: u}}
- {name: other, context: {cluster: prod, user: u}}
- {name: stg-eks, context: {cluster: stg, user: u}}
current-context: other
users:
- {name: u, user: {token: t0k3n}}
)";

} // namespace

TEST_CASE("cluster sides: without staging.cluster both sides are the source cluster") {
    profile::Profile profile;
    CHECK_FALSE(cmd::separate_clusters(profile));
    CHECK(cmd::cluster_name(profile, cmd::ClusterSide::source) == "source cluster");
    CHECK(cmd::cluster_name(profile, cmd::ClusterSide::staging) == "source cluster");
    CHECK(&cmd::side_portworx(profile, cmd::ClusterSide::staging) == &profile.portworx);
}

TEST_CASE("cluster sides: staging.cluster is a cluster of its own, with its context and its "
          "Portworx") {
    profile::Profile profile;
    profile.file = "p.yaml";
    profile.staging.cluster = profile::StagingCluster{};
    profile.staging.cluster->cluster.context = "stg-eks";
    CHECK(cmd::separate_clusters(profile));
    CHECK(cmd::cluster_name(profile, cmd::ClusterSide::source) == "source cluster");
    CHECK(cmd::cluster_name(profile, cmd::ClusterSide::staging) ==
          "staging cluster (context stg-eks)");
    CHECK(&cmd::side_portworx(profile, cmd::ClusterSide::source) == &profile.portworx);
    CHECK(&cmd::side_portworx(profile, cmd::ClusterSide::staging) ==
          &profile.staging.cluster->portworx);
}

TEST_CASE("connect: the source side takes --context (else cluster.context); the staging side of "
          "a staging.cluster always its own context") {
    const test::TempDir dir;
    const auto kubeconfig = dir.write("k.yaml", k_two_contexts, 0600).string();
    profile::Profile profile;
    profile.file = "p.yaml";
    profile.cluster.context = "prod-eks";
    GlobalOptions globals;
    globals.kubeconfig = kubeconfig;
    std::ostringstream out;
    std::ostringstream err;
    const util::MapEnvironment environment{{}};
    const auto connect = [&](cmd::ClusterSide side) {
        return cmd::connect(globals, Streams{out, err}, profile, environment, side);
    };

    auto parts = connect(cmd::ClusterSide::source);
    CHECK(parts.side == cmd::ClusterSide::source);
    CHECK(parts.cluster.context == "prod-eks");
    CHECK(parts.cluster.server == "https://prod.test");
    // Without staging.cluster the staging side is the same cluster.
    parts = connect(cmd::ClusterSide::staging);
    CHECK(parts.side == cmd::ClusterSide::staging);
    CHECK(parts.cluster.context == "prod-eks");

    profile.staging.cluster = profile::StagingCluster{};
    profile.staging.cluster->cluster.context = "stg-eks";
    globals.context = "other"; // --context names the source cluster's
    parts = connect(cmd::ClusterSide::source);
    CHECK(parts.cluster.context == "other");
    parts = connect(cmd::ClusterSide::staging);
    CHECK(parts.cluster.context == "stg-eks");
    CHECK(parts.cluster.server == "https://stg.test");

    // staging.cluster.kubeconfig: the staging side's file, whatever --kubeconfig says.
    std::string own = k_two_contexts;
    own.replace(own.find("https://stg.test"), 16, "https://stg2.test");
    dir.write("stg/k.yaml", own, 0600);
    profile.base_dir = dir.path().string();
    profile.staging.cluster->cluster.kubeconfig = "stg/k.yaml";
    parts = connect(cmd::ClusterSide::staging);
    CHECK(parts.cluster.server == "https://stg2.test");
    parts = connect(cmd::ClusterSide::source);
    CHECK(parts.cluster.server == "https://prod.test");
}

TEST_CASE("a Session on the staging side of a staging.cluster talks to that cluster's API "
          "server and Portworx (staging.cluster.portworx); the source side to the source's") {
    test::FakeSession fake;
    const auto loaded = test::two_cluster_profile();
    const json version{{"sdk_version", {{"version", "0.186.0"}}},
                       {"version", {{"driver", "pxd"}, {"version", "3.2.0"}}}};
    fake.px_b->expect(http::Method::get, "/v1/identities/version").reply(200, version);
    fake.kube_b->expect(http::Method::get, "/api/v1/namespaces/stg").reply(200, json::object());
    fake.px->expect(http::Method::get, "/v1/identities/version").reply(200, version);

    auto staging = fake.session(loaded.profile, cmd::ClusterSide::staging);
    CHECK(staging->side() == cmd::ClusterSide::staging);
    CHECK(staging->cluster_name() == "staging cluster (context stg-eks)");
    CHECK(staging->cluster().context == "test-b");
    CHECK(staging->portworx().check_endpoint().driver == "pxd");
    CHECK(staging->kube().get(k8s::resource_of("Namespace"), "", "stg").has_value());

    auto source = fake.session(loaded.profile, cmd::ClusterSide::source);
    CHECK(source->cluster_name() == "source cluster");
    CHECK(source->portworx().check_endpoint().driver == "pxd");
}

TEST_CASE("Session::transfer_credential: resolved once per session, on its own cluster") {
    test::FakeSession fake;
    const auto loaded = test::two_cluster_profile();
    fake.px->expect(http::Method::get, "/v1/credentials").reply(200, test::credential_list());
    fake.px->expect(http::Method::get, "/v1/credentials/inspect/" + test::k_backup_credential)
        .reply(200, test::credential_inspect());
    auto source = fake.session(loaded.profile, cmd::ClusterSide::source);
    CHECK(source->transfer_credential() == test::k_backup_credential);
    CHECK(source->transfer_credential() == test::k_backup_credential); // no second look-up
    // Two credentials of that name on the staging cluster: ambiguous, naming the cluster.
    const std::string other = "2f8688e8-7a72-401a-b643-e338bdb5d73d";
    fake.px_b->expect(http::Method::get, "/v1/credentials")
        .reply(200, json{{"credential_ids", {test::k_backup_credential, other}}});
    fake.px_b->expect(http::Method::get, "/v1/credentials/inspect/" + test::k_backup_credential)
        .reply(200, test::credential_inspect());
    auto second = test::credential_inspect();
    second["credential_id"] = other;
    fake.px_b->expect(http::Method::get, "/v1/credentials/inspect/" + other).reply(200, second);
    auto staging = fake.session(loaded.profile, cmd::ClusterSide::staging);
    CHECK_THROWS_WITH_AS(staging->transfer_credential(),
                         doctest::Contains("staging cluster (context stg-eks)"), Error);
}
