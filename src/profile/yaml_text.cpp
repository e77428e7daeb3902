#include "pxclone/profile/yaml_text.hpp"

#include <array>

#include <yaml-cpp/exceptions.h>

namespace pxclone::profile {

TextPosition position_at(std::string_view text, std::size_t offset) {
    TextPosition position;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++position.line;
            position.column = 1;
        } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
            ++position.column;
        }
    }
    return position;
}

std::optional<std::size_t> find_control_byte(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
            return i;
        }
    }
    return std::nullopt;
}

bool quote_is_closed(std::string_view text, std::size_t offset) {
    const char quote = text[offset];
    for (std::size_t i = offset + 1; i < text.size(); ++i) {
        if (quote == '"' && text[i] == '\\') {
            ++i;
        } else if (text[i] == quote) {
            if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
                ++i;
                continue;
            }
            return true;
        }
    }
    return false;
}

std::string describe_syntax_error(const std::string& message) {
    struct Known {
        const char* library;
        std::string_view ours;
    };
    const std::array<Known, 14> known{{
        {YAML::ErrorMsg::END_OF_MAP_FLOW, "a '{' is never closed with '}'"},
        {YAML::ErrorMsg::END_OF_SEQ_FLOW, "a '[' is never closed with ']'"},
        {YAML::ErrorMsg::END_OF_MAP, "a key is not indented like the keys before it"},
        {YAML::ErrorMsg::END_OF_SEQ, "a list entry is not indented like the entries before it"},
        {YAML::ErrorMsg::EOF_IN_SCALAR, "a quoted string is never closed"},
        {YAML::ErrorMsg::CHAR_IN_SCALAR, "unexpected character in a quoted string"},
        {YAML::ErrorMsg::INVALID_ESCAPE, "unknown escape sequence in a double-quoted string"},
        {YAML::ErrorMsg::TAB_IN_INDENTATION, "tab character in indentation (indent with spaces)"},
        {YAML::ErrorMsg::MAP_VALUE,
         "unexpected ':' (quote a value that contains \": \", or fix the indentation)"},
        {YAML::ErrorMsg::MAP_KEY, "unexpected key (check the indentation)"},
        {YAML::ErrorMsg::BLOCK_ENTRY, "unexpected list entry '-' (check the indentation)"},
        {YAML::ErrorMsg::FLOW_END, "unexpected ']' or '}'"},
        {YAML::ErrorMsg::UNKNOWN_ANCHOR, "'*' refers to an anchor that is not defined"},
        {YAML::ErrorMsg::UNKNOWN_TOKEN, "unexpected character"},
    }};
    for (const auto& entry : known) {
        if (message.starts_with(entry.library)) {
            return "invalid YAML: " + std::string(entry.ours);
        }
    }
    return "invalid YAML syntax";
}

} // namespace pxclone::profile
