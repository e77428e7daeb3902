// `pxclone completion bash|zsh|fish`: prints the shell completion script, as kubectl and helm do,
// so that a user without the packaged files (a binary copied into a CI image, a source build) can
// `source <(pxclone completion bash)`. The scripts are the ones in completions/, embedded at build
// time, so the packaged files and this output never differ.
#include "pxclone/commands/commands.hpp"
#include "pxclone/commands/flag_values.hpp"
#include "pxclone/completion_scripts.hpp"

#include <map>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

namespace pxclone::cmd {

namespace {

const std::map<std::string, const char*>& completion_scripts() {
    static const std::map<std::string, const char*> scripts{
        {"bash", build_info::k_completion_bash},
        {"fish", build_info::k_completion_fish},
        {"zsh", build_info::k_completion_zsh},
    };
    return scripts;
}

} // namespace

void add_completion_command(CLI::App& app, const GlobalOptions& /*globals*/, Streams streams) {
    auto* sub = app.add_subcommand(
        "completion", "Print the shell completion script: source <(pxclone completion bash)");
    auto shell = std::make_shared<std::string>();
    std::vector<std::string> names;
    for (const auto& [name, script] : completion_scripts()) {
        names.push_back(name);
    }
    sub->add_option("shell", *shell, "bash, zsh or fish")
        ->required()
        ->transform(one_of("completion", "shell", names));
    sub->callback([shell, streams] { streams.out << completion_scripts().at(*shell); });
}

} // namespace pxclone::cmd
