// Running a program (exec credential plugins, hooks) without a shell, behind an interface so
// tests can script outcomes.
#pragma once

#include "pxclone/util/clock.hpp"
#include "pxclone/util/deadline.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace pxclone::util {

struct ProcessSpec {
    // A path, or a name looked up in the PATH of `env` (never through a shell).
    std::string program;
    std::vector<std::string> args; // argv[1..]
    std::vector<std::string> env;  // the child's whole environment, "NAME=value" each
    bool inherit_stdin = false;    // else stdin is /dev/null
    bool inherit_stderr = false;   // else stderr is captured into ProcessResult::err
    std::chrono::milliseconds timeout{60'000};
    std::size_t max_output = 1 << 20; // bytes kept of stdout and of stderr each
};

struct ProcessResult {
    enum class Outcome { exited, signalled, timed_out, not_found };
    Outcome outcome = Outcome::exited;
    int exit_code = 0;        // when exited
    int signal = 0;           // when signalled
    std::string out;          // captured stdout
    std::string err;          // captured stderr
    std::string program_path; // the resolved path (when found)
    // When timed_out: the runner's deadline (the command's), not spec.timeout, ended it.
    bool by_deadline = false;
    // When signalled: the runner stopped it because `cancelled` was raised (SIGINT/SIGTERM).
    bool cancelled = false;
};

class ProcessRunner {
public:
    virtual ~ProcessRunner() = default;
    // Runs to completion or timeout (then the child is killed). Throws pxclone::Error only when
    // the process cannot be started for a reason other than not being found.
    virtual ProcessResult run(const ProcessSpec& spec) = 0;
};

// posix_spawn with pipes for stdout and stderr. A child that does not share the terminal's stdin
// runs in a process group of its own, and stopping it (spec.timeout, the deadline, `cancelled`)
// stops the whole group: SIGTERM, then SIGKILL after util::k_kill_grace, so nothing it started
// is left running.
class PosixProcessRunner final : public ProcessRunner {
public:
    PosixProcessRunner() = default;
    // Every child also ends by `deadline` (util::Deadline::left_for, measured on `clock`), and
    // is stopped when `cancelled` is raised while it runs; one started after it was raised (a
    // post-hook after Ctrl-C) runs on. Null pointers: neither.
    PosixProcessRunner(Deadline deadline, std::shared_ptr<const Clock> clock,
                       std::shared_ptr<const std::atomic<bool>> cancelled)
        : m_deadline(std::move(deadline)), m_clock(std::move(clock)),
          m_cancelled(std::move(cancelled)) {}

    ProcessResult run(const ProcessSpec& spec) override;

private:
    Deadline m_deadline;
    std::shared_ptr<const Clock> m_clock;
    std::shared_ptr<const std::atomic<bool>> m_cancelled;
};

// This process's environment as "NAME=value" entries (what a child inherits).
std::vector<std::string> current_environment();

// Whether this process's stdin is a terminal.
bool stdin_is_terminal();

} // namespace pxclone::util
