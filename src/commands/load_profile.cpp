#include "pxclone/commands/load_profile.hpp"

#include "pxclone/discover/staging_sources.hpp"
#include "pxclone/error.hpp"
#include "pxclone/profile/diagnostic.hpp"
#include "pxclone/profile/loader.hpp"
#include "pxclone/util/file.hpp"
#include "pxclone/util/process_output.hpp"

#include <cerrno>
#include <filesystem>
#include <random>

#include <fmt/format.h>

namespace pxclone::cmd {

namespace {

// The file's text, at most the loader's limit.
std::string read_profile_file(const std::string& path) {
    auto file = util::read_file(path, profile::k_max_profile_bytes);
    if (file.error == EISDIR) {
        throw UsageError(fmt::format("{}: cannot read: is a directory", path),
                         "give the profile file with -p FILE");
    }
    if (file.error == EFBIG) {
        // The loader's diagnostic for it, without reading the rest of the file.
        const profile::Diagnostic too_large{path, 1, 1, "", profile::too_large_message()};
        throw UsageError(fmt::format("{}: invalid profile (1 problem)", path), {},
                         {too_large.format()});
    }
    if (!file) {
        throw UsageError(
            fmt::format("{}: cannot read: {}", path,
                        util::describe_read_error(file, profile::k_max_profile_bytes, "a profile")),
            "give the profile with -p FILE (default ./pxclone.yaml)");
    }
    return std::move(file.text);
}

} // namespace

LoadedProfile load_profile(const GlobalOptions& globals, const util::Environment& environment,
                           GitLookup git) {
    const auto& path = globals.profile_path;
    const auto text = read_profile_file(path);

    std::random_device device;
    profile::RunInfoSources sources;
    sources.environment = &environment;
    sources.now = [] {
        return std::chrono::system_clock::now();
    };
    sources.random = [&device] {
        return static_cast<std::uint32_t>(device());
    };
    // Any mention counts (a comment, `$${git.sha}`): looking it up when unneeded is only slower.
    if (git == GitLookup::always || text.find("git.sha") != std::string::npos) {
        sources.run_command = util::capture_output;
    }
    sources.git_directory = std::filesystem::path(path).parent_path().string();
    auto run = profile::derive_run_info(globals.run_id, sources);

    profile::LoadOptions options;
    options.file = path;
    options.substitution.environment = &environment;
    options.substitution.run_id = run.id;
    options.substitution.git_sha = run.git_sha;
    options.substitution.build_id = run.build_id;
    options.file_problem = util::file_problem;
    auto result = profile::load_profile(text, options);
    if (!result.profile) {
        const auto count = result.diagnostics.size();
        throw UsageError(
            fmt::format("{}: invalid profile ({} problem{})", path, count, count == 1 ? "" : "s"),
            {}, profile::format_all(result.diagnostics));
    }
    return {std::move(*result.profile), std::move(run), std::move(result.warnings)};
}

plan::ManifestCheck read_manifests(const LoadedProfile& loaded,
                                   const util::Environment& environment) {
    const auto inputs = discover::read_staging_inputs(loaded.profile, loaded.run, environment);
    return plan::check_manifests(loaded.profile, inputs.manifests);
}

plan::ManifestCheck valid_manifests(const LoadedProfile& loaded,
                                    const util::Environment& environment) {
    auto manifests = read_manifests(loaded, environment);
    if (!manifests.problems.empty()) {
        const auto count = manifests.problems.size();
        throw UsageError(fmt::format("the staging manifests of profile {} are invalid ({} "
                                     "problem{})",
                                     loaded.profile.name, count, count == 1 ? "" : "s"),
                         "", profile::format_all(manifests.problems));
    }
    return manifests;
}

} // namespace pxclone::cmd
