// Output formats of `-o/--output` and the printers that serve them. Printers write to the stream
// they are given (stdout is the product; progress and errors go elsewhere).
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace pxclone::output {

enum class Format { text, json, yaml, env, name };

// "text", "json", "yaml", "env", "name"; nullopt for anything else.
std::optional<Format> parse_format(std::string_view name);
std::string_view format_name(Format format);

// Pretty JSON (2 spaces) and a trailing newline; keys in the order the object holds them.
void print_json(const nlohmann::json& value, std::ostream& out);
void print_json(const nlohmann::ordered_json& value, std::ostream& out);

// Block-style YAML with a trailing newline. Strings that a YAML reader would take for something
// else ("true", "yes", "null", "~", "", "0123", "1.5", "1e3", ".inf", ...) are double-quoted, so
// that every string reads back as the same string; numbers, booleans and null are written plain.
void print_yaml(const nlohmann::json& value, std::ostream& out);
void print_yaml(const nlohmann::ordered_json& value, std::ostream& out);

// Whether print_yaml quotes `text` because a plain scalar would not read back as this string.
bool yaml_needs_quotes(std::string_view text);

// One `KEY='value'` line per pair, safe to `eval` or `source` in any POSIX shell (single quotes;
// a ' inside a value becomes '\''). Throws std::invalid_argument for a key that is not a shell
// variable name ([A-Za-z_][A-Za-z0-9_]*) or a value containing a NUL byte.
void print_env(const std::vector<std::pair<std::string, std::string>>& variables,
               std::ostream& out);

} // namespace pxclone::output
