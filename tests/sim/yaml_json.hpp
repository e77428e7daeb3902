// YAML ↔ JSON for pxsim: state files and apply-patch+yaml bodies.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pxsim {

// Every document of a YAML (or JSON) stream, as JSON; plain scalars become numbers, booleans or
// null the way YAML 1.2 core schema reads them. Throws std::runtime_error with the line on errors.
std::vector<nlohmann::json> parse_yaml_documents(const std::string& text);

} // namespace pxsim
