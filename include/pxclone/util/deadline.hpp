// The deadline of a whole command (--timeout): one time point from the injected clock, made once
// at the top and passed down by value to everything that can wait — requests, their retries and
// back-off, exec credential plugins, hooks and watches. Nothing reads it from a global.
#pragma once

#include "pxclone/util/clock.hpp"

#include <chrono>
#include <string>

namespace pxclone::util {

// How long after the deadline the command may still take to stop what it started (roll back
// what it made, run the post-hooks), as SIGINT lets it: within this, pxclone has exited.
inline constexpr std::chrono::milliseconds k_deadline_grace{1000};

// How long a process that is being stopped gets between SIGTERM and SIGKILL.
inline constexpr std::chrono::milliseconds k_kill_grace{500};

class Deadline {
public:
    using time_point = std::chrono::system_clock::time_point;

    // No deadline: nothing is cut short by it.
    Deadline() = default;
    // `origin` names it in messages: "--timeout 20s".
    Deadline(time_point at, std::string origin)
        : m_set(true), m_at(at), m_origin(std::move(origin)) {}
    // `budget` from clock's now.
    static Deadline after(const Clock& clock, std::chrono::milliseconds budget, std::string origin);

    bool is_set() const { return m_set; }
    // The deadline; time_point::max() when none.
    time_point at() const { return m_set ? m_at : time_point::max(); }
    const std::string& origin() const { return m_origin; }

    // What something started at `now` may take before the deadline cuts it: until the deadline
    // when it is still ahead; once it has passed (clean-up: a roll-back, a post-hook), until the
    // deadline plus k_deadline_grace. Zero when even that has passed; milliseconds::max() when
    // there is no deadline.
    std::chrono::milliseconds left_for(time_point now) const;
    bool passed(time_point now) const { return m_set && now >= m_at; }

private:
    bool m_set = false;
    time_point m_at{};
    std::string m_origin;
};

// A limit of its own (0 or less: none) bounded by what the deadline leaves at `now`.
// With by_deadline and a zero limit the deadline has passed: start nothing.
struct Bound {
    std::chrono::milliseconds limit{0}; // 0 without by_deadline: unbounded
    bool by_deadline = false;           // the deadline, not the own limit, set `limit`
    bool expired() const { return by_deadline && limit.count() <= 0; }
};
Bound bound(std::chrono::milliseconds own_limit, const Deadline& deadline,
            Deadline::time_point now);

} // namespace pxclone::util
