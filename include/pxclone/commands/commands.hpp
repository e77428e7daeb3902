// One registration function per subcommand; each lives in src/commands/<verb>.cpp and adds its
// own flags and a callback that runs the command with the parsed options. Only commands that work
// are registered.
#pragma once

#include "pxclone/commands/global_options.hpp"

namespace CLI {
class App;
}

namespace pxclone::cmd {

void add_version_command(CLI::App& app, const GlobalOptions& globals, Streams streams);
void add_validate_command(CLI::App& app, const GlobalOptions& globals, Streams streams);
void add_snapshot_command(CLI::App& app, const GlobalOptions& globals, Streams streams);
void add_deploy_staging_command(CLI::App& app, const GlobalOptions& globals, Streams streams);
void add_list_command(CLI::App& app, const GlobalOptions& globals, Streams streams);
void add_teardown_command(CLI::App& app, const GlobalOptions& globals, Streams streams);
void add_restore_command(CLI::App& app, const GlobalOptions& globals, Streams streams);
void add_extend_command(CLI::App& app, const GlobalOptions& globals, Streams streams);
void add_refresh_command(CLI::App& app, const GlobalOptions& globals, Streams streams);
// `rbac`: the least-privilege RBAC of the profile's commands, printed; contacts no cluster.
void add_rbac_command(CLI::App& app, const GlobalOptions& globals, Streams streams);
// `completion bash|zsh|fish`: the completion script for the shell, on stdout.
void add_completion_command(CLI::App& app, const GlobalOptions& globals, Streams streams);
// Hidden: `__complete contexts|sets|runs`, the candidates completions/ offers.
void add_complete_command(CLI::App& app, const GlobalOptions& globals, Streams streams);

} // namespace pxclone::cmd
