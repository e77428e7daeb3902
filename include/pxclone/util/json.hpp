// Parsing JSON that comes from outside: API server and Portworx replies, watch events, exec
// credential plugins.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

namespace pxclone::util {

// The most levels of nesting parse_json accepts: Kubernetes objects and Portworx replies nest
// about 15 levels (a Pod template's affinity terms are among the deepest).
inline constexpr int k_max_json_depth = 512;

// `text` parsed, or a discarded value (is_discarded()) when it is not JSON or nests deeper than
// k_max_json_depth. nlohmann::json parses without recursion, but copying, comparing and dumping a
// value recurse: a reply of 100000 '[' would overflow the stack after it was parsed. Never throws
// for the text's sake.
nlohmann::json parse_json(std::string_view text);

} // namespace pxclone::util
