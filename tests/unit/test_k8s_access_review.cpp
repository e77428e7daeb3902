#include "pxclone/k8s/access_review.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/fake_transport.hpp"

using namespace pxclone;
using namespace pxclone::k8s;
using http::Method;
using nlohmann::json;
using test::FakeTransport;

namespace {

const std::string k_path = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";

const AccessQuestion k_scale{.verb = "patch",
                             .group = "apps",
                             .resource = "statefulsets",
                             .subresource = "scale",
                             .ns = "orders-stg-7",
                             .name = ""};

json review_of(const AccessQuestion& question, json status) {
    auto review = access_review_object(question);
    review["metadata"] = {{"creationTimestamp", nullptr}};
    review["status"] = std::move(status);
    return review;
}

} // namespace

TEST_CASE("access_review_object asks only what is set") {
    CHECK(access_review_object(k_scale) == json{{"apiVersion", "authorization.k8s.io/v1"},
                                                {"kind", "SelfSubjectAccessReview"},
                                                {"spec",
                                                 {{"resourceAttributes",
                                                   {{"namespace", "orders-stg-7"},
                                                    {"verb", "patch"},
                                                    {"group", "apps"},
                                                    {"resource", "statefulsets"},
                                                    {"subresource", "scale"}}}}}});
}

TEST_CASE("review_access: allowed, denied (RBAC gives no reason), refused credentials") {
    FakeTransport fake;
    const Client client(fake, "https://k8s.test");
    fake.expect(Method::post, k_path)
        .body(access_review_object(k_scale))
        .reply(201, review_of(k_scale, {{"allowed", true}, {"reason", "RBAC: allowed by ..."}}));
    auto answer = review_access(client, k_scale);
    CHECK(answer.allowed);
    CHECK(answer.reason == "RBAC: allowed by ...");

    fake.expect(Method::post, k_path).reply(201, review_of(k_scale, {{"allowed", false}}));
    answer = review_access(client, k_scale);
    CHECK_FALSE(answer.allowed);
    CHECK(answer.reason.empty());

    // An explicit deny wins even if a confused server also says allowed.
    fake.expect(Method::post, k_path)
        .reply(201, review_of(k_scale, {{"allowed", true}, {"denied", true}}));
    CHECK_FALSE(review_access(client, k_scale).allowed);

    fake.expect(Method::post, k_path)
        .reply(401, json{{"kind", "Status"},
                         {"apiVersion", "v1"},
                         {"status", "Failure"},
                         {"message", "Unauthorized"},
                         {"reason", "Unauthorized"},
                         {"code", 401}});
    CHECK_THROWS_AS(review_access(client, k_scale), ApiError);
}
