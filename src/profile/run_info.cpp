#include "pxclone/profile/run_info.hpp"

#include "pxclone/error.hpp"
#include "pxclone/util/names.hpp"

#include <array>
#include <ctime>
#include <string_view>

#include <fmt/format.h>

namespace pxclone::profile {

namespace {

struct Found {
    std::string value;
    std::string variable;
};

std::optional<Found> first_set(const util::Environment& env,
                               std::initializer_list<std::string_view> names) {
    for (const auto name : names) {
        if (auto value = env.get(name); value && !value->empty()) {
            return Found{*value, std::string(name)};
        }
    }
    return std::nullopt;
}

std::string generated_id(const RunInfoSources& sources) {
    const auto now = sources.now ? sources.now() : std::chrono::system_clock::now();
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    std::uint32_t random = sources.random ? sources.random() : 0;
    constexpr std::string_view k_digits = "0123456789abcdefghijklmnopqrstuvwxyz";
    std::string suffix;
    for (int i = 0; i < 4; ++i) {
        suffix += k_digits[random % k_digits.size()];
        random /= static_cast<std::uint32_t>(k_digits.size());
    }
    return fmt::format("{:04}{:02}{:02}-{:02}{:02}{:02}-{}", utc.tm_year + 1900, utc.tm_mon + 1,
                       utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, suffix);
}

bool is_hex_sha(std::string_view text) {
    if (text.size() < 7 || text.size() > 64) {
        return false;
    }
    for (const char c : text) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

} // namespace

RunInfo derive_run_info(const std::string& flag_run_id, const RunInfoSources& sources) {
    static const util::MapEnvironment k_empty;
    const util::Environment& env = sources.environment ? *sources.environment : k_empty;
    RunInfo info;

    if (!flag_run_id.empty()) {
        info.id = util::to_label_safe(flag_run_id);
        if (info.id.empty()) {
            throw UsageError(
                fmt::format("--run '{}': a run id needs letters or digits", flag_run_id),
                "use lower-case letters, digits and '-', e.g. --run pr-42");
        }
        info.id_source = "--run";
        info.id_raw = flag_run_id;
    } else if (const auto ci = first_set(env, {"CODEBUILD_BUILD_NUMBER", "CODEBUILD_BUILD_ID",
                                               "GITHUB_RUN_ID", "CI_PIPELINE_ID"});
               ci && !util::to_label_safe(ci->value).empty()) {
        info.id = util::to_label_safe(ci->value);
        info.id_source = ci->variable;
        info.id_raw = ci->value;
    } else {
        info.id = generated_id(sources);
        info.id_source = "generated";
        info.id_raw = info.id;
    }

    if (const auto sha =
            first_set(env, {"CODEBUILD_RESOLVED_SOURCE_VERSION", "GITHUB_SHA", "CI_COMMIT_SHA"})) {
        info.git_sha = sha->value;
        info.git_sha_source = sha->variable;
    } else if (sources.run_command) {
        std::vector<std::string> argv{"git"};
        if (!sources.git_directory.empty()) {
            argv.insert(argv.end(), {"-C", sources.git_directory});
        }
        argv.insert(argv.end(), {"rev-parse", "HEAD"});
        if (auto output = sources.run_command(argv)) {
            while (!output->empty() && (output->back() == '\n' || output->back() == '\r')) {
                output->pop_back();
            }
            if (is_hex_sha(*output)) {
                info.git_sha = *output;
                info.git_sha_source = "git rev-parse HEAD";
            }
        }
    }

    if (const auto build =
            first_set(env, {"CODEBUILD_BUILD_ID", "GITHUB_RUN_ID", "CI_JOB_ID", "BUILD_ID"})) {
        info.build_id = build->value;
        info.build_id_source = build->variable;
        // A re-run of a GitHub workflow keeps its run id; the attempt tells the builds apart.
        if (const auto attempt = first_set(env, {"GITHUB_RUN_ATTEMPT"});
            attempt && build->variable == "GITHUB_RUN_ID") {
            info.build_id += "-" + attempt->value;
            info.build_id_source += "+GITHUB_RUN_ATTEMPT";
        }
    } else {
        info.build_id = info.id;
        info.build_id_source = "run id";
    }
    return info;
}

} // namespace pxclone::profile
