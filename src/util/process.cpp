#include "pxclone/util/process.hpp"

#include "pxclone/error.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

extern char** environ;

namespace pxclone::util {

namespace {

bool is_executable_file(const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
           ::access(path.c_str(), X_OK) == 0;
}

std::string find_program(const ProcessSpec& spec) {
    if (spec.program.find('/') != std::string::npos) {
        return is_executable_file(spec.program) ? spec.program : std::string();
    }
    std::string path = "/usr/local/bin:/usr/bin:/bin";
    for (const auto& entry : spec.env) {
        if (entry.rfind("PATH=", 0) == 0) {
            path = entry.substr(5);
        }
    }
    std::size_t start = 0;
    while (start <= path.size()) {
        auto end = path.find(':', start);
        if (end == std::string::npos) {
            end = path.size();
        }
        auto dir = path.substr(start, end - start);
        if (dir.empty()) {
            dir = ".";
        }
        const auto candidate = dir + "/" + spec.program;
        if (is_executable_file(candidate)) {
            return candidate;
        }
        start = end + 1;
    }
    return {};
}

class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : m_fd(fd) {}
    ~Fd() { reset(); }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return m_fd; }
    void reset(int fd = -1) {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
        m_fd = fd;
    }

private:
    int m_fd = -1;
};

struct Pipe {
    Fd read;
    Fd write;
    Pipe() {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) {
            throw Error(ExitCode::failed,
                        fmt::format("cannot create a pipe: {}", std::strerror(errno)));
        }
        read.reset(fds[0]);
        write.reset(fds[1]);
    }
};

// Stops `pid` (and, when it leads one, its process group): SIGTERM, up to k_kill_grace for it
// to exit, then SIGKILL for whatever of the group is left. Reaps the child into `status`.
void stop_child(pid_t pid, bool group, int& status) {
    const pid_t target = group ? -pid : pid;
    ::kill(target, SIGTERM);
    const auto give_up = std::chrono::steady_clock::now() + k_kill_grace;
    bool reaped = false;
    while (!reaped && std::chrono::steady_clock::now() < give_up) {
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid || (done < 0 && errno != EINTR)) {
            reaped = true;
            break;
        }
        ::usleep(10'000);
    }
    // Also after the child went: what it started may have ignored SIGTERM.
    ::kill(target, SIGKILL);
    if (!reaped) {
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
}

} // namespace

ProcessResult PosixProcessRunner::run(const ProcessSpec& spec) {
    ProcessResult result;
    result.program_path = find_program(spec);
    if (result.program_path.empty()) {
        result.outcome = ProcessResult::Outcome::not_found;
        return result;
    }
    Pipe out;
    Pipe err;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (!spec.inherit_stdin) {
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    }
    posix_spawn_file_actions_adddup2(&actions, out.write.get(), 1);
    if (!spec.inherit_stderr) {
        posix_spawn_file_actions_adddup2(&actions, err.write.get(), 2);
    }

    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(result.program_path.c_str()));
    for (const auto& arg : spec.args) {
        argv.push_back(const_cast<char*>(arg.c_str()));
    }
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (const auto& entry : spec.env) {
        envp.push_back(const_cast<char*>(entry.c_str()));
    }
    envp.push_back(nullptr);

    // A child reading the terminal must stay in its foreground process group (a login prompt);
    // any other gets a group of its own, so that stopping it reaches all it started.
    const bool own_group = !spec.inherit_stdin;
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    if (own_group) {
        posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
        posix_spawnattr_setpgroup(&attributes, 0);
    }
    // What the command's deadline leaves, if less than the spec's own limit.
    const auto limit =
        m_clock ? bound(spec.timeout, m_deadline, m_clock->now()) : Bound{spec.timeout, false};
    if (limit.expired()) {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attributes);
        result.outcome = ProcessResult::Outcome::timed_out;
        result.by_deadline = true;
        return result;
    }
    // Raised before the child started (a post-hook after Ctrl-C): not this child's business.
    const bool watch_cancel = m_cancelled && !m_cancelled->load();

    pid_t pid = 0;
    const int spawned = ::posix_spawn(&pid, result.program_path.c_str(), &actions, &attributes,
                                      argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (spawned != 0) {
        if (spawned == ENOENT || spawned == EACCES) {
            result.outcome = ProcessResult::Outcome::not_found;
            return result;
        }
        throw Error(ExitCode::failed, fmt::format("cannot start {}: {}", result.program_path,
                                                  std::strerror(spawned)));
    }
    out.write.reset();
    err.write.reset();

    // A zero limit not set by the deadline: no limit.
    const auto deadline = limit.limit.count() > 0 || limit.by_deadline
                              ? std::chrono::steady_clock::now() + limit.limit
                              : std::chrono::steady_clock::time_point::max();
    pollfd fds[2] = {{out.read.get(), POLLIN, 0}, {err.read.get(), POLLIN, 0}};
    std::string* sinks[2] = {&result.out, &result.err};
    int open_count = 2;
    bool timed_out = false;
    bool cancelled = false;
    char buffer[4096];
    // How often a raised `cancelled` is looked at while the child is quiet.
    constexpr std::chrono::milliseconds k_cancel_poll{100};
    while (open_count > 0) {
        if (watch_cancel && m_cancelled->load()) {
            cancelled = true;
            break;
        }
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) {
            timed_out = true;
            break;
        }
        // Wake at the limit, and at least every k_cancel_poll while a cancellation is watched.
        auto left = deadline == std::chrono::steady_clock::time_point::max()
                        ? k_cancel_poll
                        : std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
        if (watch_cancel) {
            left = std::min(left, k_cancel_poll);
        }
        const int ready = ::poll(fds, 2, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) {
            continue;
        }
        if (ready < 0) {
            break;
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) {
                continue;
            }
            const auto n = ::read(fds[i].fd, buffer, sizeof buffer);
            if (n > 0) {
                auto& sink = *sinks[i];
                if (sink.size() < spec.max_output) {
                    sink.append(buffer, std::min<std::size_t>(static_cast<std::size_t>(n),
                                                              spec.max_output - sink.size()));
                }
            } else if (n == 0 || errno != EINTR) {
                fds[i].fd = -1;
                --open_count;
            }
        }
    }
    int status = 0;
    // Its output closed, the child may still run (it closed its stdout, or left a process
    // holding none): the same limits apply to waiting for it to exit.
    while (!timed_out && !cancelled) {
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid || (done < 0 && errno != EINTR)) {
            break;
        }
        if (watch_cancel && m_cancelled->load()) {
            cancelled = true;
        } else if (std::chrono::steady_clock::now() >= deadline) {
            timed_out = true;
        } else {
            ::usleep(10'000);
        }
    }
    if (timed_out || cancelled) {
        stop_child(pid, own_group, status);
    }
    if (timed_out) {
        result.outcome = ProcessResult::Outcome::timed_out;
        result.by_deadline = limit.by_deadline;
    } else if (cancelled) {
        result.outcome = ProcessResult::Outcome::signalled;
        result.signal = SIGTERM;
        result.cancelled = true;
    } else if (WIFSIGNALED(status)) {
        result.outcome = ProcessResult::Outcome::signalled;
        result.signal = WTERMSIG(status);
    } else {
        result.outcome = ProcessResult::Outcome::exited;
        result.exit_code = WEXITSTATUS(status);
    }
    return result;
}

std::vector<std::string> current_environment() {
    std::vector<std::string> entries;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        entries.emplace_back(*entry);
    }
    return entries;
}

bool stdin_is_terminal() {
    return ::isatty(STDIN_FILENO) != 0;
}

} // namespace pxclone::util
