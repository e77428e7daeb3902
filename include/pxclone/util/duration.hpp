// Durations as Go and kubectl write them: "500ms", "45s", "10m", "1h30m", "24h".
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace pxclone::util {

// Parses a sequence of <number><unit> with units ms, s, m, h (a decimal number is allowed, as in
// "1.5h"). nullopt for anything else, including an empty string, a missing unit, a negative value
// or one that overflows.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// The shortest exact form: 90000ms -> "1m30s", 0 -> "0s".
std::string format_duration(std::chrono::milliseconds duration);

} // namespace pxclone::util
