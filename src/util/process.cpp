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

    pid_t pid = 0;
    const int spawned = ::posix_spawn(&pid, result.program_path.c_str(), &actions, nullptr,
                                      argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
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

    const auto deadline = std::chrono::steady_clock::now() + spec.timeout;
    pollfd fds[2] = {{out.read.get(), POLLIN, 0}, {err.read.get(), POLLIN, 0}};
    std::string* sinks[2] = {&result.out, &result.err};
    int open_count = 2;
    bool timed_out = false;
    char buffer[4096];
    while (open_count > 0) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            timed_out = true;
            break;
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
    if (timed_out) {
        ::kill(pid, SIGKILL);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (timed_out) {
        result.outcome = ProcessResult::Outcome::timed_out;
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
