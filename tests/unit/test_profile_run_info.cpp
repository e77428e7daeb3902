#include "pxclone/error.hpp"
#include "pxclone/profile/run_info.hpp"

#include <doctest/doctest.h>

using namespace std::chrono_literals;
using pxclone::profile::derive_run_info;
using pxclone::profile::RunInfoSources;
using pxclone::util::MapEnvironment;

namespace {
struct Fixture {
    MapEnvironment env;
    std::vector<std::vector<std::string>> commands;
    std::optional<std::string> git_output = std::nullopt;

    RunInfoSources sources() {
        RunInfoSources s;
        s.environment = &env;
        // 2026-11-27 10:16:42 UTC
        s.now = [] {
            return std::chrono::system_clock::time_point(1795774602s);
        };
        s.random = [] {
            return 36U * 36U * 36U * 35U + 10U;
        };
        s.run_command = [this](const std::vector<std::string>& argv) {
            commands.push_back(argv);
            return git_output;
        };
        return s;
    }
};
} // namespace

TEST_CASE("--run wins and is made label-safe, keeping the raw value") {
    Fixture f;
    f.env.set("GITHUB_RUN_ID", "77");
    const auto info = derive_run_info("PR_42/Feature", f.sources());
    CHECK(info.id == "pr-42-feature");
    CHECK(info.id_raw == "PR_42/Feature");
    CHECK(info.id_source == "--run");
    CHECK_THROWS_AS(derive_run_info("___", f.sources()), pxclone::UsageError);
}

TEST_CASE("CI variables give the run id in a fixed order") {
    Fixture f;
    f.env.set("CI_PIPELINE_ID", "9001");
    CHECK(derive_run_info("", f.sources()).id == "9001");
    f.env.set("GITHUB_RUN_ID", "77");
    CHECK(derive_run_info("", f.sources()).id == "77");
    f.env.set("CODEBUILD_BUILD_ID", "orders-build:0b2f5e7c-AB12");
    const auto codebuild = derive_run_info("", f.sources());
    CHECK(codebuild.id == "orders-build-0b2f5e7c-ab12");
    CHECK(codebuild.id_raw == "orders-build:0b2f5e7c-AB12");
    CHECK(codebuild.id_source == "CODEBUILD_BUILD_ID");
    f.env.set("CODEBUILD_BUILD_NUMBER", "12");
    CHECK(derive_run_info("", f.sources()).id == "12");
    CHECK(derive_run_info("", f.sources()).id_source == "CODEBUILD_BUILD_NUMBER");
}

TEST_CASE("outside CI the run id is a timestamp and random characters") {
    Fixture f;
    f.env.set("GITHUB_RUN_ID", ""); // set but empty counts as unset
    const auto info = derive_run_info("", f.sources());
    CHECK(info.id == "20261127-101642-a00z");
    CHECK(info.id_source == "generated");
    CHECK(info.build_id == info.id);
    CHECK(info.build_id_source == "run id");
}

TEST_CASE("a run id is never longer than a label") {
    Fixture f;
    f.env.set("CODEBUILD_BUILD_ID", std::string(100, 'x') + ":" + std::string(10, 'y'));
    const auto info = derive_run_info("", f.sources());
    CHECK(info.id.size() == 63);
}

TEST_CASE("git sha from CI variables, else git rev-parse in the profile's directory") {
    Fixture f;
    f.env.set("GITHUB_SHA", "abc1234def");
    auto info = derive_run_info("x", f.sources());
    CHECK(info.git_sha == "abc1234def");
    CHECK(info.git_sha_source == "GITHUB_SHA");
    CHECK(f.commands.empty());

    Fixture local;
    local.git_output = "0123456789abcdef0123456789abcdef01234567\n";
    auto sources = local.sources();
    sources.git_directory = "examples/mongodb";
    info = derive_run_info("x", sources);
    CHECK(info.git_sha == "0123456789abcdef0123456789abcdef01234567");
    REQUIRE(local.commands.size() == 1);
    CHECK(local.commands[0] ==
          std::vector<std::string>{"git", "-C", "examples/mongodb", "rev-parse", "HEAD"});

    Fixture no_repo;
    CHECK_FALSE(derive_run_info("x", no_repo.sources()).git_sha);
    no_repo.git_output = "fatal: not a git repository";
    CHECK_FALSE(derive_run_info("x", no_repo.sources()).git_sha);
}

TEST_CASE("build id from CI variables, with the GitHub attempt") {
    Fixture f;
    f.env.set("CI_JOB_ID", "555");
    CHECK(derive_run_info("x", f.sources()).build_id == "555");
    f.env.set("GITHUB_RUN_ID", "77");
    f.env.set("GITHUB_RUN_ATTEMPT", "2");
    CHECK(derive_run_info("x", f.sources()).build_id == "77-2");
    f.env.set("CODEBUILD_BUILD_ID", "orders:uuid");
    const auto info = derive_run_info("x", f.sources());
    CHECK(info.build_id == "orders:uuid");
    CHECK(info.build_id_source == "CODEBUILD_BUILD_ID");
}
