#include "pxclone/profile/diagnostic.hpp"

#include <fmt/format.h>

namespace pxclone::profile {

std::string Diagnostic::format() const {
    std::string text = file;
    if (line > 0) {
        text += fmt::format(":{}:{}", line, column);
    }
    text += ": ";
    if (!path.empty()) {
        text += path + ": ";
    }
    return text + message;
}

std::vector<std::string> format_all(const std::vector<Diagnostic>& diagnostics) {
    std::vector<std::string> lines;
    lines.reserve(diagnostics.size());
    for (const auto& diagnostic : diagnostics) {
        lines.push_back(diagnostic.format());
    }
    return lines;
}

} // namespace pxclone::profile
