// `pxclone refresh`: move a long-lived staging environment to a new snapshot set of production,
// in place: what `pxclone snapshot` and then `pxclone restore --all --snapshot SET` do, then
// retention drops the sets nothing uses any more. It composes those commands' pieces
// (take_snapshot_set, restore_in_place, exec retention) and adds only the record on the
// namespace that lets an interrupted refresh continue with the same set on its next run. With a
// staging cluster of its own it takes two sessions: the set and retention in the source cluster,
// the namespace and the swap (volumes restored from the set's backups) in the staging cluster.
//
// Wiring only: options -> profile -> discover (discover/extend.hpp: the run's staging namespace)
// -> plan (plan/refresh_plan.hpp) -> run (the session's runners; their dry-run twins print the
// requests) -> report (output/refresh.hpp).
#include "pxclone/commands/refresh.hpp"

#include "pxclone/commands/commands.hpp"
#include "pxclone/commands/records.hpp"
#include "pxclone/commands/restore.hpp"
#include "pxclone/commands/snapshot.hpp"
#include "pxclone/discover/extend.hpp"
#include "pxclone/error.hpp"
#include "pxclone/exec/retention.hpp"
#include "pxclone/method/method.hpp"
#include "pxclone/output/refresh.hpp"
#include "pxclone/plan/refresh_plan.hpp"
#include "pxclone/util/interrupt.hpp"
#include "pxclone/util/text.hpp"

#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace pxclone::cmd {

namespace {

// The command that finishes an interrupted refresh, as a shell reads it back.
std::string refresh_command(const GlobalOptions& globals, const std::string& run) {
    using util::shell_word;
    std::string command = "pxclone refresh -p " + shell_word(globals.profile_path);
    if (!globals.kubeconfig.empty()) {
        command += " --kubeconfig " + shell_word(globals.kubeconfig);
    }
    if (!globals.context.empty()) {
        command += " --context " + shell_word(globals.context);
    }
    return command + " --run " + shell_word(run);
}

void run_refresh(const GlobalOptions& globals, const RefreshOptions& options, Streams streams) {
    // Complete and validate.
    const util::ProcessEnvironment environment;
    const auto loaded = load_profile(globals, environment);
    validate_refresh(globals);

    // The set is taken in the source cluster and restored into the staging environment: with a
    // staging cluster of its own, two sessions (as list and teardown take them).
    util::install_interrupt_handlers();
    Session staging(globals, streams, loaded.profile, environment, ClusterSide::staging);
    if (!separate_clusters(loaded.profile)) {
        refresh(staging, staging, globals, loaded, options, environment, streams);
        return;
    }
    Session source(globals, streams, loaded.profile, environment, ClusterSide::source);
    refresh(staging, source, globals, loaded, options, environment, streams);
}

} // namespace

void validate_refresh(const GlobalOptions& globals) {
    if (globals.run_id.empty()) {
        throw UsageError("refresh: give the environment's run with --run ID",
                         "`pxclone list` shows the runs of this profile");
    }
    if (globals.output != output::Format::text && globals.output != output::Format::json &&
        globals.output != output::Format::yaml) {
        throw UsageError(
            fmt::format("refresh: -o {} is not supported", output::format_name(globals.output)),
            "use -o text, json or yaml");
    }
}

void refresh(Session& session, const GlobalOptions& globals, const LoadedProfile& loaded,
             const RefreshOptions& options, const util::Environment& environment, Streams streams) {
    refresh(session, session, globals, loaded, options, environment, streams);
}

void refresh(Session& session, Session& source, const GlobalOptions& globals,
             const LoadedProfile& loaded, const RefreshOptions& options,
             const util::Environment& environment, Streams streams) {
    const auto& profile = loaded.profile;
    const auto& run = loaded.run.id;
    auto& progress = session.progress();

    // Discover (reads only): the run's staging namespace, by its labels.
    const auto namespaces = discover::staging_namespaces(session.kube(), profile.name, run);
    if (namespaces.empty()) {
        throw NotFoundError(fmt::format("refresh: run {} of profile {} has no staging namespace",
                                        run, profile.name),
                            "`pxclone list` shows the environments; `pxclone deploy-staging "
                            "--run " +
                                run + "` makes one");
    }
    if (namespaces.size() > 1) {
        throw Error(ExitCode::failed,
                    fmt::format("refresh: run {} of profile {} has {} staging namespaces", run,
                                profile.name, namespaces.size()));
    }

    // Plan (pure): the set it moves to (an interrupted refresh's, recorded on the namespace).
    const auto plan = plan::plan_refresh(profile, run, namespaces.front(), session.clock().now());
    if (plan.refused) {
        throw Error(ExitCode::failed, fmt::format("refresh: run {}: {}", run, *plan.refused));
    }
    progress.note(fmt::format("refresh of run {}: {} snapshot set {}{}", run,
                              plan.resumed ? "continuing with" : "moving to", plan.set,
                              plan.previous_set.empty() ? "" : " from " + plan.previous_set));

    // Run. The dry-run runners print the requests in the text output, or into the document.
    const bool text = globals.output == output::Format::text;
    std::ostringstream requests;
    auto& dry_out = text ? streams.out : requests;
    auto namespaces_runner = session.namespace_runner(dry_out);
    const bool sends = namespaces_runner->sends();
    // 1. The record: a re-run after any interruption continues with this set.
    if (!plan.mark.is_null()) {
        namespaces_runner->patch(plan.ns, plan.mark);
    }
    // 2. The set, as `pxclone snapshot --run SET` takes it (completing what an earlier attempt
    //    left), with the run's lineage.
    LoadedProfile set_run = loaded;
    set_run.run.id = plan.set;
    set_run.run.id_raw = plan.set;
    //    In the source cluster (with a transfer, each snapshot backed up: Done before it returns).
    const auto snapshot = take_snapshot_set(source, globals, set_run, options.skip_hooks, dry_out);
    // 3. Every staging volume swapped to it in place, masked again: `restore --all --snapshot
    //    SET` (resuming an interrupted one); nothing left when the namespace is on it already.
    std::optional<InPlaceResult> restored;
    if (!plan.restored) {
        const StagingData data(session, globals, "refresh");
        std::optional<exec::SnapshotSet> planned;
        if (!sends) {
            planned = data.planned(planned_set(snapshot.record));
            planned->profile = profile.name;
        }
        restored = restore_in_place(session, data, loaded,
                                    {.ns = plan.ns,
                                     .pvcs = {},
                                     .all = true,
                                     .snapshot_set = plan.set,
                                     .planned_set = std::move(planned)},
                                    environment, dry_out, refresh_command(globals, run));
    }
    // 4. Retention: the sets beyond snapshot.keep that nothing uses now (the old one, once no
    //    other environment is on it).
    const auto& method = method::of(profile.snapshot.method);
    //    In the source cluster, where the sets are.
    const auto retention =
        exec::find_retention(source.kube(), source.portworx(), profile, method.kept_kinds(),
                             plan.set, snapshot.record.created_at);
    // The snapshot runner deletes them (its dry-run twin prints the DELETEs).
    const auto pruned =
        source
            .snapshot_runner(method, {.clock = &source.clock(), .sleeper = &source.sleeper()},
                             dry_out)
            ->prune(retention);
    for (const auto& warning : pruned.warnings) {
        progress.warn(warning);
    }
    // 5. Done: the record goes.
    namespaces_runner->patch(plan.ns, plan.clear);

    // Report.
    output::RefreshRecord record{
        .plan = plan,
        .profile = profile.name,
        .snapshot = snapshot.record,
        .restore = restored ? &restored->plan : nullptr,
        .restore_ids = restored ? restored->ids : std::vector<std::string>{},
        .pruned = snapshot.record.pruned.value_or(std::vector<std::string>{}),
        .dry_run = !sends,
        .requests = requests.str()};
    record.pruned.insert(record.pruned.end(), pruned.pruned.begin(), pruned.pruned.end());
    const auto result = output::refresh_document(record);
    session.finish(nlohmann::json(result));
    if (text) {
        output::print_refresh_text(record, streams.out);
    } else {
        output::print_document(result, globals.output, streams.out);
    }
}

void add_refresh_command(CLI::App& app, const GlobalOptions& globals, Streams streams) {
    auto options = std::make_shared<RefreshOptions>();
    auto* sub = app.add_subcommand(
        "refresh", "Move a long-lived staging environment to a new snapshot set of production, "
                   "in place: snapshot, restore --all to it (masked again), then drop the sets "
                   "nothing uses beyond snapshot.keep");
    sub->add_flag("--skip-hooks", options->skip_hooks,
                  "Do not run the source hooks (crash-consistent snapshots)");
    sub->footer("Choose the environment with the global --run ID (it must be given). The new "
                "set's id is RUN-YYYYMMDDHHMMSS, recorded on the staging namespace "
                "(pxclone.io/refresh-set) until the refresh is done: running refresh again after "
                "an interruption finishes it with that set. --dry-run prints every write without "
                "sending it. With staging.cluster refresh uses both clusters (a kubeconfig naming "
                "both; --context is the source cluster's): the set is taken, backed up and pruned "
                "on the source (production) cluster, and the environment restored from its "
                "backups on the staging cluster.");
    sub->callback([&globals, options, streams] { run_refresh(globals, *options, streams); });
}

} // namespace pxclone::cmd
