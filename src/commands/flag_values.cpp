#include "pxclone/commands/flag_values.hpp"

#include "pxclone/util/text.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

namespace pxclone::cmd {

namespace {

// The value as the message shows it: one line, quoted when empty or holding a space.
std::string shown(const std::string& value) {
    auto text = util::one_line(value, 64);
    if (text.empty() || text.find(' ') != std::string::npos) {
        return "'" + text + "'";
    }
    return text;
}

} // namespace

std::size_t index_of(const std::string& flag, const std::string& value, const std::string& what,
                     const std::vector<std::string>& names) {
    auto lower = value;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const auto found = std::find(names.begin(), names.end(), lower);
    if (found == names.end()) {
        throw FlagValueError(fmt::format("{} {}: invalid {} (valid: {})", flag, shown(value), what,
                                         fmt::join(names, ", ")));
    }
    return static_cast<std::size_t>(found - names.begin());
}

CLI::Validator one_of(std::string flag, std::string what, std::vector<std::string> names) {
    return CLI::Validator(
        [flag, what, names](std::string& value) {
            value = names[index_of(flag, value, what, names)];
            return std::string();
        },
        "");
}

CLI::Validator whole_number(std::string flag, int minimum, int maximum) {
    return CLI::Validator(
        [flag, minimum, maximum](std::string& value) {
            int number = 0;
            const auto* end = value.data() + value.size();
            const auto [stop, error] = std::from_chars(value.data(), end, number);
            if (value.empty() || error != std::errc() || stop != end || number < minimum ||
                number > maximum) {
                throw FlagValueError(fmt::format("{} {}: not a whole number from {} to {}", flag,
                                                 shown(value), minimum, maximum));
            }
            return std::string();
        },
        "");
}

} // namespace pxclone::cmd
