#include "pxclone/plan/check_report.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

namespace pxclone::plan {

std::string_view result_name(CheckResult result) {
    switch (result) {
    case CheckResult::ok:
        return "ok";
    case CheckResult::failed:
        return "failed";
    case CheckResult::skipped:
        return "skipped";
    }
    return "?";
}

ExitCode preflight_exit_code(const std::vector<Check>& checks) {
    constexpr std::array k_precedence{ExitCode::usage, ExitCode::failed, ExitCode::not_found};
    for (const auto code : k_precedence) {
        if (std::any_of(checks.begin(), checks.end(), [code](const Check& check) {
                return check.result == CheckResult::failed && check.code == code;
            })) {
            return code;
        }
    }
    const bool failed = std::any_of(checks.begin(), checks.end(), [](const Check& check) {
        return check.result == CheckResult::failed;
    });
    return failed ? ExitCode::failed : ExitCode::ok;
}

nlohmann::ordered_json to_json(const std::vector<Check>& checks) {
    auto list = nlohmann::ordered_json::array();
    for (const auto& check : checks) {
        nlohmann::ordered_json entry{{"name", check.name},
                                     {"result", result_name(check.result)},
                                     {"message", check.message}};
        if (!check.details.empty()) {
            entry["details"] = check.details;
        }
        if (check.data.is_object()) {
            for (const auto& [key, value] : check.data.items()) {
                entry[key] = value;
            }
        }
        list.push_back(std::move(entry));
    }
    return {{"ok", preflight_exit_code(checks) == ExitCode::ok}, {"checks", std::move(list)}};
}

std::vector<std::string> check_lines(const std::vector<Check>& checks, bool symbols) {
    std::vector<std::string> lines;
    for (const auto& check : checks) {
        std::string_view mark;
        switch (check.result) {
        case CheckResult::ok:
            mark = symbols ? "✓" : "ok     ";
            break;
        case CheckResult::failed:
            mark = symbols ? "✗" : "FAILED ";
            break;
        case CheckResult::skipped:
            mark = symbols ? "-" : "skipped";
            break;
        }
        lines.push_back(fmt::format("{} {}: {}", mark, check.name, check.message));
        for (const auto& detail : check.details) {
            lines.push_back(fmt::format("    {}", detail));
        }
    }
    return lines;
}

} // namespace pxclone::plan
