#include "pxclone/output/format.hpp"

#include <array>
#include <utility>

namespace pxclone::output {

namespace {
constexpr std::array<std::pair<std::string_view, Format>, 5> k_formats{{
    {"text", Format::text},
    {"json", Format::json},
    {"yaml", Format::yaml},
    {"env", Format::env},
    {"name", Format::name},
}};
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

} // namespace pxclone::output
