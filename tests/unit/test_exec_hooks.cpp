#include "pxclone/exec/hooks.hpp"

#include <algorithm>
#include <filesystem>
#include <sstream>

#include <doctest/doctest.h>

#include "support/temp_dir.hpp"

using namespace pxclone;

namespace {

struct HookFixture {
    test::TempDir dir;
    profile::Profile profile;
    util::PosixProcessRunner runner;
    exec::HookEnvironment environment{.run = "1234",
                                      .profile = "pxclone.yaml",
                                      .source_namespace = "prod",
                                      .pvcs = {"data-0", "data-1"}};

    HookFixture() { profile.base_dir = dir.path().string(); }

    // A hook script that appends its name and PXCLONE_* variables to log.txt, then exits `code`.
    profile::Hook script(const std::string& name, int code) {
        dir.write(name,
                  "#!/bin/sh\necho \"" + name +
                      " $PXCLONE_RUN $PXCLONE_SOURCE_NAMESPACE $PXCLONE_PVCS\" >> \"" +
                      (dir.path() / "log.txt").string() + "\"\necho \"" + name +
                      " says no\" >&2\nexit " + std::to_string(code) + "\n",
                  0755);
        return {.run = {"./" + name}};
    }

    std::string log() const { return test::read_file(dir.path() / "log.txt"); }
};

} // namespace

TEST_CASE("hooks run in order with the run's identity in PXCLONE_* variables") {
    HookFixture f;
    const auto outcomes = exec::run_hooks(
        f.runner, f.profile, {f.script("a.sh", 0), f.script("b.sh", 0)}, f.environment, true);
    REQUIRE(outcomes.size() == 2);
    CHECK(outcomes[0].ok);
    CHECK(outcomes[1].ok);
    CHECK(f.log() == "a.sh 1234 prod data-0 data-1\nb.sh 1234 prod data-0 data-1\n");
}

TEST_CASE("a failing pre-hook stops the list and says why") {
    HookFixture f;
    const auto outcomes = exec::run_hooks(
        f.runner, f.profile, {f.script("a.sh", 3), f.script("b.sh", 0)}, f.environment, true);
    REQUIRE(outcomes.size() == 1);
    CHECK_FALSE(outcomes[0].ok);
    CHECK(outcomes[0].reason == "exited 3: a.sh says no");
    CHECK(f.log() == "a.sh 1234 prod data-0 data-1\n");
}

TEST_CASE("post-hooks all run even when one fails") {
    HookFixture f;
    const auto outcomes = exec::run_hooks(
        f.runner, f.profile, {f.script("a.sh", 1), f.script("b.sh", 0)}, f.environment, false);
    REQUIRE(outcomes.size() == 2);
    CHECK_FALSE(outcomes[0].ok);
    CHECK(outcomes[1].ok);
}

TEST_CASE("a missing hook program is reported, not thrown") {
    HookFixture f;
    const auto outcomes =
        exec::run_hooks(f.runner, f.profile, {{.run = {"./nope.sh"}}}, f.environment, true);
    REQUIRE(outcomes.size() == 1);
    CHECK(outcomes[0].reason == "program not found");
}

TEST_CASE("hook variables replace inherited ones of the same name") {
    const auto env = exec::hook_environment({"PATH=/bin", "PXCLONE_RUN=old"},
                                            {.run = "new", .kubeconfig = "/k.yaml"});
    CHECK(std::count(env.begin(), env.end(), "PXCLONE_RUN=new") == 1);
    CHECK(std::count(env.begin(), env.end(), "PXCLONE_RUN=old") == 0);
    CHECK(std::count(env.begin(), env.end(), "KUBECONFIG=/k.yaml") == 1);
    CHECK(std::count(env.begin(), env.end(), "PATH=/bin") == 1);
}

TEST_CASE("a dry run names every hook in order, quoted as a shell reads it, and runs none") {
    HookFixture fixture;
    const auto pre = fixture.script("pre.sh", 1); // would fail, and write log.txt, if it ran
    const profile::Hook spaced{.run = {"./pre.sh", "it's a", "--flag=x"}};
    std::ostringstream out;
    const auto runner = exec::make_dry_run_process_runner(out);
    const auto outcomes =
        exec::run_hooks(*runner, fixture.profile, {pre, spaced}, fixture.environment, true);
    REQUIRE(outcomes.size() == 2);
    CHECK(std::all_of(outcomes.begin(), outcomes.end(), [](const auto& o) { return o.ok; }));
    const auto script = (fixture.dir.path() / "pre.sh").string();
    CHECK(out.str() == "RUN " + script + "\nRUN " + script + " 'it'\\''s a' --flag=x\n");
    CHECK_FALSE(std::filesystem::exists(fixture.dir.path() / "log.txt"));
}
