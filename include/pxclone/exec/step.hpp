// Progress of the executors' steps: keyed state lines while a step runs, and its end. The
// commands turn both into output::Progress calls; the executors know nothing of how they look.
#pragma once

#include <functional>
#include <string>
#include <type_traits>

namespace pxclone::exec {

// A step's key ("snapshot/data-0", "deployment/app") and what it waits for now.
using ProgressFn = std::function<void(const std::string& key, const std::string& text)>;
// Once, when the step ends: `ok` false when it failed (its error propagates separately).
using DoneFn = std::function<void(const std::string& key, bool ok)>;

// Runs `work` as step `key` and reports its end through `done` (which may be empty): ok when it
// returns, failed when it throws (the exception propagates unchanged).
template <class Work>
auto run_step(const DoneFn& done, const std::string& key, Work&& work) -> decltype(work()) {
    try {
        if constexpr (std::is_void_v<decltype(work())>) {
            work();
            if (done) {
                done(key, true);
            }
        } else {
            auto result = work();
            if (done) {
                done(key, true);
            }
            return result;
        }
    } catch (...) {
        if (done) {
            done(key, false);
        }
        throw;
    }
}

} // namespace pxclone::exec
