// `pxclone version`: what this binary is, for bug reports and CI logs.
#include "pxclone/build_info.hpp"
#include "pxclone/commands/commands.hpp"
#include "pxclone/http/library.hpp"
#include "pxclone/output/records.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace pxclone::cmd {

namespace {

nlohmann::ordered_json version_record() {
    return output::version_document({
        {"version", build_info::k_version},
        {"gitSha", build_info::k_git_sha},
        {"buildType", build_info::k_build_type},
        {"libraries",
         {
             {"CLI11", build_info::k_cli11_version},
             {"cpp-httplib", build_info::k_httplib_version},
             {"fmt", build_info::k_fmt_version},
             {"libcurl", http::libcurl_version()},
             {"nlohmann-json", build_info::k_nlohmann_json_version},
             {"yaml-cpp", build_info::k_yaml_cpp_version},
         }},
    });
}

void run_version(const GlobalOptions& globals, Streams streams) {
    switch (globals.output) {
    case output::Format::json:
    case output::Format::yaml:
        // Asking libcurl its version loads it (http/libcurl_api.hpp): only these forms do.
        output::print_document(version_record(), globals.output, streams.out);
        return;
    default:
        streams.out << fmt::format("pxclone {} ({}, {})\n", build_info::k_version,
                                   build_info::k_git_sha, build_info::k_build_type);
        return;
    }
}

} // namespace

void add_version_command(CLI::App& app, const GlobalOptions& globals, Streams streams) {
    auto* sub = app.add_subcommand("version", "Print the version, commit and library versions");
    sub->callback([&globals, streams] { run_version(globals, streams); });
}

} // namespace pxclone::cmd
