#include "pxclone/util/poll.hpp"

#include <algorithm>

namespace pxclone::util {

std::chrono::milliseconds next_poll_pause(std::chrono::milliseconds waited,
                                          std::chrono::milliseconds cap) {
    const auto quarter = std::max(waited, std::chrono::milliseconds{0}) / 4;
    return std::min(std::max(quarter, k_first_poll_pause), std::max(cap, k_first_poll_pause));
}

} // namespace pxclone::util
