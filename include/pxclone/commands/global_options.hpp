// The options every command accepts (pxclone(1), GLOBAL OPTIONS), parsed once by the CLI layer.
#pragma once

#include "pxclone/output/format.hpp"
#include "pxclone/output/terminal.hpp"

#include <chrono>
#include <optional>
#include <ostream>
#include <string>

namespace pxclone::cmd {

struct GlobalOptions {
    std::string profile_path = "pxclone.yaml";    // -p/--profile
    std::string context;                          // --context: kubeconfig context override
    std::string kubeconfig;                       // --kubeconfig: one file, no merging
    std::string run_id;                           // --run: otherwise derived from CI variables
    output::Format output = output::Format::text; // -o/--output
    bool dry_run = false;                         // --dry-run: plan only, no mutating request
    bool quiet = false;                           // -q: no progress
    int verbosity = 0;                            // -v (repeatable): request logging detail
    std::optional<std::chrono::seconds> timeout;  // --timeout: deadline of the whole command
    // --request-timeout: bound of one request (0: none, as kubectl's default).
    std::chrono::milliseconds request_timeout{30'000};
    std::string record_path;                                // --record: JSON record of the run
    int parallel = 8;                                       // --parallel: concurrent requests
    output::ColorMode color = output::ColorMode::automatic; // --color: progress and errors
};

// Where a command writes: `out` is the product (stdout), `err` carries progress and warnings;
// `err_terminal` says what `err` is attached to (main.cpp asks the OS; tests leave it "not a
// terminal").
struct Streams {
    std::ostream& out;
    std::ostream& err;
    output::Terminal err_terminal = {};
    // What `out` is attached to (`validate --online` marks its lines with ✓/✗ on a terminal).
    output::Terminal out_terminal = {};
};

} // namespace pxclone::cmd
