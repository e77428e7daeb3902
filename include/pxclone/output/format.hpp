// Output formats of `-o/--output` and the printers that serve them. Printers write to the stream
// they are given (stdout is the product; progress and errors go elsewhere).
#pragma once

#include <optional>
#include <ostream>
#include <string_view>

#include <nlohmann/json.hpp>

namespace pxclone::output {

enum class Format { text, json, yaml, env, name };

// "text", "json", "yaml", "env", "name"; nullopt for anything else.
std::optional<Format> parse_format(std::string_view name);
std::string_view format_name(Format format);

// Pretty JSON (2 spaces) and a trailing newline; keys in the order the object holds them.
void print_json(const nlohmann::json& value, std::ostream& out);

} // namespace pxclone::output
