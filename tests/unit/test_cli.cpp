#include "pxclone/cli/cli.hpp"
#include "pxclone/error.hpp"

#include <sstream>

#include <CLI/CLI.hpp>
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

namespace {
struct Captured {
    std::ostringstream out;
    std::ostringstream err;
};

void run(Captured& io, std::initializer_list<const char*> args) {
    std::vector<const char*> argv{"pxclone"};
    argv.insert(argv.end(), args);
    pxclone::cli::Cli cli({io.out, io.err});
    cli.run(static_cast<int>(argv.size()), argv.data());
}
} // namespace

TEST_CASE("version -o json reports the version and the libraries") {
    Captured io;
    run(io, {"version", "-o", "json"});
    const auto record = nlohmann::json::parse(io.out.str());
    CHECK(record.at("version").get<std::string>().find('.') != std::string::npos);
    CHECK(record.at("libraries").contains("libcurl"));
    CHECK(record.at("libraries").at("yaml-cpp").get<std::string>() != "");
}

TEST_CASE("global options work after the subcommand") {
    Captured io;
    run(io, {"version", "--output", "json", "-vv"});
    CHECK(nlohmann::json::parse(io.out.str()).contains("gitSha"));
}

TEST_CASE("bad usage is a CLI11 parse error") {
    Captured io;
    CHECK_THROWS_AS(run(io, {"version", "-o", "xml"}), CLI::ParseError);
    CHECK_THROWS_AS(run(io, {"no-such-command"}), CLI::ParseError);
    CHECK_THROWS_AS(run(io, {"version", "--timeout", "soon"}), CLI::ParseError);
    CHECK_THROWS_AS(run(io, {}), CLI::ParseError);
}

TEST_CASE("a flag's value refused is named with the valid values, in pxclone's words") {
    const auto message = [](std::initializer_list<const char*> args) {
        Captured io;
        try {
            run(io, args);
        } catch (const CLI::ParseError& error) {
            return std::string(error.what());
        }
        return std::string("no error");
    };
    // Was "--output: Check xml value in {env->3,json->1,...} OR {3,1,4,0,2} FAILED".
    CHECK(message({"version", "-o", "xml"}) ==
          "--output xml: invalid output format (valid: text, json, yaml, env, name)");
    CHECK(message({"version", "--color", "sometimes"}) ==
          "--color sometimes: invalid colour mode (valid: auto, always, never)");
    CHECK(message({"version", "--parallel", "0"}) ==
          "--parallel 0: not a whole number from 1 to 64");
    CHECK(message({"version", "--parallel", "8x"}) ==
          "--parallel 8x: not a whole number from 1 to 64");
    CHECK(message({"version", "--timeout", "soon"}) ==
          "--timeout soon: not a duration (e.g. 90s, 10m, 1h30m)");
    CHECK(message({"completion", "csh"}) ==
          "completion csh: invalid shell (valid: bash, fish, zsh)");
    CHECK(message({"version", "-o", "YAML", "--parallel", "64"}) == "no error");
}

TEST_CASE("every exit code has a description") {
    using pxclone::ExitCode;
    for (const auto code : {ExitCode::ok, ExitCode::failed, ExitCode::usage, ExitCode::not_found,
                            ExitCode::timed_out, ExitCode::partial, ExitCode::interrupted}) {
        CHECK(pxclone::describe(code) != "unknown");
    }
}

TEST_CASE("--color takes auto, always or never, in any case") {
    Captured io;
    CHECK_NOTHROW(run(io, {"version", "--color", "never"}));
    CHECK_NOTHROW(run(io, {"--color=ALWAYS", "version"}));
    CHECK_THROWS_AS(run(io, {"version", "--color", "sometimes"}), CLI::ParseError);
}

TEST_CASE("--request-timeout reads durations as kubectl does: 0 is none, a bare number seconds") {
    using namespace std::chrono_literals;
    const auto parsed = [](std::initializer_list<const char*> args) {
        Captured io;
        std::vector<const char*> argv{"pxclone"};
        argv.insert(argv.end(), args);
        pxclone::cli::Cli cli({io.out, io.err});
        cli.run(static_cast<int>(argv.size()), argv.data());
        return cli.globals().request_timeout;
    };
    CHECK(parsed({"version"}) == 30s);
    CHECK(parsed({"version", "--request-timeout", "0"}) == 0ms);
    CHECK(parsed({"version", "--request-timeout", "5"}) == 5s);
    CHECK(parsed({"version", "--request-timeout=1m30s"}) == 90s);
    Captured io;
    CHECK_THROWS_AS(run(io, {"version", "--request-timeout", "soon"}), CLI::ParseError);
    CHECK_THROWS_AS(run(io, {"version", "--request-timeout", "-1s"}), CLI::ParseError);
}

TEST_CASE("run as kubectl-pxclone, help and usage errors say `kubectl pxclone`") {
    // What print_parse_error() writes for argv (help on out, usage errors on err).
    const auto printed = [](Captured& io, std::vector<const char*> argv) {
        pxclone::cli::Cli cli({io.out, io.err});
        try {
            cli.run(static_cast<int>(argv.size()), argv.data());
            FAIL("expected a parse error or a help request");
        } catch (const CLI::ParseError& e) {
            cli.print_parse_error(e);
        }
    };
    Captured plugin;
    printed(plugin, {"/usr/local/bin/kubectl-pxclone", "deploy-staging", "--help"});
    CHECK(plugin.out.str().find("kubectl pxclone deploy-staging") != std::string::npos);
    Captured typo;
    printed(typo, {"kubectl-pxclone", "snapshto"});
    CHECK(typo.err.str().find("see 'kubectl pxclone --help'") != std::string::npos);
    Captured plain;
    printed(plain, {"/usr/bin/pxclone", "deploy-staging", "--help"});
    CHECK(plain.out.str().find("pxclone deploy-staging") != std::string::npos);
    CHECK(plain.out.str().find("kubectl pxclone") == std::string::npos);
}
