// `pxclone validate` through the composition root: offline it makes no session at all; --online
// runs every check on a Session of strict fakes, sending only reads and access reviews.
#include "pxclone/commands/validate.hpp"
#include "pxclone/error.hpp"
#include "pxclone/method/method.hpp"
#include "pxclone/plan/permissions.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/fake_session.hpp"

using namespace pxclone;
using http::Method;
using nlohmann::json;
using test::k_not_found;
using test::source_pv;
using test::source_pvc;

namespace {

json review(bool allowed) {
    return {{"kind", "SelfSubjectAccessReview"},
            {"apiVersion", "authorization.k8s.io/v1"},
            {"status", {{"allowed", allowed}}}};
}

struct Fixture : test::FakeSession {
    cmd::LoadedProfile loaded = test::orders_profile("41");
    int sessions = 0;

    void run(const cmd::ValidateOptions& options) {
        cmd::validate(
            globals, options, loaded, environment,
            [this](cmd::ClusterSide side) {
                ++sessions;
                return session(loaded.profile, side);
            },
            streams());
    }

    // validate --online on a cluster that answers; `allowed`: the access reviews' answer,
    // `namespace_reply`: GET of the staging namespace.
    void expect_online(bool allowed, int namespace_status, const json& namespace_reply) {
        kube->expect(Method::get, "/version").reply(200, json{{"gitVersion", "v1.30.0"}});
        const auto needed = plan::needed_permissions(method::of(loaded.profile.snapshot.method),
                                                     loaded.profile, {});
        for (std::size_t i = 0; i < needed.size(); ++i) {
            kube->expect(Method::post, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")
                .reply(201, review(allowed || i != 0));
        }
        kube->expect(Method::get, "/api/v1/namespaces/prod/persistentvolumeclaims/data")
            .reply(200, source_pvc());
        kube->expect(Method::get, "/api/v1/persistentvolumes/pv-data").reply(200, source_pv());
        px->expect(Method::get, "/v1/identities/version")
            .reply(200, json{{"sdk_version", {{"version", "0.101.0"}}},
                             {"version", {{"driver", "pxd"}, {"version", "3.1.0"}}}});
        px->expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, test::no_volumes());
        kube->expect(Method::get, "/api/v1/namespaces/stg")
            .reply(namespace_status, namespace_reply);
    }
};

} // namespace

TEST_CASE_FIXTURE(Fixture, "validate (offline) makes no session and prints the profile") {
    globals.output = output::Format::name;
    run({});
    CHECK(out.str() == "orders\n");
    CHECK(sessions == 0);

    out.str("");
    globals.output = output::Format::env;
    run({});
    CHECK(out.str().find("PXCLONE_STAGING_NAMESPACE=") != std::string::npos);
    CHECK(out.str().find("PXCLONE_RUN_ID=") != std::string::npos);
    CHECK(sessions == 0);
}

TEST_CASE_FIXTURE(Fixture, "validate --online: every check passes, sending only reads and "
                           "access reviews") {
    expect_online(true, 404, json::parse(k_not_found));
    run({.online = true});
    CHECK(sessions == 1);
    const auto text = out.str();
    CHECK(text.find("ok      cluster: https://k8s.test (context test) answers, Kubernetes "
                    "v1.30.0") != std::string::npos);
    CHECK(text.find("ok      access: all ") != std::string::npos);
    CHECK(text.find("ok      source-pvcs: 1 PVC in namespace prod") != std::string::npos);
    CHECK(text.find("ok      staging-namespace: stg is free") != std::string::npos);
    CHECK(text.find("FAILED") == std::string::npos);
    for (const auto& request : kube->requests()) {
        CHECK((request.method == Method::get ||
               request.url.find("selfsubjectaccessreviews") != std::string::npos));
    }
}

TEST_CASE_FIXTURE(Fixture, "validate --online: a denied permission and another run's namespace "
                           "fail; the most basic problem decides the exit code") {
    expect_online(false, 200,
                  json{{"metadata",
                        {{"name", "stg"},
                         {"labels",
                          {{"app.kubernetes.io/managed-by", "pxclone"},
                           {"pxclone.io/profile", "orders"},
                           {"pxclone.io/run", "40"},
                           {"pxclone.io/role", "staging"}}}}}});
    try {
        run({.online = true});
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.code() == ExitCode::usage); // the namespace (usage) before the denial (failed)
        CHECK(std::string(e.what()) ==
              "validate --online: 2 of 8 checks failed for profile orders");
    }
    const auto text = out.str();
    CHECK(text.find("FAILED  access: 1 of ") != std::string::npos);
    CHECK(text.find("FAILED  staging-namespace: stg belongs to run 40 of profile orders, not to "
                    "run 41") != std::string::npos);
}

TEST_CASE_FIXTURE(Fixture, "validate --online: an unreachable cluster skips what depends on it") {
    kube->expect(Method::get, "/version").fail(http::TransportError::Kind::connect, "refused");
    px->expect(Method::get, "/v1/identities/version")
        .fail(http::TransportError::Kind::connect, "refused");
    CHECK_THROWS_AS(run({.online = true}), Error);
    const auto text = out.str();
    CHECK(text.find("FAILED  cluster: ") != std::string::npos);
    CHECK(text.find("skipped access: the cluster was not reached") != std::string::npos);
    CHECK(text.find("skipped staging-namespace: the cluster was not reached") != std::string::npos);
}

TEST_CASE_FIXTURE(Fixture,
                  "validate prints the profile's warnings on stderr, the result on stdout") {
    loaded.warnings.push_back({"p.yaml", 5, 1, "transfer", "no staging.cluster"});
    globals.output = output::Format::name;
    run({});
    CHECK(out.str() == "orders\n");
    CHECK(err.str() == "pxclone: warning: p.yaml:5:1: transfer: no staging.cluster\n");
}

TEST_CASE_FIXTURE(Fixture, "validate --online with a staging cluster: each side on its own "
                           "session, each credential resolved on its own cluster; an ambiguous "
                           "staging credential fails that check only") {
    loaded = test::two_cluster_profile();
    const json version{{"sdk_version", {{"version", "0.186.0"}}},
                       {"version", {{"driver", "pxd"}, {"version", "3.2.0"}}}};
    // Each side is asked what the commands need of it (plan::Permission::side), all allowed on
    // the source cluster, one denied on the staging cluster.
    const auto needed =
        plan::needed_permissions(method::of(loaded.profile.snapshot.method), loaded.profile, {});
    const auto source_needed = plan::on_side(needed, plan::Side::source);
    const auto staging_needed = plan::on_side(needed, plan::Side::staging);
    REQUIRE(!source_needed.empty());
    REQUIRE(!staging_needed.empty());
    CHECK(source_needed.size() + staging_needed.size() == needed.size());
    // The source side: cluster, access, source PVCs, Portworx, its credential.
    kube->expect(Method::get, "/version").reply(200, json{{"gitVersion", "v1.30.0"}});
    for (std::size_t i = 0; i < source_needed.size(); ++i) {
        kube->expect(Method::post, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")
            .reply(201, review(true));
    }
    kube->expect(Method::get, "/api/v1/namespaces/prod/persistentvolumeclaims/data")
        .reply(200, source_pvc());
    kube->expect(Method::get, "/api/v1/persistentvolumes/pv-data").reply(200, source_pv());
    px->expect(Method::get, "/v1/identities/version").reply(200, version);
    px->expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, test::no_volumes());
    px->expect(Method::get, "/v1/credentials").reply(200, test::credential_list());
    px->expect(Method::get, "/v1/credentials/inspect/" + test::k_backup_credential)
        .reply(200, test::credential_inspect());
    // The staging side: its cluster, Portworx, credential (two of that name) and namespace.
    kube_b->expect(Method::get, "/version").reply(200, json{{"gitVersion", "v1.31.0"}});
    for (std::size_t i = 0; i < staging_needed.size(); ++i) {
        kube_b->expect(Method::post, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")
            .reply(201, review(i != 0));
    }
    px_b->expect(Method::get, "/v1/identities/version").reply(200, version);
    px_b->expect(Method::post, "/v1/volumes/inspectwithfilters").reply(200, test::no_volumes());
    const std::string other = "2f8688e8-7a72-401a-b643-e338bdb5d73d";
    px_b->expect(Method::get, "/v1/credentials")
        .reply(200, json{{"credential_ids", {test::k_backup_credential, other}}});
    px_b->expect(Method::get, "/v1/credentials/inspect/" + test::k_backup_credential)
        .reply(200, test::credential_inspect());
    auto second = test::credential_inspect();
    second["credential_id"] = other;
    px_b->expect(Method::get, "/v1/credentials/inspect/" + other).reply(200, second);
    kube_b->expect(Method::get, "/api/v1/namespaces/stg").reply(404, json::parse(k_not_found));

    CHECK_THROWS_AS(run({.online = true}), Error);
    CHECK(sessions == 2);
    const auto text = out.str();
    CHECK(text.find(fmt::format("ok      access: all {} permissions the commands need are "
                                "granted",
                                source_needed.size())) != std::string::npos);
    CHECK(text.find(fmt::format("FAILED  staging-access: 1 of {} permissions the commands need "
                                "is denied",
                                staging_needed.size())) != std::string::npos);
    CHECK(text.find("cannot " + staging_needed.front().describe()) != std::string::npos);
    CHECK(text.find("ok      source-credential: credential s3-orders is " +
                    test::k_backup_credential) != std::string::npos);
    CHECK(text.find("ok      staging-cluster: https://k8s-b.test (context test-b) answers") !=
          std::string::npos);
    CHECK(text.find("ok      staging-portworx: https://px-b.test:9021") != std::string::npos);
    CHECK(text.find("FAILED  staging-credential: ") != std::string::npos);
    CHECK(text.find("staging cluster (context stg-eks)") != std::string::npos);
    CHECK(text.find("ok      staging-namespace: stg is free") != std::string::npos);
}
