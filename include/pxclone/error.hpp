// The exit-code contract (pxclone(1), EXIT STATUS) and the typed errors that abort a command
// (docs/ARCHITECTURE.md, "Errors: one model").
//
// Codes are only ever added, never renumbered: scripts and CI pipelines branch on them. Only main()
// turns an Error into a process exit status; everything below it throws or returns values.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace pxclone {

enum class ExitCode : int {
    ok = 0,            // the command did what was asked
    failed = 1,        // an operation failed (the server refused, a hook failed, ...)
    usage = 2,         // bad flags, or an invalid profile or kubeconfig
    not_found = 3,     // a snapshot set, PVC, context or file that must exist does not
    timed_out = 4,     // a bounded wait ran out
    partial = 5,       // something could not be cleaned up; the message lists what
    interrupted = 130, // SIGINT or SIGTERM
};

// One line per code, as `--help` and the man page show them.
std::string_view describe(ExitCode code);

// An error that aborts the command. main() prints `pxclone: error: <what>` (then `  hint: ...`
// and any detail lines) on stderr and exits with code().
class Error : public std::runtime_error {
public:
    Error(ExitCode code, std::string what, std::string hint = {},
          std::vector<std::string> details = {});

    ExitCode code() const noexcept { return m_code; }
    // A sentence telling the user how to fix it; empty when there is nothing useful to say.
    const std::string& hint() const noexcept { return m_hint; }
    // Further lines, each complete on its own (e.g. one profile diagnostic per line).
    const std::vector<std::string>& details() const noexcept { return m_details; }

private:
    ExitCode m_code;
    std::string m_hint;
    std::vector<std::string> m_details;
};

// Shorthands for the codes that are thrown most; each is just an Error with that code.
struct UsageError : Error {
    explicit UsageError(std::string what, std::string hint = {},
                        std::vector<std::string> details = {})
        : Error(ExitCode::usage, std::move(what), std::move(hint), std::move(details)) {}
};
struct NotFoundError : Error {
    explicit NotFoundError(std::string what, std::string hint = {})
        : Error(ExitCode::not_found, std::move(what), std::move(hint)) {}
};
struct TimeoutError : Error {
    explicit TimeoutError(std::string what, std::string hint = {})
        : Error(ExitCode::timed_out, std::move(what), std::move(hint)) {}
};
struct InterruptedError : Error {
    explicit InterruptedError(std::string what = "interrupted")
        : Error(ExitCode::interrupted, std::move(what)) {}
};

} // namespace pxclone
