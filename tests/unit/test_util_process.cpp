#include "pxclone/util/process.hpp"

#include <fstream>
#include <sstream>
#include <thread>

#include <doctest/doctest.h>

#include "support/fake_clock.hpp"
#include "support/temp_dir.hpp"

using namespace pxclone;
using namespace std::chrono_literals;
using Outcome = util::ProcessResult::Outcome;

TEST_CASE("PosixProcessRunner captures stdout, stderr and the exit code without a shell") {
    util::PosixProcessRunner runner;
    util::ProcessSpec spec;
    spec.program = "sh";
    spec.args = {"-c", "echo \"out:$1:$GREETING\"; echo err >&2; exit 3", "sh", "$(not run)"};
    spec.env = {"PATH=/usr/bin:/bin", "GREETING=hi"};
    const auto result = runner.run(spec);
    CHECK(result.outcome == Outcome::exited);
    CHECK(result.exit_code == 3);
    CHECK(result.out == "out:$(not run):hi\n");
    CHECK(result.err == "err\n");
}

TEST_CASE("PosixProcessRunner reports a missing program and kills one that overruns") {
    util::PosixProcessRunner runner;
    util::ProcessSpec spec;
    spec.env = {"PATH=/usr/bin:/bin"};
    spec.program = "pxclone-no-such-program";
    CHECK(runner.run(spec).outcome == Outcome::not_found);

    test::TempDir dir;
    spec.program = dir.write("not-executable.sh", "#!/bin/sh\n", 0644).string();
    CHECK(runner.run(spec).outcome == Outcome::not_found);

    spec.program = "sleep";
    spec.args = {"30"};
    spec.timeout = 100ms;
    CHECK(runner.run(spec).outcome == Outcome::timed_out);
}

TEST_CASE("PosixProcessRunner can leave stderr to the terminal (interactive plugins)") {
    util::PosixProcessRunner runner;
    util::ProcessSpec spec;
    spec.program = "sh";
    spec.args = {"-c", "echo out; echo prompt >&2"};
    spec.env = {"PATH=/usr/bin:/bin"};
    spec.inherit_stderr = true;
    const auto result = runner.run(spec);
    CHECK(result.out == "out\n");
    CHECK(result.err.empty());
}

namespace {

// Whether `pid` still runs: SIGKILL takes effect a moment after it is sent, and a killed
// grandchild stays a zombie until its new parent reaps it, so this waits (up to 5 s) for it to
// be gone or a zombie.
bool alive(const std::string& pid) {
    for (int i = 0; i < 500; ++i) {
        std::ifstream stat("/proc/" + pid + "/stat");
        std::string text;
        if (!std::getline(stat, text)) {
            return false;
        }
        const auto state = text.find(") ");
        if (state != std::string::npos && text[state + 2] == 'Z') {
            return false;
        }
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

// A shell that ignores SIGTERM and starts a child that ignores it too, printing both pids.
util::ProcessSpec stubborn_group() {
    util::ProcessSpec spec;
    spec.program = "sh";
    spec.args = {"-c", "trap '' TERM; sleep 30 & echo $$ $!; wait; wait"};
    spec.env = {"PATH=/usr/bin:/bin"};
    spec.timeout = 30s;
    return spec;
}

std::vector<std::string> words(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string word; in >> word;) {
        out.push_back(word);
    }
    return out;
}

} // namespace

TEST_CASE("the deadline stops a child and all it started (SIGTERM, then SIGKILL)") {
    auto clock = std::make_shared<util::SystemClock>();
    util::PosixProcessRunner runner(util::Deadline::after(*clock, 300ms, "--timeout"), clock,
                                    nullptr);
    const auto result = runner.run(stubborn_group());
    CHECK(result.outcome == Outcome::timed_out);
    CHECK(result.by_deadline);
    const auto pids = words(result.out);
    REQUIRE(pids.size() == 2);
    CHECK_FALSE(alive(pids[0]));
    // The grandchild was in the group: gone too, not orphaned.
    CHECK_FALSE(alive(pids[1]));
}

TEST_CASE("a passed deadline starts nothing; a shorter own timeout is not the deadline's") {
    auto shared = std::make_shared<test::FakeClock>();
    util::PosixProcessRunner late(util::Deadline(shared->now() - 1h, "--timeout"), shared, nullptr);
    const auto skipped = late.run(stubborn_group());
    CHECK(skipped.outcome == Outcome::timed_out);
    CHECK(skipped.by_deadline);
    CHECK(skipped.out.empty());

    util::PosixProcessRunner runner(util::Deadline(shared->now() + 1h, "--timeout"), shared,
                                    nullptr);
    auto spec = stubborn_group();
    spec.timeout = 200ms;
    const auto own = runner.run(spec);
    CHECK(own.outcome == Outcome::timed_out);
    CHECK_FALSE(own.by_deadline);
    for (const auto& pid : words(own.out)) {
        CHECK_FALSE(alive(pid));
    }
}

TEST_CASE("cancellation stops the running child, not one started after it was raised") {
    auto flag = std::make_shared<std::atomic<bool>>(false);
    util::PosixProcessRunner runner({}, std::make_shared<util::SystemClock>(), flag);
    util::ProcessSpec spec;
    spec.program = "sh";
    spec.args = {"-c", "echo started; exec sleep 30"};
    spec.env = {"PATH=/usr/bin:/bin"};
    std::thread raise([flag] {
        std::this_thread::sleep_for(200ms);
        flag->store(true);
    });
    const auto stopped = runner.run(spec);
    raise.join();
    CHECK(stopped.outcome == Outcome::signalled);
    CHECK(stopped.cancelled);

    // A post-hook after Ctrl-C: runs to its end.
    spec.args = {"-c", "echo done"};
    const auto after = runner.run(spec);
    CHECK(after.outcome == Outcome::exited);
    CHECK(after.out == "done\n");
}
