// Kubernetes name rules, as the API server enforces them. Each check returns nullopt when the
// name is valid and otherwise a short reason ("must be at most 63 characters", ...) that a caller
// puts after the name's place in a message.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pxclone::util {

// RFC 1123 label: 1-63 characters of [a-z0-9-], starting and ending alphanumeric (namespaces,
// Service and container names).
std::optional<std::string> check_dns1123_label(std::string_view name);

// RFC 1123 subdomain: 1-253 characters, dot-separated labels of [a-z0-9-] (PVCs, Secrets).
std::optional<std::string> check_dns1123_subdomain(std::string_view name);

// Label key: an optional DNS-1123 subdomain prefix and '/', then a name of 1-63 characters of
// [A-Za-z0-9._-] starting and ending alphanumeric.
std::optional<std::string> check_label_key(std::string_view key);

// Label value: empty, or 1-63 characters of [A-Za-z0-9._-] starting and ending alphanumeric.
std::optional<std::string> check_label_value(std::string_view value);

// A container environment variable name: [-._a-zA-Z][-._a-zA-Z0-9]*.
std::optional<std::string> check_env_var_name(std::string_view name);

// A shell-style variable name: [A-Za-z_][A-Za-z0-9_]* (what `${env.NAME}` and `-o env` accept).
bool is_shell_variable_name(std::string_view name);

// Lower-cases `text` and replaces every run of characters outside [a-z0-9] with one '-', trims
// '-' at both ends and cuts to at most `max_length` characters (again without a trailing '-').
// The result is a valid label value and DNS-1123 label, or empty when nothing usable is left.
std::string to_label_safe(std::string_view text, std::size_t max_length = 63);

} // namespace pxclone::util
