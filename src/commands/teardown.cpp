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
#include "pxclone/exec/set_backups.hpp"
#include "pxclone/exec/teardown.hpp"
#include "pxclone/method/method.hpp"
#include "pxclone/output/format.hpp"
#include "pxclone/output/records.hpp"
#include "pxclone/plan/teardown_plan.hpp"
#include "pxclone/util/environment.hpp"
#include "pxclone/util/interrupt.hpp"

#include <algorithm>
#include <functional>

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
    // Waits cost the client little while the server works: the fan-out width. Deletions are
    // requests like any other: --parallel at once.
    context.pool = &session.fan_out();
    context.deletions_pool = &session.pool();
    return context;
}

void run_teardown(const GlobalOptions& globals, const TeardownOptions& options, Streams streams) {
    // Complete and validate.
    const util::ProcessEnvironment environment;
    const auto loaded = load_profile(globals, environment);
    validate_teardown(globals, options);

    util::install_interrupt_handlers();
    // The environments are in the staging cluster; the sets (snapshots and their cloud backups)
    // in the source cluster, reached only for --snapshots.
    Session staging(globals, streams, loaded.profile, environment, ClusterSide::staging);
    if (!separate_clusters(loaded.profile) || !options.snapshots) {
        teardown(staging, staging, globals, loaded, options, streams);
        return;
    }
    Session source(globals, streams, loaded.profile, environment, ClusterSide::source);
    teardown(staging, source, globals, loaded, options, streams);
}

// What one cluster's part of a teardown planned and did.
struct ClusterTeardown {
    plan::TeardownPlan plan;
    exec::TeardownReport report;
};

// Finds, plans and runs `target` on `session`'s cluster; `before` runs after the plan is printed
// and before the runner deletes anything (teardown --snapshots: the sets' cloud backups), and
// answers whether the plan may run (false: a set keeps its snapshots for a backup still there).
ClusterTeardown teardown_cluster(Session& session, const LoadedProfile& loaded,
                                 const discover::TeardownSelection& selection,
                                 const plan::TeardownTarget& target, bool text, Streams streams,
                                 const std::function<bool(exec::TeardownRunner&)>& before) {
    ClusterTeardown result;
    const auto found =
        exec::find_target_objects(session.kube(), session.portworx(), target, &session.pool());
    // Plan (pure): only what carries this target's labels, never a source object.
    result.plan = plan::plan_teardown(target, found);
    for (const auto& refusal : result.plan.refused) {
        if (!refusal.not_selected) {
            session.progress().warn(
                fmt::format("not deleting {}: {}", refusal.object.describe(), refusal.reason));
        }
    }
    // Run: the plan through the session's runner (delete and verify, or print the DELETEs).
    auto runner =
        session.teardown_runner(teardown_context(session, loaded.profile, text, streams.out),
                                text ? &streams.out : nullptr);
    if (text && !result.plan.empty()) {
        print_text_plan(selection, result.plan, !runner->sends(), streams.out);
    }
    if (before && !before(*runner)) {
        result.report.dry_run = !runner->sends();
        return result;
    }
    result.report = runner->run(target, result.plan);
    return result;
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
    teardown(session, session, globals, loaded, options, streams);
}

void teardown(Session& staging, Session& source, const GlobalOptions& globals,
              const LoadedProfile& loaded, const TeardownOptions& options, Streams streams) {
    const auto& profile = loaded.profile;
    const bool separate = &staging != &source;
    // Discover (reads only): the runs and sets chosen, then everything labelled for them. The
    // environments are the staging side's, the sets the source side's (the same cluster
    // without staging.cluster).
    const auto kinds = method::of(profile.snapshot.method).kept_kinds();
    const exec::Catalog catalog(staging.kube(), staging.portworx(),
                                exec::staging_scope(profile, kinds), &staging.pool());
    const discover::TeardownRequest request{
        .run = globals.run_id.empty() ? std::nullopt : std::optional(loaded.run.id),
        .expired = options.expired,
        .all = options.all,
        .snapshots = options.snapshots};
    auto selection = [&] {
        if (!separate) {
            return discover::discover_teardown(catalog, profile, request, staging.clock().now());
        }
        const exec::Catalog sets(source.kube(), source.portworx(),
                                 exec::catalog_scope(profile, kinds), &source.pool());
        return discover::select_teardown(profile, request, catalog.staging_objects(profile.name),
                                         sets.snapshot_sets(profile.name), staging.clock().now());
    }();
    const auto& target = selection.target;
    for (const auto& [set, users] : selection.kept_sets) {
        staging.progress().warn(fmt::format("keeping snapshot set {}: still used by run {}", set,
                                            fmt::join(users, ", ")));
    }

    // The sets' cloud backups (a transfer's), in the source cluster's store: deleted first; a
    // set whose backups could not all be deleted keeps its snapshots for the next teardown.
    const bool text = globals.output == output::Format::text;
    std::vector<std::string> backup_failures;
    std::vector<std::string> backups_deleted;
    const auto remove_backups = [&](exec::TeardownRunner& runner) {
        if (!profile.transfer || target.snapshot_sets.empty()) {
            return true;
        }
        const px::CloudBackupClient backups(source.portworx(), source.cluster_name());
        const auto found = exec::find_set_backups(backups, source.transfer_credential(),
                                                  profile.name, target.snapshot_sets);
        const auto removal = runner.remove_backups(backups, found);
        if (text && runner.sends()) {
            for (const auto& deletion : removal.deleted) {
                source.progress().print(streams.out,
                                        fmt::format("cloud backup {} of {} deleted",
                                                    deletion.backup_id, deletion.source));
            }
        }
        backup_failures = removal.failed;
        for (const auto& deletion : removal.deleted) {
            backups_deleted.push_back(deletion.backup_id);
        }
        return removal.failed.empty();
    };

    ClusterTeardown done;
    if (!separate) {
        done = teardown_cluster(staging, loaded, selection, target, text, streams, remove_backups);
    } else {
        // Two clusters: the environments on the staging side, then the sets on the source side.
        auto environments = target;
        environments.snapshot_sets.clear();
        auto sets = target;
        sets.runs.clear();
        done = teardown_cluster(staging, loaded, selection, environments, text, streams, {});
        if (!sets.snapshot_sets.empty()) {
            auto more =
                teardown_cluster(source, loaded, selection, sets, text, streams, remove_backups);
            auto& plan = done.plan;
            plan.deletions.insert(plan.deletions.end(), more.plan.deletions.begin(),
                                  more.plan.deletions.end());
            plan.refused.insert(plan.refused.end(), more.plan.refused.begin(),
                                more.plan.refused.end());
            auto& report = done.report;
            report.deleted.insert(report.deleted.end(), more.report.deleted.begin(),
                                  more.report.deleted.end());
            report.failed.insert(report.failed.end(), more.report.failed.begin(),
                                 more.report.failed.end());
            report.planned.insert(report.planned.end(), more.report.planned.begin(),
                                  more.report.planned.end());
        }
    }
    const auto& plan = done.plan;
    const auto& report = done.report;
    for (const auto& set : discover::sets_not_asked(plan, options.snapshots)) {
        staging.progress().note(
            fmt::format("snapshot set {} kept (add --snapshots to delete it)", set));
    }
    auto& session = staging;

    // Report.
    auto record = teardown_record(target.runs, target.snapshot_sets, report.dry_run, plan, &report);
    record.cloud_backups = backups_deleted;
    const auto result = output::to_json(record);
    session.finish(nlohmann::json(result));
    if (!text) {
        output::print_document(result, globals.output, streams.out);
    } else if (plan.empty()) {
        streams.out << "nothing to delete\n";
        return;
    }
    if (!backup_failures.empty()) {
        throw Error(ExitCode::partial,
                    fmt::format("teardown incomplete: {} cloud backup{} could not be deleted "
                                "(their snapshot sets are kept)",
                                backup_failures.size(), backup_failures.size() == 1 ? "" : "s"),
                    "run the same teardown again once the object store answers", backup_failures);
    }
    if (auto error = exec::incomplete_error(report)) {
        throw std::move(*error);
    }
    if (text && !report.dry_run) {
        // The sets' cloud backups are not objects of the plan: counted on their own.
        const auto backups = backups_deleted.empty()
                                 ? std::string()
                                 : fmt::format(" and {} cloud backup{}", backups_deleted.size(),
                                               backups_deleted.size() == 1 ? "" : "s");
        streams.out << fmt::format("teardown complete: {} object{}{} deleted\n",
                                   report.deleted.size(), report.deleted.size() == 1 ? "" : "s",
                                   backups);
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
