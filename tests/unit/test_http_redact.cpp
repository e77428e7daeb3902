#include "pxclone/http/redact.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace pxclone::http;

TEST_CASE("redact_header keeps the scheme of credentials and leaves other headers") {
    CHECK(redact_header("Authorization", "Bearer s3cr3t") == "Bearer <redacted>");
    CHECK(redact_header("authorization", "s3cr3t") == "<redacted>");
    CHECK(redact_header("X-Auth-Token", "abc") == "<redacted>");
    CHECK(redact_header("Cookie", "a=b") == "<redacted>");
    CHECK(redact_header("Content-Type", "application/json") == "application/json");
}

TEST_CASE("is_secret_key is the one definition of a secret-named key, whatever its case") {
    for (const auto* name :
         {"token", "MONGO_PASSWORD", "db_secret", "client-secret", "passwd", "X-Api-Key",
          "clientKeyData", "certificate-authority-data", "Proxy-Authorization", "Bearer"}) {
        CHECK_MESSAGE(is_secret_key(name), name);
    }
    for (const auto* name : {"name", "user", "MONGO_HOST", "MONGO_URI", "data", ""}) {
        CHECK_MESSAGE(!is_secret_key(name), name);
    }
}

TEST_CASE("redact_body removes token, password and key material fields at any depth") {
    const auto body = R"({"users":[{"user":{"token":"tok-1","password":"pw-1",
        "client-key-data":"a2V5","username":"alice"}}],"spec":{"clientKeyData":"KEY"},
        "automountServiceAccountToken":true})";
    const auto out = redact_body(body);
    CHECK(out.find("tok-1") == std::string::npos);
    CHECK(out.find("pw-1") == std::string::npos);
    CHECK(out.find("a2V5") == std::string::npos);
    CHECK(out.find("KEY") == std::string::npos);
    CHECK(out.find("alice") != std::string::npos);
    CHECK(nlohmann::json::parse(out)["automountServiceAccountToken"] == true);
}

TEST_CASE("redact_body hides Secret data and stringData values but keeps their keys") {
    const auto out = redact_body(
        R"({"kind":"SecretList","items":[{"kind":"Secret","metadata":{"name":"db"},
        "data":{"pw":"aHVudGVyMg=="},"stringData":{"user":"root-pass"}}]})");
    const auto parsed = nlohmann::json::parse(out);
    CHECK(parsed["items"][0]["data"]["pw"] == "<redacted>");
    CHECK(parsed["items"][0]["stringData"]["user"] == "<redacted>");
    CHECK(parsed["items"][0]["metadata"]["name"] == "db");
}

TEST_CASE("redact_body hides the whole status of an ExecCredential") {
    const auto out =
        redact_body(R"({"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1",
        "status":{"token":"k8s-aws-v1.xyz","expirationTimestamp":"2030-01-01T00:00:00Z"}})");
    CHECK(out.find("k8s-aws-v1.xyz") == std::string::npos);
}

TEST_CASE("redact_body redacts a watch stream line by line and hides non-JSON bodies") {
    const auto stream =
        "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Secret\",\"data\":{\"k\":\"djE=\"}}}\n"
        "{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"Pod\"}}\n";
    const auto out = redact_body(stream);
    CHECK(out.find("djE=") == std::string::npos);
    CHECK(out.find("MODIFIED") != std::string::npos);
    CHECK(redact_body("token=abc plain text") == "<20 bytes, not JSON>");
    CHECK(redact_body("") == "");
}

TEST_CASE("redact_url drops userinfo and credential query values") {
    CHECK(redact_url("https://u:p@host:6443/api?token=abc&limit=5") ==
          "https://<redacted>@host:6443/api?token=<redacted>&limit=5");
    CHECK(redact_url("/api/v1/pods?labelSelector=a%3Db") == "/api/v1/pods?labelSelector=a%3Db");
}

TEST_CASE("redact_text hides credentials in free text: URL userinfo, schemes, secret keys") {
    CHECK(redact_text("connecting to mongodb://admin:s3cr3t@mongo-0:27017/orders") ==
          "connecting to mongodb://<redacted>@mongo-0:27017/orders");
    CHECK(redact_text("GET https://example.com/x?y=1 ok") == "GET https://example.com/x?y=1 ok");
    CHECK(redact_text("Authorization: Bearer abc.def") == "Authorization: Bearer <redacted>");
    CHECK(redact_text("sent bearer abc.def") == "sent bearer <redacted>");
    CHECK(redact_text("MONGO_PASSWORD=hunter22 user=alice") ==
          "MONGO_PASSWORD=<redacted> user=alice");
    CHECK(redact_text(R"({"apiToken": "t-1", "name": "x"})") ==
          R"({"apiToken": "<redacted>", "name": "x"})");
    CHECK(redact_text("db_secret: abc; passwd=xyz") == "db_secret: <redacted>; passwd=<redacted>");
    // Words that merely contain a key are not keys; values end at separators.
    CHECK(redact_text("tokens counted: 3") == "tokens counted: 3");
    CHECK(redact_text("login failed for hunter22", {"hunter22", "ab"}) ==
          "login failed for <redacted>");
    CHECK(redact_text("") == "");
}
