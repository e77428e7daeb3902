#include "pxclone/error.hpp"
#include "pxclone/px/endpoint.hpp"

#include <stdexcept>

#include <doctest/doctest.h>

using namespace pxclone;
using namespace pxclone::px;

TEST_CASE("parse_endpoint accepts the three forms") {
    const auto direct = parse_endpoint("https://px.example.com:9021/");
    CHECK(direct.kind == Endpoint::Kind::direct);
    CHECK(direct.url == "https://px.example.com:9021");
    CHECK(base_url(direct, "https://ignored:6443") == "https://px.example.com:9021");
    CHECK(parse_endpoint("http://127.0.0.1:9110").url == "http://127.0.0.1:9110");
    CHECK(parse_endpoint("https://[::1]:9021").url == "https://[::1]:9021");
    CHECK(parse_endpoint("https://px.example.com").url == "https://px.example.com");

    const auto proxied = parse_endpoint(k_default_endpoint);
    CHECK(proxied.kind == Endpoint::Kind::service_proxy);
    CHECK(proxied.ns == "kube-system");
    CHECK(proxied.service == "portworx-api");
    CHECK(proxied.port == "9021");
    CHECK(proxied.text == "service:kube-system/portworx-api:9021");
    CHECK(base_url(proxied, "https://10.0.0.1:6443/") ==
          "https://10.0.0.1:6443/api/v1/namespaces/kube-system/services/portworx-api:9021/proxy");

    CHECK(parse_endpoint("service:px/portworx-service").port == "9021");
    CHECK(parse_endpoint("service:px/portworx-api:px-api").port == "px-api");
    const auto tls = parse_endpoint("service:kube-system/https:portworx-api:9021");
    CHECK(base_url(tls, "https://k") ==
          "https://k/api/v1/namespaces/kube-system/services/https:portworx-api:9021/proxy");
    CHECK_THROWS_AS(base_url(proxied, ""), std::invalid_argument);
}

TEST_CASE("parse_endpoint refuses anything else with a usage error naming the value") {
    for (const auto* text :
         {"", "px.example.com:9021", "ftp://px", "https://", "https://:9021", "https://h:0",
          "https://h:99999", "https://h:9021/?x=1", "service:portworx-api:9021",
          "service:Kube_System/portworx-api:9021", "service:kube-system/:9021",
          "service:kube-system/portworx-api:", "service:kube-system/portworx-api:70000"}) {
        CAPTURE(text);
        try {
            parse_endpoint(text);
            FAIL("expected a UsageError");
        } catch (const UsageError& error) {
            CHECK(error.code() == ExitCode::usage);
            CHECK(
                std::string(error.what()).find("portworx.endpoint \"" + std::string(text) + "\"") ==
                0);
            CHECK(error.hint().find("service:NAMESPACE/NAME:PORT") != std::string::npos);
        }
    }
}

TEST_CASE("a Portworx token needs a direct endpoint") {
    CHECK_FALSE(token_route_problem(parse_endpoint("https://px:9021"), true));
    CHECK_FALSE(token_route_problem(parse_endpoint(k_default_endpoint), false));
    const auto problem = token_route_problem(parse_endpoint(k_default_endpoint), true);
    REQUIRE(problem);
    CHECK(problem->find("service:kube-system/portworx-api:9021") != std::string::npos);
    CHECK(problem->find("direct endpoint") != std::string::npos);
}

TEST_CASE("try_parse_endpoint says why, without throwing, for the profile's diagnostics") {
    CHECK(try_parse_endpoint("portworx-api:9021").problem == "unknown form");
    CHECK(try_parse_endpoint("https://px.example.com/\"x\"").problem.find("quote") !=
          std::string::npos);
    CHECK(try_parse_endpoint("service:kube-system/portworx-api:70000").problem ==
          "\"70000\" is not a port");
    const auto ok = try_parse_endpoint("service:px/portworx-api");
    REQUIRE(ok.endpoint);
    CHECK(ok.problem.empty());
    CHECK(ok.endpoint->port == "9021");
    CHECK(default_endpoint().text == k_default_endpoint);
}
