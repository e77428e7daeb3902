#include "pxclone/util/quantity.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <utility>

namespace pxclone::util {

namespace {
constexpr std::array<std::pair<std::string_view, double>, 12> k_suffixes{{
    {"Ki", 0x1p10},
    {"Mi", 0x1p20},
    {"Gi", 0x1p30},
    {"Ti", 0x1p40},
    {"Pi", 0x1p50},
    {"Ei", 0x1p60},
    {"k", 1e3},
    {"M", 1e6},
    {"G", 1e9},
    {"T", 1e12},
    {"P", 1e15},
    {"E", 1e18},
}};
} // namespace

std::optional<std::int64_t> parse_quantity(std::string_view text) {
    double number = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec != std::errc{} || end == text.data() || number < 0 || !std::isfinite(number)) {
        return std::nullopt;
    }
    const std::string_view suffix(end, static_cast<std::size_t>(text.data() + text.size() - end));
    double multiplier = 1;
    if (!suffix.empty()) {
        const auto* found =
            std::find_if(k_suffixes.begin(), k_suffixes.end(),
                         [suffix](const auto& entry) { return entry.first == suffix; });
        if (found == k_suffixes.end()) {
            return std::nullopt;
        }
        multiplier = found->second;
    }
    const double bytes = std::ceil(number * multiplier);
    if (bytes >= 0x1p63) {
        return std::nullopt;
    }
    return static_cast<std::int64_t>(bytes);
}

std::string format_quantity(std::int64_t bytes) {
    constexpr std::array<std::string_view, 6> binary{"Ei", "Pi", "Ti", "Gi", "Mi", "Ki"};
    for (std::size_t i = 0; i < binary.size(); ++i) {
        const auto unit = std::int64_t{1} << (10 * (binary.size() - i));
        if (bytes != 0 && bytes % unit == 0) {
            return std::to_string(bytes / unit) + std::string(binary[i]);
        }
    }
    return std::to_string(bytes);
}

} // namespace pxclone::util
