#include "pxclone/cli/cli.hpp"

#include "pxclone/build_info.hpp"
#include "pxclone/commands/commands.hpp"
#include "pxclone/commands/flag_values.hpp"
#include "pxclone/error.hpp"
#include "pxclone/util/duration.hpp"
#include "pxclone/util/text.hpp"

#include <filesystem>
#include <string>

#include <CLI/CLI.hpp>

namespace pxclone::cli {

namespace {

std::string exit_code_table() {
    std::string text = "Exit codes:\n";
    for (const auto code : {ExitCode::ok, ExitCode::failed, ExitCode::usage, ExitCode::not_found,
                            ExitCode::timed_out, ExitCode::partial, ExitCode::interrupted}) {
        text += "  " + std::to_string(static_cast<int>(code)) + "\t" + std::string(describe(code)) +
                "\n";
    }
    return text;
}

void add_global_options(CLI::App& app, cmd::GlobalOptions& globals) {
    app.add_option("-p,--profile", globals.profile_path, "Pipeline profile (YAML)")
        ->envname("PXCLONE_PROFILE")
        ->capture_default_str();
    app.add_option("--context", globals.context, "kubeconfig context to use");
    app.add_option("--kubeconfig", globals.kubeconfig, "kubeconfig file (no merging)");
    app.add_option("--run", globals.run_id, "Run id (default: from CI variables, else generated)");
    app.add_option("-o,--output", globals.output, "Output format: text|json|yaml|env|name")
        ->transform(cmd::one_of<output::Format>("--output", "output format",
                                                {{"text", output::Format::text},
                                                 {"json", output::Format::json},
                                                 {"yaml", output::Format::yaml},
                                                 {"env", output::Format::env},
                                                 {"name", output::Format::name}}))
        ->option_text("FORMAT");
    app.add_flag("--dry-run", globals.dry_run, "Print the plan; send no mutating request");
    app.add_flag("-q,--quiet", globals.quiet, "No progress output");
    app.add_flag("-v,--verbose", globals.verbosity,
                 "Log requests (-v), with headers (-vv), with bodies (-vvv); secrets redacted");
    app.add_option_function<std::string>(
           "--timeout",
           [&globals](const std::string& text) {
               const auto duration = util::parse_duration(text);
               if (!duration) {
                   throw cmd::FlagValueError("--timeout " + util::one_line(text, 64) +
                                             ": not a duration (e.g. 90s, 10m, 1h30m)");
               }
               globals.timeout = std::chrono::ceil<std::chrono::seconds>(*duration);
           },
           "Deadline of the whole command (e.g. 10m): every request, retry, plugin, hook and "
           "wait; overrides the profile's timeouts; exit 4 when it passes")
        ->option_text("DURATION");
    app.add_option_function<std::string>(
           "--request-timeout",
           [&globals](const std::string& text) {
               // As kubectl reads it: a bare number is seconds, and 0 means no limit.
               const bool digits = !text.empty() && text.size() < 10 &&
                                   text.find_first_not_of("0123456789") == std::string::npos;
               const auto duration = digits ? std::optional<std::chrono::milliseconds>(
                                                  std::chrono::seconds(std::stol(text)))
                                            : util::parse_duration(text);
               if (!duration) {
                   throw CLI::ValidationError("--request-timeout",
                                              "'" + text + "' is not a duration (e.g. 30s, 0)");
               }
               globals.request_timeout = *duration;
           },
           "Bound one request to the server (default 30s; 0: none, as kubectl)")
        ->option_text("DURATION");
    app.add_option("--record", globals.record_path, "Write a JSON record of the run to FILE")
        ->option_text("FILE");
    app.add_option("--parallel", globals.parallel, "Concurrent requests (1-64)")
        ->check(cmd::whole_number("--parallel", 1, 64))
        ->capture_default_str();
    app.add_option("--color", globals.color,
                   "Colour progress and errors on stderr: auto (a terminal without NO_COLOR), "
                   "always, never")
        ->transform(cmd::one_of<output::ColorMode>("--color", "colour mode",
                                                   {{"auto", output::ColorMode::automatic},
                                                    {"always", output::ColorMode::always},
                                                    {"never", output::ColorMode::never}}))
        ->option_text("WHEN");
}

} // namespace

Cli::Cli(cmd::Streams streams)
    : m_streams(streams),
      m_app(std::make_unique<CLI::App>(
          "pxclone: snapshot production volumes and clone them into staging environments")) {
    auto& app = *m_app;
    app.name("pxclone");
    app.footer(exit_code_table());
    app.require_subcommand(1);
    app.failure_message(&Cli::usage_error_message);
    app.set_version_flag("--version", std::string("pxclone ") + build_info::k_version);
    add_global_options(app, m_globals);

    cmd::add_version_command(app, m_globals, m_streams);
    cmd::add_validate_command(app, m_globals, m_streams);
    cmd::add_snapshot_command(app, m_globals, m_streams);
    cmd::add_deploy_staging_command(app, m_globals, m_streams);
    cmd::add_list_command(app, m_globals, m_streams);
    cmd::add_teardown_command(app, m_globals, m_streams);
    cmd::add_restore_command(app, m_globals, m_streams);
    cmd::add_extend_command(app, m_globals, m_streams);
    cmd::add_refresh_command(app, m_globals, m_streams);
    cmd::add_rbac_command(app, m_globals, m_streams);
    cmd::add_completion_command(app, m_globals, m_streams);
    cmd::add_complete_command(app, m_globals, m_streams);

    // Global options may come after the subcommand, as with kubectl.
    for (auto* sub : app.get_subcommands({})) {
        sub->fallthrough();
    }
}

Cli::~Cli() = default;

void Cli::run(int argc, const char* const* argv) {
    // Run as kubectl-pxclone (kubectl's plugin naming, a symlink in the release tarball and the
    // .deb), `kubectl pxclone ...` is how the user typed it: usage and help say so.
    if (argc > 0 && std::filesystem::path(argv[0]).filename() == "kubectl-pxclone") {
        m_app->name("kubectl pxclone");
    }
    m_app->parse(argc, argv);
}

int Cli::print_parse_error(const CLI::Error& error) {
    return m_app->exit(error, m_streams.out, m_streams.err);
}

std::string Cli::usage_error_message(const CLI::App* app, const CLI::Error& error) {
    // The same shape as every other error (one `pxclone: error:` line naming the flag or value,
    // then a hint), pointing at the help of the command that was being parsed.
    std::string command = app->get_name();
    for (const auto* sub : app->get_subcommands()) {
        command += " " + sub->get_name();
    }
    std::string what = error.what();
    if (app->get_subcommands().empty() && !app->remaining().empty()) {
        // CLI11 says "A subcommand is required" for `pxclone snapshto`: name the word instead.
        what = "unknown command '" + app->remaining().front() + "'";
    }
    return "pxclone: error: " + util::one_line(what, 1024) + "\n  hint: see '" + command +
           " --help'\n";
}

} // namespace pxclone::cli
