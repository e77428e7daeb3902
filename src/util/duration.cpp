#include "pxclone/util/duration.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <utility>

namespace pxclone::util {

namespace {
struct Unit {
    std::string_view name;
    double milliseconds;
};
// Longest names first so that "ms" is not read as "m" followed by garbage.
constexpr std::array<Unit, 4> k_units{{{"ms", 1.0}, {"h", 3600e3}, {"m", 60e3}, {"s", 1e3}}};
} // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
    if (text.empty()) {
        return std::nullopt;
    }
    double total = 0;
    while (!text.empty()) {
        double number = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number,
                                               std::chars_format::fixed);
        if (ec != std::errc{} || number < 0 || end == text.data()) {
            return std::nullopt;
        }
        text.remove_prefix(static_cast<std::size_t>(end - text.data()));
        const Unit* unit = nullptr;
        for (const auto& candidate : k_units) {
            if (text.starts_with(candidate.name)) {
                unit = &candidate;
                break;
            }
        }
        if (unit == nullptr) {
            return std::nullopt;
        }
        text.remove_prefix(unit->name.size());
        total += number * unit->milliseconds;
    }
    if (!std::isfinite(total) ||
        total > static_cast<double>(std::numeric_limits<std::int64_t>::max() / 2)) {
        return std::nullopt;
    }
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(total)));
}

std::string format_duration(std::chrono::milliseconds duration) {
    auto ms = duration.count();
    if (ms == 0) {
        return "0s";
    }
    std::string text;
    const std::array<std::pair<std::int64_t, std::string_view>, 4> parts{
        {{3600000, "h"}, {60000, "m"}, {1000, "s"}, {1, "ms"}}};
    for (const auto& [size, name] : parts) {
        if (ms >= size) {
            text += std::to_string(ms / size);
            text += name;
            ms %= size;
        }
    }
    return text;
}

} // namespace pxclone::util
