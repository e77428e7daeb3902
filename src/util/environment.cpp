#include "pxclone/util/environment.hpp"

#include <cstdlib>

namespace pxclone::util {

std::optional<std::string> ProcessEnvironment::get(std::string_view name) const {
    const std::string key(name);
    if (const char* value = std::getenv(key.c_str())) {
        return std::string(value);
    }
    return std::nullopt;
}

std::optional<std::string> MapEnvironment::get(std::string_view name) const {
    if (const auto it = m_values.find(name); it != m_values.end()) {
        return it->second;
    }
    return std::nullopt;
}

} // namespace pxclone::util
