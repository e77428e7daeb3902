#include "pxclone/exec/hooks.hpp"
#include "pxclone/util/time.hpp"

#include <algorithm>
#include <filesystem>
#include <sstream>

#include <doctest/doctest.h>

#include "support/temp_dir.hpp"

using namespace pxclone;
using namespace std::chrono_literals;

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

TEST_CASE(
    "pre-hooks are told their deadline, as an RFC 3339 time and as seconds from their start") {
    const auto now = *util::parse_rfc3339("2030-01-02T03:04:05Z");
    const auto has = [](const std::vector<std::string>& env, const std::string& entry) {
        return std::count(env.begin(), env.end(), entry) == 1;
    };
    auto env = exec::hook_environment({"PXCLONE_HOOK_DEADLINE=old"},
                                      {.run = "1", .deadline = now + 12min + 500ms}, now);
    CHECK(has(env, "PXCLONE_HOOK_DEADLINE=2030-01-02T03:16:05Z"));
    CHECK(has(env, "PXCLONE_HOOK_DEADLINE_SECONDS=721"));
    CHECK_FALSE(has(env, "PXCLONE_HOOK_DEADLINE=old"));
    env = exec::hook_environment({}, {.run = "1", .deadline = now - 5s}, now);
    CHECK(has(env, "PXCLONE_HOOK_DEADLINE_SECONDS=0"));
    // Post-hooks are given none.
    env =
        exec::hook_environment({"PATH=/bin", "PXCLONE_HOOK_DEADLINE_SECONDS=9"}, {.run = "1"}, now);
    CHECK(std::none_of(env.begin(), env.end(), [](const std::string& entry) {
        return entry.starts_with("PXCLONE_HOOK_DEADLINE");
    }));
}

TEST_CASE("a hook the command's deadline stopped says so") {
    HookFixture f;
    f.dir.write("hang.sh", "#!/bin/sh\nexec sleep 30\n", 0755);
    auto clock = std::make_shared<util::SystemClock>();
    util::PosixProcessRunner runner(util::Deadline::after(*clock, 200ms, "--timeout 3s"), clock,
                                    nullptr);
    const auto outcomes =
        exec::run_hooks(runner, f.profile, {{.run = {"./hang.sh"}}}, f.environment, true);
    REQUIRE(outcomes.size() == 1);
    CHECK_FALSE(outcomes[0].ok);
    CHECK(outcomes[0].reason == "did not finish before the deadline and was stopped");
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
