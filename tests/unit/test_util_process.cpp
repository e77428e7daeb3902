#include "pxclone/util/process.hpp"

#include <doctest/doctest.h>

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
