// Time for tests: a clock that moves only when told, and a sleeper that moves it instead of
// sleeping (and records what it was asked to wait).
#pragma once

#include "pxclone/util/clock.hpp"

#include <chrono>
#include <memory>
#include <vector>

namespace pxclone::test {

class FakeClock final : public util::Clock {
public:
    std::chrono::system_clock::time_point now() const override { return m_now; }
    void advance(std::chrono::milliseconds by) { m_now += by; }
    void set(std::chrono::system_clock::time_point when) { m_now = when; }

private:
    std::chrono::system_clock::time_point m_now =
        std::chrono::system_clock::from_time_t(1'700'000'000);
};

class FakeSleeper final : public util::Sleeper {
public:
    // The clock must outlive the sleeper.
    explicit FakeSleeper(FakeClock& clock) : m_clock(&clock) {}
    // Shares ownership of the clock (for fixtures that hand both out as shared_ptr).
    explicit FakeSleeper(std::shared_ptr<FakeClock> clock)
        : m_clock(clock.get()), m_owned(std::move(clock)) {}

    void sleep(std::chrono::milliseconds duration) override {
        m_waits.push_back(duration);
        m_clock->advance(duration);
    }
    const std::vector<std::chrono::milliseconds>& waits() const { return m_waits; }

private:
    FakeClock* m_clock;
    std::shared_ptr<FakeClock> m_owned;
    std::vector<std::chrono::milliseconds> m_waits;
};

} // namespace pxclone::test
