// Time for tests: a clock that moves only when told, and a sleeper that moves it instead of
// sleeping (and records what it was asked to wait).
#pragma once

#include "pxclone/util/clock.hpp"

#include <chrono>
#include <vector>

namespace pxclone::testing {

class FakeClock final : public util::Clock {
public:
    std::chrono::system_clock::time_point now() const override { return m_now; }
    void advance(std::chrono::milliseconds by) { m_now += by; }

private:
    std::chrono::system_clock::time_point m_now{std::chrono::hours(24 * 365 * 50)};
};

class FakeSleeper final : public util::Sleeper {
public:
    explicit FakeSleeper(FakeClock& clock) : m_clock(clock) {}
    void sleep(std::chrono::milliseconds duration) override {
        m_slept.push_back(duration);
        m_clock.advance(duration);
    }
    const std::vector<std::chrono::milliseconds>& slept() const { return m_slept; }

private:
    FakeClock& m_clock;
    std::vector<std::chrono::milliseconds> m_slept;
};

} // namespace pxclone::testing
