// The command line: global options (pxclone(1), GLOBAL OPTIONS) and every registered subcommand.
#pragma once

#include "pxclone/commands/global_options.hpp"

#include <memory>

namespace CLI {
class App;
class Error;
} // namespace CLI

namespace pxclone::cli {

class Cli {
public:
    explicit Cli(cmd::Streams streams);
    ~Cli();
    Cli(const Cli&) = delete;
    Cli& operator=(const Cli&) = delete;

    // Parses argv and runs the chosen subcommand. Throws CLI::ParseError on bad usage (and for
    // --help) and pxclone::Error when the command fails.
    void run(int argc, const char* const* argv);

    // Prints a parse error (or the help text it stands for) the way CLI11 does and returns CLI11's
    // own code: 0 for --help, non-zero for real usage errors.
    int print_parse_error(const CLI::Error& error);

    // The text of a usage error: `pxclone: error: WHAT` and a hint naming the command's --help.
    static std::string usage_error_message(const CLI::App* app, const CLI::Error& error);

    // The global options as parsed so far (defaults before run()); main colours errors by them.
    const cmd::GlobalOptions& globals() const { return m_globals; }

private:
    cmd::Streams m_streams;
    cmd::GlobalOptions m_globals;
    std::unique_ptr<CLI::App> m_app;
};

} // namespace pxclone::cli
