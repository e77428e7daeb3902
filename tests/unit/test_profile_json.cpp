#include "pxclone/profile/json.hpp"
#include "pxclone/profile/loader.hpp"

#include <doctest/doctest.h>

using namespace pxclone::profile;

TEST_CASE("the profile as JSON keeps the profile's shape and shows secrets as references") {
    pxclone::util::MapEnvironment env{{{"PX_TOKEN", "s3cr3t"}}};
    LoadOptions options;
    options.substitution.environment = &env;
    options.substitution.run_id = "7";
    const auto result = load_profile("version: 1\nname: orders\n"
                                     "portworx: {token: {env: PX_TOKEN}}\n"
                                     "source: {namespace: prod, pvcs: [a]}\n"
                                     "snapshot: {timeout: 90s}\n",
                                     options);
    REQUIRE(result.profile);
    const auto json = to_json(*result.profile);
    CHECK(json.at("portworx").at("token") == nlohmann::ordered_json{{"env", "PX_TOKEN"}});
    CHECK(json.dump().find("s3cr3t") == std::string::npos);
    CHECK(json.at("staging").at("namespace") == "orders-stg-7");
    CHECK(json.at("snapshot").at("timeout") == "1m30s");
    CHECK(json.begin().key() == "version");

    // What is printed reads back as the same profile.
    const auto again = load_profile(json.dump(), options);
    REQUIRE(again.profile);
    CHECK(to_json(*again.profile) == json);
}

TEST_CASE("secret references of every form") {
    CHECK(to_json(SecretRef{FileSecret{"/run/px"}}) == nlohmann::ordered_json{{"file", "/run/px"}});
    CHECK(to_json(SecretRef{KubeSecret{"kube-system", "px", "token"}}) ==
          nlohmann::ordered_json{{"secret", "kube-system/px"}, {"key", "token"}});
}
