// What the profile loader and the manifest reader both need from a YAML text before and after
// yaml-cpp reads it: places in the text, bytes that make it not text, and yaml-cpp's syntax
// errors in our words. Pure.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace pxclone::profile {

// 1-based line and column (columns count code points, not bytes).
struct TextPosition {
    int line = 1;
    int column = 1;
};

// The line and column of byte `offset` of `text`.
TextPosition position_at(std::string_view text, std::size_t offset);

// The offset of the first NUL or other control byte but tab, newline and carriage return: a file
// that has one is not text (yaml-cpp would read garbage silently). nullopt when there is none.
std::optional<std::size_t> find_control_byte(std::string_view text);

// Whether the quoted scalar whose quote is at `offset` is closed before the end of `text`
// ('' in single quotes and \" in double quotes do not close it). yaml-cpp 0.7 accepts some
// unclosed quotes; the callers check the last one with this.
bool quote_is_closed(std::string_view text, std::size_t offset);

// yaml-cpp's syntax error message `message` (YAML::Exception::msg) in our words, prefixed
// "invalid YAML: "; "invalid YAML syntax" for one we do not know. yaml-cpp's own text is never
// returned.
std::string describe_syntax_error(const std::string& message);

} // namespace pxclone::profile
