#include "pxclone/util/names.hpp"

#include <fmt/format.h>

namespace pxclone::util {

namespace {

bool is_lower_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool is_alnum(char c) {
    return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

std::optional<std::string> check_label_like(std::string_view name, std::size_t max_length,
                                            bool upper_allowed, bool dots_underscores_allowed) {
    if (name.empty()) {
        return "must not be empty";
    }
    if (name.size() > max_length) {
        return fmt::format("must be at most {} characters (is {})", max_length, name.size());
    }
    const auto alnum = upper_allowed ? is_alnum : is_lower_alnum;
    for (const char c : name) {
        const bool ok =
            alnum(c) || c == '-' || (dots_underscores_allowed && (c == '.' || c == '_'));
        if (!ok) {
            if (!upper_allowed && c >= 'A' && c <= 'Z') {
                return "must be lower case";
            }
            return dots_underscores_allowed
                       ? std::string("may contain only letters, digits, '-', '_' and '.'")
                       : std::string("may contain only lower-case letters, digits and '-'");
        }
    }
    if (!alnum(name.front()) || !alnum(name.back())) {
        return "must start and end with a letter or digit";
    }
    return std::nullopt;
}

} // namespace

std::optional<std::string> check_dns1123_label(std::string_view name) {
    return check_label_like(name, 63, false, false);
}

std::optional<std::string> check_dns1123_subdomain(std::string_view name) {
    if (name.empty()) {
        return "must not be empty";
    }
    if (name.size() > 253) {
        return fmt::format("must be at most 253 characters (is {})", name.size());
    }
    for (const char c : name) {
        if (!(is_lower_alnum(c) || c == '-' || c == '.')) {
            if (c >= 'A' && c <= 'Z') {
                return "must be lower case";
            }
            return "may contain only lower-case letters, digits, '-' and '.'";
        }
    }
    std::size_t start = 0;
    while (true) {
        const auto dot = name.find('.', start);
        const auto part =
            name.substr(start, dot == std::string_view::npos ? name.npos : dot - start);
        if (part.empty() || !is_lower_alnum(part.front()) || !is_lower_alnum(part.back())) {
            return "each dot-separated part must start and end with a letter or digit";
        }
        if (dot == std::string_view::npos) {
            return std::nullopt;
        }
        start = dot + 1;
    }
}

std::optional<std::string> check_label_key(std::string_view key) {
    auto name = key;
    if (const auto slash = key.find('/'); slash != std::string_view::npos) {
        if (auto problem = check_dns1123_subdomain(key.substr(0, slash))) {
            return "prefix " + *problem;
        }
        name = key.substr(slash + 1);
    }
    return check_label_like(name, 63, true, true);
}

std::optional<std::string> check_label_value(std::string_view value) {
    if (value.empty()) {
        return std::nullopt;
    }
    return check_label_like(value, 63, true, true);
}

std::optional<std::string> check_env_var_name(std::string_view name) {
    if (name.empty()) {
        return "must not be empty";
    }
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool ok = is_alnum(c) || c == '-' || c == '.' || c == '_';
        if (!ok || (i == 0 && c >= '0' && c <= '9')) {
            return "must consist of letters, digits, '_', '-' and '.', and not start with a digit";
        }
    }
    return std::nullopt;
}

bool is_shell_variable_name(std::string_view name) {
    if (name.empty() || (name.front() >= '0' && name.front() <= '9')) {
        return false;
    }
    for (const char c : name) {
        if (!(is_alnum(c) || c == '_')) {
            return false;
        }
    }
    return true;
}

std::string to_label_safe(std::string_view text, std::size_t max_length) {
    std::string result;
    bool pending_dash = false;
    for (char c : text) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
        if (is_lower_alnum(c)) {
            if (pending_dash && !result.empty()) {
                result += '-';
            }
            pending_dash = false;
            result += c;
        } else {
            pending_dash = true;
        }
    }
    if (result.size() > max_length) {
        result.resize(max_length);
    }
    while (!result.empty() && result.back() == '-') {
        result.pop_back();
    }
    return result;
}

} // namespace pxclone::util
