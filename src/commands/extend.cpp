// `pxclone extend`: move a staging environment's expiry to --ttl from now, or pin it (--ttl
// never) so that `teardown --expired` leaves it alone; `teardown --run ID` still removes it.
//
// Wiring only: options -> profile -> discover (discover/extend.hpp: one list of namespaces by
// labels) -> plan (plan/extend_plan.hpp) -> run (the session's namespace runner; the dry-run
// one prints the PATCH instead) -> report. It writes one annotation of the staging namespace and
// nothing else.
#include "pxclone/commands/extend.hpp"

#include "pxclone/commands/commands.hpp"
#include "pxclone/discover/extend.hpp"
#include "pxclone/error.hpp"
#include "pxclone/output/records.hpp"
#include "pxclone/plan/extend_plan.hpp"
#include "pxclone/util/duration.hpp"
#include "pxclone/util/environment.hpp"

#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace pxclone::cmd {

namespace {

void print_extend_text(const plan::ExtendPlan& plan, bool dry_run, std::ostream& out) {
    const auto was =
        plan.previous.empty() ? std::string("no expiry recorded") : "was " + plan.previous;
    out << fmt::format("run {}: staging namespace {} {} ({}){}\n", plan.run, plan.ns,
                       plan.pinned ? std::string("pinned: it never expires")
                                   : "expires at " + plan.expires_at,
                       was, dry_run ? " (dry run)" : "");
}

void run_extend(const GlobalOptions& globals, const ExtendOptions& options, Streams streams) {
    // Complete and validate.
    const util::ProcessEnvironment environment;
    const auto loaded = load_profile(globals, environment);
    validate_extend(globals, options, loaded.profile);

    Session session(globals, streams, loaded.profile, environment, ClusterSide::staging);
    extend(session, globals, loaded, options, streams);
}

} // namespace

std::optional<std::chrono::milliseconds> extend_ttl(const ExtendOptions& options,
                                                    const profile::Profile& profile) {
    if (options.ttl.empty()) {
        return profile.staging.ttl;
    }
    if (options.ttl == plan::k_never_expires) {
        return std::nullopt;
    }
    const auto ttl = util::parse_duration(options.ttl);
    if (!ttl || ttl->count() <= 0) {
        throw UsageError(
            fmt::format("extend: --ttl {}: not a positive duration or never", options.ttl),
            "e.g. --ttl 48h, --ttl 90m, or --ttl never to pin the environment");
    }
    return ttl;
}

void validate_extend(const GlobalOptions& globals, const ExtendOptions& options,
                     const profile::Profile& profile) {
    if (globals.run_id.empty()) {
        throw UsageError("extend: give the environment's run with --run ID",
                         "`pxclone list` shows the runs of this profile");
    }
    extend_ttl(options, profile);
    if (globals.output != output::Format::text && globals.output != output::Format::json &&
        globals.output != output::Format::yaml) {
        throw UsageError(
            fmt::format("extend: -o {} is not supported", output::format_name(globals.output)),
            "use -o text, json or yaml");
    }
}

void extend(Session& session, const GlobalOptions& globals, const LoadedProfile& loaded,
            const ExtendOptions& options, Streams streams) {
    const auto& run = loaded.run.id;
    // Discover (reads only): the run's staging namespace, by its labels.
    const auto namespaces = discover::staging_namespaces(session.kube(), loaded.profile.name, run);
    if (namespaces.empty()) {
        throw NotFoundError(
            fmt::format("extend: run {} of profile {} has no staging namespace", run,
                        loaded.profile.name),
            "`pxclone list` shows the environments (a `restore --new-pvc` copy has no expiry to "
            "move)");
    }
    if (namespaces.size() > 1) {
        throw Error(ExitCode::failed,
                    fmt::format("extend: run {} of profile {} has {} staging namespaces", run,
                                loaded.profile.name, namespaces.size()),
                    "`pxclone teardown --run " + run + "` and deploy it again");
    }

    // Plan (pure): the new expires-at and the patch that writes it.
    const auto plan = plan::plan_extend(
        loaded.profile,
        {.run = run, .ttl = extend_ttl(options, loaded.profile), .now = session.clock().now()},
        namespaces.front());
    if (plan.refused) {
        throw Error(ExitCode::failed, fmt::format("extend: run {}: {}", run, *plan.refused));
    }

    // Run: the patch through the session's runner (sent, or printed under --dry-run).
    // A dry run prints the PATCH in the text output; a document carries it as `patch` instead.
    const bool text = globals.output == output::Format::text;
    std::ostringstream document_dry_out;
    auto runner = session.namespace_runner(text ? streams.out : document_dry_out);
    runner->patch(plan.ns, plan.patch);

    // Report.
    const auto result = output::extend_document(plan, loaded.profile.name, !runner->sends());
    session.finish(nlohmann::json(result));
    if (text) {
        print_extend_text(plan, !runner->sends(), streams.out);
    } else {
        output::print_document(result, globals.output, streams.out);
    }
}

void add_extend_command(CLI::App& app, const GlobalOptions& globals, Streams streams) {
    auto options = std::make_shared<ExtendOptions>();
    auto* sub = app.add_subcommand(
        "extend", "Move a staging environment's expiry to --ttl from now, or pin it with --ttl "
                  "never (teardown --expired then leaves it; teardown --run still removes it)");
    sub->add_option("--ttl", options->ttl,
                    "New time to live from now (e.g. 48h; PXCLONE_NOW honoured), or never; "
                    "default: the profile's staging.ttl");
    sub->footer("Choose the run with the global --run ID (it must be given). Only the staging "
                "namespace's pxclone.io/expires-at annotation is written; --dry-run prints the "
                "PATCH without sending it.");
    sub->callback([&globals, options, streams] { run_extend(globals, *options, streams); });
}

} // namespace pxclone::cmd
