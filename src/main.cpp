// pxclone's entry point: parse, dispatch, and turn the one outcome into an exit code.
#include "pxclone/cli/cli.hpp"
#include "pxclone/error.hpp"
#include "pxclone/output/terminal.hpp"
#include "pxclone/util/environment.hpp"

#include <exception>
#include <iostream>
#include <malloc.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

int main(int argc, char** argv) {
    using pxclone::ExitCode;
    using pxclone::output::Color;
    using pxclone::output::paint;
    const pxclone::util::ProcessEnvironment environment;
#ifdef M_ARENA_MAX
    // glibc gives each thread that allocates its own malloc arena, up to 8 per CPU: with up to
    // 256 requests in flight (util::k_max_fan_out) that is megabytes of RSS and no speed (the
    // threads wait on the network). Two arenas: see bench/RESULTS.md, session 4.
    if (!environment.get("MALLOC_ARENA_MAX")) {
        mallopt(M_ARENA_MAX, 2);
    }
#endif
    const auto terminal = pxclone::output::detect_terminal(STDERR_FILENO, environment);
    pxclone::cli::Cli cli({std::cout, std::cerr, terminal,
                           pxclone::output::detect_terminal(STDOUT_FILENO, environment)});
    const auto color = [&] {
        return pxclone::output::use_color(cli.globals().color, terminal, environment);
    };
    try {
        cli.run(argc, argv);
        return static_cast<int>(ExitCode::ok);
    } catch (const CLI::ParseError& e) {
        // CLI11 uses 0 for --help and 100-127 for its own errors; our contract says 2.
        return cli.print_parse_error(e) == 0 ? 0 : static_cast<int>(ExitCode::usage);
    } catch (const pxclone::Error& e) {
        // Every expected failure, a connection that never answered (http::TransportError) too.
        std::cerr << paint(Color::red, "pxclone: error:", color()) << ' ' << e.what() << '\n';
        for (const auto& line : e.details()) {
            std::cerr << line << '\n';
        }
        if (!e.hint().empty()) {
            std::cerr << "  hint: " << e.hint() << '\n';
        }
        return static_cast<int>(e.code());
    } catch (const std::exception& e) {
        std::cerr << paint(Color::red, "pxclone: internal error:", color()) << ' ' << e.what()
                  << " (please report this with the command line and -vv output)\n";
        return static_cast<int>(ExitCode::failed);
    }
}
