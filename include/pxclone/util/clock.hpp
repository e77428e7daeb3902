// Time behind interfaces: retries, token expiry and backoff are tested with a fake clock and a
// sleeper that only records what it was asked to wait.
#pragma once

#include <chrono>

namespace pxclone::util {

class Clock {
public:
    virtual ~Clock() = default;
    // Wall-clock time (for expiry timestamps and HTTP dates).
    virtual std::chrono::system_clock::time_point now() const = 0;
};

class SystemClock final : public Clock {
public:
    std::chrono::system_clock::time_point now() const override {
        return std::chrono::system_clock::now();
    }
};

class Sleeper {
public:
    virtual ~Sleeper() = default;
    virtual void sleep(std::chrono::milliseconds duration) = 0;
};

class ThreadSleeper final : public Sleeper {
public:
    void sleep(std::chrono::milliseconds duration) override;
};

} // namespace pxclone::util
