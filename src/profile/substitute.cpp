#include "pxclone/profile/substitute.hpp"

#include "pxclone/util/names.hpp"
#include "pxclone/util/text.hpp"

#include <array>

#include <fmt/format.h>

namespace pxclone::profile {

namespace {

constexpr std::array<std::string_view, 5> k_variables{"env.NAME", "run.id", "profile.name",
                                                      "git.sha", "build.id"};

// Resolves the inside of one `${...}`; returns the value or appends an error.
std::optional<std::string> resolve(std::string_view reference, const SubstitutionContext& context,
                                   std::vector<std::string>& errors) {
    const auto quoted = fmt::format("${{{}}}", reference);
    if (reference.starts_with("env.")) {
        auto name = reference.substr(4);
        std::optional<std::string_view> fallback;
        if (const auto dash = name.find(":-"); dash != std::string_view::npos) {
            fallback = name.substr(dash + 2);
            name = name.substr(0, dash);
        }
        if (!util::is_shell_variable_name(name)) {
            errors.push_back(
                fmt::format("{}: '{}' is not an environment variable name", quoted, name));
            return std::nullopt;
        }
        const auto value =
            context.environment != nullptr ? context.environment->get(name) : std::nullopt;
        if (fallback) {
            return value && !value->empty() ? *value : std::string(*fallback);
        }
        if (!value) {
            errors.push_back(
                fmt::format("{}: environment variable {} is not set (set it, or give a default: "
                            "${{env.{}:-value}})",
                            quoted, name, name));
            return std::nullopt;
        }
        return *value;
    }
    if (reference == "run.id") {
        return context.run_id;
    }
    if (reference == "profile.name") {
        return context.profile_name;
    }
    if (reference == "build.id") {
        return context.build_id;
    }
    if (reference == "git.sha") {
        if (!context.git_sha) {
            errors.push_back(fmt::format(
                "{}: the commit is unknown (no CI variable such as GITHUB_SHA is set and this is "
                "not a git repository)",
                quoted));
            return std::nullopt;
        }
        return *context.git_sha;
    }
    errors.push_back(fmt::format("{}: unknown variable{}; known: ${{env.NAME}}, ${{run.id}}, "
                                 "${{profile.name}}, ${{git.sha}}, ${{build.id}}",
                                 quoted, util::did_you_mean(reference, k_variables)));
    return std::nullopt;
}

} // namespace

Substituted substitute(std::string_view text, const SubstitutionContext& context) {
    Substituted result;
    std::size_t i = 0;
    while (i < text.size()) {
        if (text.compare(i, 3, "$${") == 0) {
            result.value += "${";
            i += 3;
            continue;
        }
        if (text.compare(i, 2, "${") != 0) {
            result.value += text[i];
            ++i;
            continue;
        }
        const auto close = text.find('}', i + 2);
        if (close == std::string_view::npos) {
            result.errors.push_back(fmt::format("'{}': '${{' without a closing '}}' (write $${{ "
                                                "for a literal ${{)",
                                                text.substr(i, 40)));
            result.value.append(text.substr(i));
            break;
        }
        const auto reference = text.substr(i + 2, close - i - 2);
        if (const auto value = resolve(reference, context, result.errors)) {
            result.value += *value;
        }
        i = close + 1;
    }
    return result;
}

bool has_references(std::string_view text) {
    for (std::size_t i = 0; i + 1 < text.size(); ++i) {
        if (text.compare(i, 3, "$${") == 0) {
            i += 2;
            continue;
        }
        if (text.compare(i, 2, "${") == 0) {
            return true;
        }
    }
    return false;
}

} // namespace pxclone::profile
