// The profile's staging.cluster and transfer sections (issue 19): loader and JSON.
#include "pxclone/profile/json.hpp"
#include "pxclone/profile/loader.hpp"

#include <doctest/doctest.h>

using namespace std::chrono_literals;
using namespace pxclone;
using namespace pxclone::profile;

namespace {

const std::string k_base = "version: 1\n"
                           "name: orders\n"
                           "cluster: { context: prod-eks }\n"
                           "source: { namespace: prod, pvcs: [data] }\n";

LoadResult load(const std::string& text,
                const util::MapEnvironment& env = util::MapEnvironment{{}}) {
    LoadOptions options;
    options.file = "p.yaml";
    options.substitution.environment = &env;
    options.substitution.run_id = "42";
    return load_profile(text, options);
}

std::string joined(const std::vector<Diagnostic>& diagnostics) {
    std::string text;
    for (const auto& line : format_all(diagnostics)) {
        text += line + "\n";
    }
    return text;
}

} // namespace

TEST_CASE("staging.cluster and transfer: every key read, references kept as references") {
    const util::MapEnvironment env{{{"STG_CRED", "s3-stg"}}};
    const auto result =
        load(k_base + "staging:\n"
                      "  cluster:\n"
                      "    context: stg-eks\n"
                      "    kubeconfig: kube/stg.yaml\n"
                      "    portworx:\n"
                      "      endpoint: https://px.stg.example.com:9021\n"
                      "      token: { env: PX_STG_TOKEN }\n"
                      "transfer:\n"
                      "  method: cloudsnap\n"
                      "  credential: { source: s3-prod, staging: \"${env.STG_CRED}\" }\n"
                      "  backup_timeout: 2h\n"
                      "  restore_timeout: 90m\n",
             env);
    REQUIRE_MESSAGE(result.diagnostics.empty(), joined(result.diagnostics));
    CHECK(result.warnings.empty());
    const auto& profile = *result.profile;
    REQUIRE(profile.staging.cluster);
    CHECK(profile.staging.cluster->cluster.context == "stg-eks");
    CHECK(profile.staging.cluster->cluster.kubeconfig == "kube/stg.yaml");
    CHECK(profile.staging.cluster->portworx.endpoint.text == "https://px.stg.example.com:9021");
    REQUIRE(profile.staging.cluster->portworx.token);
    CHECK(std::get<EnvSecret>(*profile.staging.cluster->portworx.token).name == "PX_STG_TOKEN");
    REQUIRE(profile.transfer);
    CHECK(profile.transfer->method == TransferMethod::cloudsnap);
    CHECK(profile.transfer->source_credential == "s3-prod");
    CHECK(profile.transfer->staging_credential == "s3-stg");
    CHECK(profile.transfer->backup_timeout == 2h);
    CHECK(profile.transfer->restore_timeout == 90min);

    const auto json = to_json(profile);
    CHECK(json["staging"]["cluster"].dump() ==
          R"({"context":"stg-eks","kubeconfig":"kube/stg.yaml","portworx":{"endpoint":)"
          R"("https://px.stg.example.com:9021","token":{"env":"PX_STG_TOKEN"},"insecure":false}})");
    CHECK(json["transfer"].dump() ==
          R"({"method":"cloudsnap","credential":{"source":"s3-prod","staging":"s3-stg"},)"
          R"("backup_timeout":"2h","restore_timeout":"1h30m"})");
}

TEST_CASE("transfer: one credential for both sides, defaults, and the staging Portworx default") {
    const auto result = load(k_base + "staging: { cluster: { context: stg-eks } }\n"
                                      "transfer: { credential: 4e1c2b3a-uuid }\n");
    REQUIRE_MESSAGE(result.diagnostics.empty(), joined(result.diagnostics));
    const auto& profile = *result.profile;
    CHECK(profile.transfer->source_credential == "4e1c2b3a-uuid");
    CHECK(profile.transfer->staging_credential == "4e1c2b3a-uuid");
    CHECK(profile.transfer->backup_timeout == 1h);
    CHECK(profile.transfer->restore_timeout == 1h);
    CHECK(profile.staging.cluster->portworx.endpoint.text ==
          "service:kube-system/portworx-api:9021");
    CHECK_FALSE(profile.staging.cluster->portworx.token);
}

TEST_CASE("without both sections the profile is as before") {
    const auto result = load(k_base);
    REQUIRE(result.profile);
    CHECK_FALSE(result.profile->staging.cluster);
    CHECK_FALSE(result.profile->transfer);
    const auto json = to_json(*result.profile);
    CHECK_FALSE(json.contains("transfer"));
    CHECK_FALSE(json["staging"].contains("cluster"));
}

TEST_CASE("transfer and staging.cluster problems: file:line:column, all at once") {
    const auto result = load(k_base + "staging:\n"
                                      "  cluster:\n"
                                      "    kubeconfig: kube/stg.yaml\n"
                                      "    portworx: { endpoint: ftp://x, tokn: {env: T} }\n"
                                      "transfer:\n"
                                      "  method: cloudsnapp\n"
                                      "  credential: { source: s3/prod, stagin: x }\n"
                                      "  backup_timeout: soon\n"
                                      "  restore_timout: 1h\n");
    CHECK(result.diagnostics.size() == 9);
    CHECK(joined(result.diagnostics) ==
          "p.yaml:7:5: staging.cluster.context: required key is missing\n"
          "p.yaml:8:27: staging.cluster.portworx.endpoint: 'ftp://x' is not an endpoint: "
          "unknown form; expected https://HOST:PORT, http://HOST:PORT or "
          "service:NAMESPACE/NAME:PORT, e.g. service:kube-system/portworx-api:9021\n"
          "p.yaml:8:36: staging.cluster.portworx.tokn: unknown key (did you mean 'token'?)\n"
          "p.yaml:10:11: transfer.method: unknown method 'cloudsnapp' (did you mean "
          "'cloudsnap'?); use cloudsnap\n"
          "p.yaml:11:15: transfer.credential.staging: required key is missing\n"
          "p.yaml:11:25: transfer.credential.source: 's3/prod' is not a Portworx credential name "
          "or uuid (no '/' or spaces)\n"
          "p.yaml:11:34: transfer.credential.stagin: unknown key (did you mean 'staging'?)\n"
          "p.yaml:12:19: transfer.backup_timeout: 'soon' is not a duration (write e.g. 90s, 10m, "
          "1h30m, 24h)\n"
          "p.yaml:13:3: transfer.restore_timout: unknown key (did you mean 'restore_timeout'?)\n");
}

TEST_CASE("transfer.credential: required, and never the object store's keys (not echoed)") {
    const auto missing = load(k_base + "staging: { cluster: { context: stg } }\n"
                                       "transfer: { method: cloudsnap }\n");
    CHECK(joined(missing.diagnostics)
              .find("transfer.credential: required key is missing: the "
                    "Portworx cloud credential") != std::string::npos);
    const auto keys = load(k_base + "staging: { cluster: { context: stg } }\n"
                                    "transfer:\n"
                                    "  credential: { access_key: AKIAEXAMPLE, secret_key: "
                                    "wJalrXUtnFEMI }\n");
    const auto text = joined(keys.diagnostics);
    CHECK(text ==
          "p.yaml:7:17: transfer.credential.access_key: pxclone never takes object-store keys: "
          "create a Portworx cloud credential on each cluster (pxctl credentials create) and "
          "name it here\n");
    CHECK(text.find("wJalrXUtnFEMI") == std::string::npos);
    CHECK(text.find("AKIAEXAMPLE") == std::string::npos);
}

TEST_CASE("a staging cluster of its own needs a transfer") {
    const auto result = load(k_base + "staging:\n  cluster: { context: stg-eks }\n");
    CHECK(joined(result.diagnostics) ==
          "p.yaml:6:12: staging.cluster: a staging cluster of its own needs transfer (how the "
          "snapshots get there): add transfer: { method: cloudsnap, credential: NAME }\n");
}

TEST_CASE("a transfer into the same cluster is legal but warned about") {
    SUBCASE("no staging.cluster") {
        const auto result = load(k_base + "transfer: { credential: s3 }\n");
        REQUIRE(result.profile);
        CHECK(joined(result.warnings) ==
              "p.yaml:5:1: transfer: no staging.cluster: the snapshots go through the object "
              "store into the same cluster, which a clone does faster (add staging.cluster, or "
              "remove transfer)\n");
    }
    SUBCASE("staging.cluster is the source cluster's context") {
        const auto result = load(k_base + "staging: { cluster: { context: prod-eks } }\n"
                                          "transfer: { credential: s3 }\n");
        REQUIRE(result.profile);
        CHECK(joined(result.warnings) ==
              "p.yaml:5:32: staging.cluster.context: the same context as cluster.context: the "
              "staging cluster is the source cluster, and the transfer only makes it slower\n");
    }
}
