#include "pxclone/profile/substitute.hpp"

#include <doctest/doctest.h>

using pxclone::profile::has_references;
using pxclone::profile::substitute;
using pxclone::profile::SubstitutionContext;

namespace {
struct Fixture {
    pxclone::util::MapEnvironment env{{{"ECR_REPO", "ecr.example/orders"}, {"EMPTY", ""}}};
    SubstitutionContext context() const {
        SubstitutionContext c;
        c.environment = &env;
        c.run_id = "42";
        c.profile_name = "orders";
        c.git_sha = "0123abc";
        c.build_id = "orders:uuid";
        return c;
    }
};
} // namespace

TEST_CASE("every variable resolves") {
    const Fixture f;
    const auto result = substitute(
        "${profile.name}-stg-${run.id} ${env.ECR_REPO}:${build.id}@${git.sha}", f.context());
    CHECK(result.errors.empty());
    CHECK(result.value == "orders-stg-42 ecr.example/orders:orders:uuid@0123abc");
}

TEST_CASE("text without references is unchanged") {
    const Fixture f;
    CHECK(substitute("mongo:7 $HOME $ {x}", f.context()).value == "mongo:7 $HOME $ {x}");
    CHECK(substitute("", f.context()).value.empty());
}

TEST_CASE("env defaults apply when the variable is unset or empty") {
    const Fixture f;
    CHECK(substitute("${env.NOPE:-registry.example.com/x}", f.context()).value ==
          "registry.example.com/x");
    CHECK(substitute("${env.EMPTY:-fallback}", f.context()).value == "fallback");
    CHECK(substitute("${env.ECR_REPO:-fallback}", f.context()).value == "ecr.example/orders");
    CHECK(substitute("a${env.NOPE:-}b", f.context()).value == "ab");
}

TEST_CASE("a missing required variable is an error naming it") {
    const Fixture f;
    const auto result = substitute("x-${env.PX_REGION}", f.context());
    REQUIRE(result.errors.size() == 1);
    CHECK(result.errors[0].find("PX_REGION is not set") != std::string::npos);
    // An empty but set variable is a value, not an absence.
    CHECK(substitute("${env.EMPTY}", f.context()).errors.empty());
}

TEST_CASE("unknown variables and malformed references are errors") {
    const Fixture f;
    const auto unknown = substitute("${run.idd} ${foo}", f.context());
    REQUIRE(unknown.errors.size() == 2);
    CHECK(unknown.errors[0].find("did you mean 'run.id'") != std::string::npos);
    CHECK(unknown.errors[1].find("${foo}: unknown variable") != std::string::npos);
    CHECK(substitute("${env.NOT-A-NAME}", f.context()).errors.size() == 1);
    CHECK(substitute("abc ${run.id", f.context()).errors.size() == 1);
}

TEST_CASE("git.sha is an error when the commit is unknown") {
    const Fixture f;
    auto context = f.context();
    context.git_sha.reset();
    CHECK(substitute("${git.sha}", context).errors.size() == 1);
}

TEST_CASE("$${ is a literal ${") {
    const Fixture f;
    const auto result = substitute("$${run.id} ${run.id}", f.context());
    CHECK(result.errors.empty());
    CHECK(result.value == "${run.id} 42");
    CHECK_FALSE(has_references("$${run.id}"));
    CHECK(has_references("a ${run.id}"));
    CHECK_FALSE(has_references("plain"));
}
