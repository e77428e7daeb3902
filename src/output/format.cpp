#include "pxclone/output/format.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>
#include <utility>

#include <yaml-cpp/yaml.h>

namespace pxclone::output {

namespace {
constexpr std::array<std::pair<std::string_view, Format>, 5> k_formats{{
    {"text", Format::text},
    {"json", Format::json},
    {"yaml", Format::yaml},
    {"env", Format::env},
    {"name", Format::name},
}};

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

template <class Json>
void emit(YAML::Emitter& out, const Json& value) {
    if (value.is_object()) {
        if (value.empty()) {
            out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
            return;
        }
        out << YAML::BeginMap;
        for (auto it = value.begin(); it != value.end(); ++it) {
            out << YAML::Key;
            if (yaml_needs_quotes(it.key())) {
                out << YAML::DoubleQuoted;
            }
            out << it.key() << YAML::Value;
            emit(out, it.value());
        }
        out << YAML::EndMap;
    } else if (value.is_array()) {
        if (value.empty()) {
            out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
            return;
        }
        out << YAML::BeginSeq;
        for (const auto& item : value) {
            emit(out, item);
        }
        out << YAML::EndSeq;
    } else if (value.is_string()) {
        const auto& text = value.template get_ref<const std::string&>();
        if (yaml_needs_quotes(text)) {
            out << YAML::DoubleQuoted;
        }
        out << text;
    } else if (value.is_null()) {
        out << YAML::Null;
    } else {
        // Numbers and booleans as JSON writes them, which YAML reads back the same; they are
        // valid plain scalars, so the emitter leaves them unquoted.
        out << value.dump();
    }
}

template <class Json>
void print_yaml_impl(const Json& value, std::ostream& stream) {
    YAML::Emitter out;
    out.SetIndent(2);
    emit(out, value);
    stream << out.c_str() << '\n';
}

} // namespace

std::optional<Format> parse_format(std::string_view name) {
    for (const auto& [text, format] : k_formats) {
        if (text == name) {
            return format;
        }
    }
    return std::nullopt;
}

std::string_view format_name(Format format) {
    for (const auto& [text, value] : k_formats) {
        if (value == format) {
            return text;
        }
    }
    return "text";
}

void print_json(const nlohmann::json& value, std::ostream& out) {
    out << value.dump(2) << '\n';
}

void print_json(const nlohmann::ordered_json& value, std::ostream& out) {
    out << value.dump(2) << '\n';
}

bool yaml_needs_quotes(std::string_view text) {
    if (text.empty()) {
        return true;
    }
    // Booleans and nulls of YAML 1.1 and 1.2 in every spelling a reader might accept.
    constexpr std::array<std::string_view, 11> k_words{"true", "false", "yes",  "no", "on", "off",
                                                       "y",    "n",     "null", "~",  "nan"};
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (std::find(k_words.begin(), k_words.end(), lower) != k_words.end()) {
        return true;
    }
    // Anything that starts like a number (ints, floats, octal, hex, dates, "+1", "-.5", ".inf").
    std::string_view rest = lower;
    if (rest.front() == '+' || rest.front() == '-') {
        rest.remove_prefix(1);
    }
    if (!rest.empty() && rest.front() == '.') {
        rest.remove_prefix(1);
        if (rest == "inf" || rest == "nan") {
            return true;
        }
    }
    if (rest.empty() || !is_digit(rest.front())) {
        return false;
    }
    // Only the characters of YAML 1.1/1.2 numbers (hex, octal, binary, exponents, sexagesimal,
    // "1_000") and timestamps ("2001-12-14t21:59:43z"); "10m" or "3-replicas" stay plain.
    constexpr std::string_view k_number_chars = "0123456789abcdefxo._:+- tz";
    return rest.find_first_not_of(k_number_chars) == std::string_view::npos;
}

void print_yaml(const nlohmann::json& value, std::ostream& out) {
    print_yaml_impl(value, out);
}

void print_yaml(const nlohmann::ordered_json& value, std::ostream& out) {
    print_yaml_impl(value, out);
}

void print_env(const std::vector<std::pair<std::string, std::string>>& variables,
               std::ostream& out) {
    for (const auto& [key, value] : variables) {
        const bool key_ok = !key.empty() && !is_digit(key.front()) &&
                            std::all_of(key.begin(), key.end(), [](unsigned char c) {
                                return std::isalnum(c) != 0 || c == '_';
                            });
        if (!key_ok) {
            throw std::invalid_argument("not a shell variable name: '" + key + "'");
        }
        if (value.find('\0') != std::string::npos) {
            throw std::invalid_argument("value of " + key + " contains a NUL byte");
        }
        std::string quoted;
        for (const char c : value) {
            if (c == '\'') {
                quoted += "'\\''";
            } else {
                quoted += c;
            }
        }
        out << key << "='" << quoted << "'\n";
    }
}

} // namespace pxclone::output
