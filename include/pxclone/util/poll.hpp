// How long a poller pauses between looks at an operation that runs on the server (a cloud backup
// or restore, a snapshot becoming ready).
#pragma once

#include <chrono>

namespace pxclone::util {

inline constexpr std::chrono::milliseconds k_first_poll_pause{500};
inline constexpr std::chrono::milliseconds k_max_poll_pause{10000};

// The pause before the next look at an operation already waited on for `waited`: a quarter of
// it, at least k_first_poll_pause, at most `cap`. An operation that ends at T is seen done by
// 1.25·T + 0.5 s (a doubling pause: up to 2·T), and a wait of T costs O(log T) looks until the
// pause reaches `cap`, then one per `cap`.
std::chrono::milliseconds next_poll_pause(std::chrono::milliseconds waited,
                                          std::chrono::milliseconds cap = k_max_poll_pause);

} // namespace pxclone::util
