// RFC 3339 timestamps, as Kubernetes and the OpenStorage SDK write them.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace pxclone::util {

// "2030-01-02T03:04:05Z", with an optional fraction and a Z or +hh:mm offset; nullopt if not.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(const std::string& text);

// UTC to the second: "2030-01-02T03:04:05Z". Text order of such stamps is time order.
std::string format_rfc3339(std::chrono::system_clock::time_point time);

} // namespace pxclone::util
