// Progress on stderr while a command works: what it is doing and what it is waiting for. Without
// a terminal (CI) it writes plain timestamped lines at state changes only; with -q nothing.
// Thread-safe: workers report in parallel.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>

namespace pxclone::output {

class Progress {
public:
    // `now` stamps the lines (injectable for tests); `enabled` false (-q) makes every call a no-op.
    Progress(
        std::ostream& err, bool enabled,
        std::function<std::chrono::system_clock::time_point()> now = [] {
            return std::chrono::system_clock::now();
        });

    // A step begins or ends: one line each ("snapshot set 42: 3 volumes").
    void note(std::string_view text);
    // The state of one thing being waited for, keyed so that a repeated state prints nothing:
    // update("vs/data-0", "snapshot data-0 pending").
    void update(const std::string& key, std::string_view text);
    // A warning: printed even under -q, since it is not progress but something to act on.
    void warn(std::string_view text);

private:
    void write_line(std::string_view text);

    std::ostream& m_err;
    bool m_enabled;
    std::function<std::chrono::system_clock::time_point()> m_now;
    std::mutex m_mutex;
    std::map<std::string, std::string, std::less<>> m_last;
};

} // namespace pxclone::output
