#include "k8s_util.hpp"

#include <cctype>
#include <cmath>
#include <ctime>
#include <map>
#include <regex>

namespace pxsim {

std::string format_time(std::chrono::system_clock::time_point time) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
    return text;
}

std::optional<std::int64_t> parse_quantity(const std::string& text) {
    static const std::regex k_quantity(R"(^([0-9]+(?:\.[0-9]+)?)([KMGTPE]i?|k|m)?$)");
    std::smatch match;
    if (!std::regex_match(text, match, k_quantity)) {
        return std::nullopt;
    }
    const double number = std::stod(match[1].str());
    static const std::map<std::string, double> k_factors = {{"", 1.0},
                                                            {"m", 1e-3},
                                                            {"k", 1e3},
                                                            {"K", 1e3},
                                                            {"M", 1e6},
                                                            {"G", 1e9},
                                                            {"T", 1e12},
                                                            {"P", 1e15},
                                                            {"E", 1e18},
                                                            {"Ki", 1024.0},
                                                            {"Mi", 1048576.0},
                                                            {"Gi", 1073741824.0},
                                                            {"Ti", 1099511627776.0},
                                                            {"Pi", 1125899906842624.0},
                                                            {"Ei", 1152921504606846976.0}};
    const auto factor = k_factors.find(match[2].str());
    if (factor == k_factors.end()) {
        return std::nullopt;
    }
    return static_cast<std::int64_t>(std::ceil(number * factor->second));
}

std::string format_quantity(std::int64_t bytes) {
    static const char* const k_suffixes[] = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    if (bytes <= 0) {
        return std::to_string(bytes);
    }
    std::string suffix;
    for (const char* next : k_suffixes) {
        if (bytes % 1024 != 0) {
            break;
        }
        bytes /= 1024;
        suffix = next;
    }
    return std::to_string(bytes) + suffix;
}

namespace {

std::string trim(const std::string& text) {
    std::size_t begin = 0;
    std::size_t end = text.size();
    while (begin < end && std::isspace(static_cast<unsigned char>(text[begin])) != 0) {
        ++begin;
    }
    while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1])) != 0) {
        --end;
    }
    return text.substr(begin, end - begin);
}

// Splits on commas that are not inside parentheses.
std::vector<std::string> split_top_level(const std::string& text) {
    std::vector<std::string> parts;
    std::string current;
    int depth = 0;
    for (char c : text) {
        if (c == '(') {
            ++depth;
        } else if (c == ')') {
            --depth;
        }
        if (c == ',' && depth == 0) {
            parts.push_back(current);
            current.clear();
        } else {
            current += c;
        }
    }
    parts.push_back(current);
    return parts;
}

bool valid_label_key(const std::string& key) {
    static const std::regex k_key(
        R"(^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$)");
    return std::regex_match(key, k_key);
}

} // namespace

std::optional<std::vector<LabelRequirement>> parse_label_selector(const std::string& text) {
    std::vector<LabelRequirement> requirements;
    if (trim(text).empty()) {
        return requirements;
    }
    static const std::regex k_set(R"(^(\S+)\s+(in|notin)\s*\(([^)]*)\)$)");
    for (const std::string& raw : split_top_level(text)) {
        const std::string part = trim(raw);
        LabelRequirement requirement;
        std::smatch match;
        if (part.empty()) {
            return std::nullopt;
        }
        if (std::regex_match(part, match, k_set)) {
            requirement.key = match[1].str();
            requirement.op =
                match[2].str() == "in" ? LabelRequirement::Op::In : LabelRequirement::Op::NotIn;
            for (const std::string& value : split_top_level(match[3].str())) {
                requirement.values.push_back(trim(value));
            }
        } else if (part[0] == '!') {
            requirement.key = trim(part.substr(1));
            requirement.op = LabelRequirement::Op::DoesNotExist;
        } else if (const auto ne = part.find("!="); ne != std::string::npos) {
            requirement.key = trim(part.substr(0, ne));
            requirement.op = LabelRequirement::Op::NotEquals;
            requirement.values.push_back(trim(part.substr(ne + 2)));
        } else if (const auto eq = part.find('='); eq != std::string::npos) {
            requirement.key = trim(part.substr(0, eq));
            requirement.op = LabelRequirement::Op::Equals;
            const std::size_t value_at = part.compare(eq, 2, "==") == 0 ? eq + 2 : eq + 1;
            requirement.values.push_back(trim(part.substr(value_at)));
        } else {
            requirement.key = part;
            requirement.op = LabelRequirement::Op::Exists;
        }
        if (!valid_label_key(requirement.key)) {
            return std::nullopt;
        }
        requirements.push_back(std::move(requirement));
    }
    return requirements;
}

bool labels_match(const std::vector<LabelRequirement>& selector, const Json& labels) {
    for (const LabelRequirement& requirement : selector) {
        const bool present = labels.is_object() && labels.contains(requirement.key) &&
                             labels[requirement.key].is_string();
        const std::string value = present ? labels[requirement.key].get<std::string>() : "";
        const auto listed = [&] {
            for (const std::string& candidate : requirement.values) {
                if (candidate == value) {
                    return true;
                }
            }
            return false;
        };
        bool ok = false;
        switch (requirement.op) {
        case LabelRequirement::Op::Equals:
        case LabelRequirement::Op::In:
            ok = present && listed();
            break;
        case LabelRequirement::Op::NotEquals:
        case LabelRequirement::Op::NotIn:
            ok = !present || !listed();
            break;
        case LabelRequirement::Op::Exists:
            ok = present;
            break;
        case LabelRequirement::Op::DoesNotExist:
            ok = !present;
            break;
        }
        if (!ok) {
            return false;
        }
    }
    return true;
}

std::vector<LabelRequirement> selector_from_json(const Json& selector) {
    std::vector<LabelRequirement> requirements;
    if (!selector.is_object()) {
        return requirements;
    }
    for (const auto& [key, value] : string_map(selector.value("matchLabels", Json::object()))) {
        requirements.push_back({key, LabelRequirement::Op::Equals, {value}});
    }
    for (const Json& expression : selector.value("matchExpressions", Json::array())) {
        LabelRequirement requirement;
        requirement.key = expression.value("key", "");
        const std::string op = expression.value("operator", "");
        requirement.op = op == "In"       ? LabelRequirement::Op::In
                         : op == "NotIn"  ? LabelRequirement::Op::NotIn
                         : op == "Exists" ? LabelRequirement::Op::Exists
                                          : LabelRequirement::Op::DoesNotExist;
        for (const Json& value : expression.value("values", Json::array())) {
            requirement.values.push_back(value.get<std::string>());
        }
        requirements.push_back(std::move(requirement));
    }
    return requirements;
}

std::string selector_to_string(const Json& selector) {
    std::string text;
    for (const auto& [key, value] : string_map(selector.value("matchLabels", Json::object()))) {
        text += (text.empty() ? "" : ",") + key + "=" + value;
    }
    return text;
}

std::optional<std::vector<FieldRequirement>> parse_field_selector(const std::string& text) {
    std::vector<FieldRequirement> requirements;
    if (trim(text).empty()) {
        return requirements;
    }
    for (const std::string& raw : split_top_level(text)) {
        const std::string part = trim(raw);
        FieldRequirement requirement;
        if (const auto ne = part.find("!="); ne != std::string::npos) {
            requirement.field = trim(part.substr(0, ne));
            requirement.equals = false;
            requirement.value = trim(part.substr(ne + 2));
        } else if (const auto eq = part.find('='); eq != std::string::npos) {
            requirement.field = trim(part.substr(0, eq));
            const std::size_t value_at = part.compare(eq, 2, "==") == 0 ? eq + 2 : eq + 1;
            requirement.value = trim(part.substr(value_at));
        } else {
            return std::nullopt;
        }
        requirements.push_back(std::move(requirement));
    }
    return requirements;
}

bool fields_match(const std::vector<FieldRequirement>& selector, const Json& object) {
    for (const FieldRequirement& requirement : selector) {
        Json::json_pointer pointer("/" +
                                   std::regex_replace(requirement.field, std::regex(R"(\.)"), "/"));
        std::string actual;
        if (object.contains(pointer) && object[pointer].is_string()) {
            actual = object[pointer].get<std::string>();
        }
        if ((actual == requirement.value) != requirement.equals) {
            return false;
        }
    }
    return true;
}

Json status_failure(int code, const std::string& reason, const std::string& message,
                    const Json& details) {
    Json status = {{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", Json::object()},
                   {"status", "Failure"}, {"message", message}, {"reason", reason},
                   {"code", code}};
    if (!details.is_null()) {
        status["details"] = details;
    }
    return status;
}

std::optional<std::string> validate_dns_subdomain(const std::string& name) {
    static const std::regex k_subdomain(
        R"(^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)");
    if (name.size() > 253) {
        return "must be no more than 253 characters";
    }
    if (!std::regex_match(name, k_subdomain)) {
        return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
               "'-' or '.', and must start and end with an alphanumeric character (e.g. "
               "'example.com', regex used for validation is "
               "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    }
    return std::nullopt;
}

std::optional<std::string> validate_dns_label(const std::string& name) {
    static const std::regex k_label(R"(^[a-z0-9]([-a-z0-9]*[a-z0-9])?$)");
    if (name.size() > 63) {
        return "must be no more than 63 characters";
    }
    if (!std::regex_match(name, k_label)) {
        return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or "
               "'-', and must start and end with an alphanumeric character (e.g. 'my-name',  or "
               "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    }
    return std::nullopt;
}

void deep_merge(Json& target, const Json& applied) {
    if (!target.is_object() || !applied.is_object()) {
        target = applied;
        return;
    }
    for (const auto& [key, value] : applied.items()) {
        if (value.is_object() && target.contains(key) && target[key].is_object()) {
            deep_merge(target[key], value);
        } else {
            target[key] = value;
        }
    }
}

std::map<std::string, std::string> string_map(const Json& value) {
    std::map<std::string, std::string> result;
    if (!value.is_object()) {
        return result;
    }
    for (const auto& [key, item] : value.items()) {
        if (item.is_string()) {
            result[key] = item.get<std::string>();
        }
    }
    return result;
}

std::string base64_encode(const std::string& input) {
    static const char* const k_alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string output;
    std::size_t i = 0;
    for (; i + 2 < input.size(); i += 3) {
        const unsigned n = (static_cast<unsigned char>(input[i]) << 16) |
                           (static_cast<unsigned char>(input[i + 1]) << 8) |
                           static_cast<unsigned char>(input[i + 2]);
        output += k_alphabet[(n >> 18) & 63];
        output += k_alphabet[(n >> 12) & 63];
        output += k_alphabet[(n >> 6) & 63];
        output += k_alphabet[n & 63];
    }
    if (i < input.size()) {
        unsigned n = static_cast<unsigned char>(input[i]) << 16;
        if (i + 1 < input.size()) {
            n |= static_cast<unsigned char>(input[i + 1]) << 8;
        }
        output += k_alphabet[(n >> 18) & 63];
        output += k_alphabet[(n >> 12) & 63];
        output += i + 1 < input.size() ? k_alphabet[(n >> 6) & 63] : '=';
        output += '=';
    }
    return output;
}

std::string short_hash(const std::string& text, std::size_t length) {
    // The alphabet Kubernetes uses for generated suffixes (no vowels, no ambiguous digits).
    static const std::string k_alphabet = "bcdfghjklmnpqrstvwxz2456789";
    std::uint64_t hash = 14695981039346656037ULL;
    for (unsigned char c : text) {
        hash ^= c;
        hash *= 1099511628211ULL;
    }
    std::string result;
    for (std::size_t i = 0; i < length; ++i) {
        result += k_alphabet[hash % k_alphabet.size()];
        hash /= k_alphabet.size();
        if (hash == 0) {
            hash = 1469598103934665603ULL + i;
        }
    }
    return result;
}

} // namespace pxsim
