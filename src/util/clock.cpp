#include "pxclone/util/clock.hpp"

#include <thread>

namespace pxclone::util {

void ThreadSleeper::sleep(std::chrono::milliseconds duration) {
    std::this_thread::sleep_for(duration);
}

} // namespace pxclone::util
