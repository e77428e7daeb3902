#include "pxclone/util/interrupt.hpp"

#include <csignal>
#include <mutex>

namespace pxclone::util {

namespace {
// Only lock-free atomics may be touched from a signal handler.
std::atomic<bool> g_interrupted{false};
std::atomic<int> g_signal{0};
static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free);

extern "C" void on_signal(int signal) {
    g_signal.store(signal);
    g_interrupted.store(true);
}
} // namespace

void install_interrupt_handlers() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction action {};
        action.sa_handler = on_signal;
        sigemptyset(&action.sa_mask);
        // No SA_RESTART: a blocking wait returns early and notices the flag.
        sigaction(SIGINT, &action, nullptr);
        sigaction(SIGTERM, &action, nullptr);
    });
}

bool interrupted() {
    return g_interrupted.load();
}

int interrupt_signal() {
    return g_signal.load();
}

std::shared_ptr<const std::atomic<bool>> interrupt_flag() {
    // Aliasing a static: nothing to free.
    return {std::shared_ptr<void>(), &g_interrupted};
}

} // namespace pxclone::util
