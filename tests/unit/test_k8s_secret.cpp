#include "pxclone/k8s/secret.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/fake_transport.hpp"

using namespace pxclone;
using namespace pxclone::k8s;
using http::Method;
using nlohmann::json;
using test::FakeTransport;

namespace {

const std::string k_path = "/api/v1/namespaces/kube-system/secrets/px-admin-token";

json secret(json data) {
    return {{"apiVersion", "v1"},
            {"kind", "Secret"},
            {"metadata", {{"name", "px-admin-token"}, {"namespace", "kube-system"}}},
            {"type", "Opaque"},
            {"data", std::move(data)}};
}

} // namespace

TEST_CASE("read_secret_value decodes one key") {
    FakeTransport fake;
    const Client client(fake, "https://k8s.test");
    fake.expect(Method::get, k_path)
        .reply(200, secret({{"auth-token", "ZXlKaGJHY2lPaUpJVXpJMU5pSjkuc2VjcmV0"}}));
    CHECK(read_secret_value(client, "kube-system", "px-admin-token", "auth-token") ==
          "eyJhbGciOiJIUzI1NiJ9.secret");
}

TEST_CASE("read_secret_value: missing secret, missing key, bad base64") {
    FakeTransport fake;
    const Client client(fake, "https://k8s.test");
    fake.expect(Method::get, k_path)
        .reply(404, json{{"kind", "Status"},
                         {"code", 404},
                         {"reason", "NotFound"},
                         {"message", "secrets \"px-admin-token\" not found"}});
    try {
        read_secret_value(client, "kube-system", "px-admin-token", "auth-token");
        FAIL("expected an error");
    } catch (const Error& error) {
        CHECK(error.code() == ExitCode::not_found);
        CHECK(std::string(error.what()) ==
              R"(secrets "px-admin-token" in namespace "kube-system" not found)");
    }

    fake.expect(Method::get, k_path).reply(200, secret({{"token", "c2VjcmV0"}, {"ca", "eA=="}}));
    try {
        read_secret_value(client, "kube-system", "px-admin-token", "auth-token");
        FAIL("expected an error");
    } catch (const Error& error) {
        CHECK(error.code() == ExitCode::not_found);
        CHECK(std::string(error.what()) ==
              R"(secrets "px-admin-token" in namespace "kube-system" has no key "auth-token")");
        CHECK(error.hint() == "its keys: ca, token");
        // Names only: no value may appear.
        CHECK(error.hint().find("c2VjcmV0") == std::string::npos);
    }

    fake.expect(Method::get, k_path).reply(200, secret({{"auth-token", "not base64!"}}));
    CHECK_THROWS_WITH_AS(
        read_secret_value(client, "kube-system", "px-admin-token", "auth-token"),
        R"(secrets "px-admin-token" in namespace "kube-system": the value of key "auth-token" is not valid base64)",
        Error);
}
