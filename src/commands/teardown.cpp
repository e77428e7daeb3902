// `pxclone teardown`: delete what pxclone made for one run (--run ID), for every expired run
// (--expired) or for every run of the profile (--all), found by labels on both APIs; with
// --snapshots also the snapshot sets those runs used, unless another live environment uses them.
//
// Wiring only: options -> profile -> discover (discover/teardown.hpp, exec/teardown.hpp: reads
// only) -> plan (plan/teardown_plan.hpp) -> run (the session's teardown runner; the dry-run one
// prints the DELETEs instead) -> report.
#include "pxclone/commands/teardown.hpp"

#include "pxclone/commands/commands.hpp"
#include "pxclone/commands/records.hpp"
#include "pxclone/discover/teardown.hpp"
#include "pxclone/error.hpp"
#include "pxclone/exec/catalog.hpp"
#include "pxclone/exec/teardown.hpp"
#include "pxclone/method/method.hpp"
#include "pxclone/output/format.hpp"
#include "pxclone/output/records.hpp"
#include "pxclone/plan/teardown_plan.hpp"
#include "pxclone/util/environment.hpp"
#include "pxclone/util/interrupt.hpp"

#include <algorithm>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace pxclone::cmd {

namespace {

void print_text_plan(const discover::TeardownSelection& selection, const plan::TeardownPlan& plan,
                     bool dry_run, std::ostream& out) {
    const auto& target = selection.target;
    out << fmt::format("teardown of run{} {}", target.runs.size() == 1 ? "" : "s",
                       target.runs.empty() ? "(none)"
                                           : fmt::format("{}", fmt::join(target.runs, ", ")));
    if (!target.snapshot_sets.empty()) {
        out << fmt::format(" and snapshot set{} {}", target.snapshot_sets.size() == 1 ? "" : "s",
                           fmt::join(target.snapshot_sets, ", "));
    }
    out << fmt::format(": {} object{} to delete", plan.deletions.size(),
                       plan.deletions.size() == 1 ? "" : "s");
    if (!plan.releases.empty()) {
        out << fmt::format(", {} pool namespace{} to release", plan.releases.size(),
                           plan.releases.size() == 1 ? "" : "s");
    }
    out << (dry_run ? " (dry run)\n" : "\n");
}

exec::TeardownContext teardown_context(Session& session, const profile::Profile& profile, bool text,
                                       std::ostream& out) {
    exec::TeardownContext context{.kube = session.kube(),
                                  .portworx = session.portworx(),
                                  .clock = session.clock(),
                                  .sleeper = session.sleeper()};
    context.timeout = session.timeout_or(profile.staging.wait.timeout);
    context.on_progress = [&session](const std::string& key, const std::string& line) {
        session.progress().update(key, line);
    };
    context.on_done = [&session](const std::string& key, bool ok) {
        session.progress().done(key, ok);
    };
    context.on_deleted = [text, &out, &session](const plan::FoundObject& object, bool existed) {
        if (text) {
            // Through progress: stdout may share the terminal with its live lines.
            session.progress().print(out,
                                     object.describe() + (existed ? " deleted" : " already gone"));
        }
    };
    context.cancelled = [] {
        return util::interrupted();
    };
    // Deletions and waits cost the client little while the server works: the fan-out width.
    context.pool = &session.fan_out();
    return context;
}

void run_teardown(const GlobalOptions& globals, const TeardownOptions& options, Streams streams) {
    // Complete and validate.
    const util::ProcessEnvironment environment;
    const auto loaded = load_profile(globals, environment);
    validate_teardown(globals, options);

    util::install_interrupt_handlers();
    Session session(globals, streams, loaded.profile, environment);
    teardown(session, globals, loaded, options, streams);
}

} // namespace

void validate_teardown(const GlobalOptions& globals, const TeardownOptions& options) {
    const int modes =
        (globals.run_id.empty() ? 0 : 1) + (options.expired ? 1 : 0) + (options.all ? 1 : 0);
    if (modes != 1) {
        throw UsageError("teardown: give exactly one of --run ID, --expired or --all",
                         "`pxclone list` shows the runs of this profile");
    }
    if (globals.output == output::Format::env || globals.output == output::Format::name) {
        throw UsageError(
            fmt::format("teardown: -o {} is not supported", output::format_name(globals.output)),
            "use -o text, json or yaml");
    }
}

void teardown(Session& session, const GlobalOptions& globals, const LoadedProfile& loaded,
              const TeardownOptions& options, Streams streams) {
    // Discover (reads only): the runs and sets chosen, then everything labelled for them.
    const auto& portworx = session.portworx();
    const exec::Catalog catalog(
        session.kube(), portworx,
        exec::catalog_scope(loaded.profile,
                            method::of(loaded.profile.snapshot.method).kept_kinds()),
        &session.pool());
    const discover::TeardownRequest request{
        .run = globals.run_id.empty() ? std::nullopt : std::optional(loaded.run.id),
        .expired = options.expired,
        .all = options.all,
        .snapshots = options.snapshots};
    const auto selection =
        discover::discover_teardown(catalog, loaded.profile, request, session.clock().now());
    const auto& target = selection.target;
    for (const auto& [set, users] : selection.kept_sets) {
        session.progress().warn(fmt::format("keeping snapshot set {}: still used by run {}", set,
                                            fmt::join(users, ", ")));
    }
    const auto found = exec::find_target_objects(session.kube(), portworx, target, &session.pool());

    // Plan (pure): only what carries this target's labels, never a source object.
    const auto plan = plan::plan_teardown(target, found);
    for (const auto& refusal : plan.refused) {
        if (!refusal.not_selected) {
            session.progress().warn(
                fmt::format("not deleting {}: {}", refusal.object.describe(), refusal.reason));
        }
    }
    for (const auto& set : discover::sets_not_asked(plan, options.snapshots)) {
        session.progress().note(
            fmt::format("snapshot set {} kept (add --snapshots to delete it)", set));
    }

    // Run: the plan through the session's runner (delete and verify, or print the DELETEs).
    const bool text = globals.output == output::Format::text;
    auto runner =
        session.teardown_runner(teardown_context(session, loaded.profile, text, streams.out),
                                text ? &streams.out : nullptr);
    if (text && !plan.empty()) {
        print_text_plan(selection, plan, !runner->sends(), streams.out);
    }
    const auto report = runner->run(target, plan);

    // Report.
    const auto result = output::to_json(
        teardown_record(target.runs, target.snapshot_sets, report.dry_run, plan, &report));
    session.finish(nlohmann::json(result));
    if (!text) {
        output::print_document(result, globals.output, streams.out);
    } else if (plan.empty()) {
        streams.out << "nothing to delete\n";
        return;
    }
    if (auto error = exec::incomplete_error(report)) {
        throw std::move(*error);
    }
    if (text && !report.dry_run) {
        streams.out << fmt::format("teardown complete: {} object{} deleted\n",
                                   report.deleted.size(), report.deleted.size() == 1 ? "" : "s");
        for (const auto& ns : report.released) {
            const auto pool = ns.labels.find(std::string(plan::k_pool_key));
            streams.out << fmt::format("namespace {} released to pool {}\n", ns.name,
                                       pool == ns.labels.end() ? "" : pool->second);
        }
    }
}

void add_teardown_command(CLI::App& app, const GlobalOptions& globals, Streams streams) {
    auto options = std::make_shared<TeardownOptions>();
    auto* sub = app.add_subcommand(
        "teardown",
        "Delete staging environments pxclone made, found by labels: --run ID (one run), "
        "--expired (TTL passed) or --all (every run of the profile); --snapshots also deletes "
        "the snapshot sets they used unless another environment uses them");
    sub->add_flag("--expired", options->expired,
                  "Every environment of the profile whose TTL has passed (PXCLONE_NOW honoured)");
    sub->add_flag("--all", options->all, "Every environment of the profile");
    sub->add_flag("--snapshots", options->snapshots,
                  "Also delete the snapshot sets of these runs (never one still in use)");
    sub->footer("Choose the run with the global --run ID (it must be given; CI variables never "
                "choose what to delete). --dry-run prints each DELETE without sending it.");
    sub->callback([&globals, options, streams] { run_teardown(globals, *options, streams); });
}

} // namespace pxclone::cmd
