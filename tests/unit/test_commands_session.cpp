#include "pxclone/commands/session.hpp"

#include <sstream>

#include <doctest/doctest.h>

using namespace pxclone;
using cmd::GlobalOptions;
using cmd::Streams;
using output::ColorMode;

TEST_CASE("progress_options: live lines on a terminal unless -v logs share stderr; -q; colour") {
    std::ostringstream out;
    std::ostringstream err;
    const Streams tty{out, err, {true, 100}};
    const Streams piped{out, err, {false, 80}};
    const util::MapEnvironment none;
    GlobalOptions globals;

    auto options = cmd::progress_options(globals, tty, none);
    CHECK(options.enabled);
    CHECK(options.terminal.is_terminal);
    CHECK(options.terminal.width == 100);
    CHECK(options.color);

    CHECK_FALSE(cmd::progress_options(globals, piped, none).terminal.is_terminal);
    CHECK_FALSE(cmd::progress_options(globals, piped, none).color);
    CHECK_FALSE(
        cmd::progress_options(globals, tty,
                              util::MapEnvironment(std::map<std::string, std::string, std::less<>>{
                                  {"NO_COLOR", "1"}}))
            .color);

    globals.verbosity = 1;
    options = cmd::progress_options(globals, tty, none);
    CHECK_FALSE(options.terminal.is_terminal);
    CHECK(options.color); // still a terminal to colour

    globals.verbosity = 0;
    globals.quiet = true;
    globals.color = ColorMode::never;
    options = cmd::progress_options(globals, tty, none);
    CHECK_FALSE(options.enabled);
    CHECK_FALSE(options.color);
}

TEST_CASE("connect refuses staging in another cluster until the commands carry it out") {
    profile::Profile profile;
    profile.file = "p.yaml";
    profile.transfer = profile::Transfer{};
    GlobalOptions globals;
    std::ostringstream out;
    std::ostringstream err;
    const util::MapEnvironment environment{{}};
    CHECK_THROWS_WITH_AS(cmd::connect(globals, Streams{out, err}, profile, environment),
                         doctest::Contains("p.yaml: staging in another cluster"), UsageError);
    profile.transfer.reset();
    profile.staging.cluster = profile::StagingCluster{};
    CHECK_THROWS_AS(cmd::connect(globals, Streams{out, err}, profile, environment), UsageError);
}
