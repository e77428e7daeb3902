#include "pxclone/commands/load_profile.hpp"

#include "pxclone/error.hpp"
#include "pxclone/profile/loader.hpp"
#include "pxclone/util/process_output.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include <fmt/format.h>

namespace pxclone::cmd {

namespace {

// The file's text, at most one byte beyond the loader's limit (it reports the excess).
std::string read_profile_file(const std::string& path) {
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) {
        throw UsageError(fmt::format("{}: cannot read: is a directory", path),
                         "give the profile file with -p FILE");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        const int reason = errno;
        throw UsageError(fmt::format("{}: cannot read: {}", path, std::strerror(reason)),
                         "give the profile with -p FILE (default ./pxclone.yaml)");
    }
    std::string text(profile::k_max_profile_bytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (in.bad()) {
        throw UsageError(fmt::format("{}: cannot read: I/O error", path));
    }
    text.resize(static_cast<std::size_t>(in.gcount()));
    return text;
}

} // namespace

LoadedProfile load_profile(const GlobalOptions& globals, const util::Environment& environment) {
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
    sources.run_command = util::capture_output;
    sources.git_directory = std::filesystem::path(path).parent_path().string();
    auto run = profile::derive_run_info(globals.run_id, sources);

    profile::LoadOptions options;
    options.file = path;
    options.substitution.environment = &environment;
    options.substitution.run_id = run.id;
    options.substitution.git_sha = run.git_sha;
    options.substitution.build_id = run.build_id;
    options.file_exists = [](const std::string& file) {
        std::error_code error;
        return std::filesystem::is_regular_file(file, error);
    };
    auto result = profile::load_profile(text, options);
    if (!result.profile) {
        const auto count = result.diagnostics.size();
        throw UsageError(
            fmt::format("{}: invalid profile ({} problem{})", path, count, count == 1 ? "" : "s"),
            {}, profile::format_all(result.diagnostics));
    }
    return {std::move(*result.profile), std::move(run)};
}

} // namespace pxclone::cmd
