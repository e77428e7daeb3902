// `pxclone snapshot`: traceable snapshots of the production volumes, without disturbing
// production. Discover (read-only) → plan (pure) → pre-hooks → snapshot all volumes in parallel
// → post-hooks (always) → all-or-nothing → print the set.
#include "pxclone/commands/snapshot.hpp"

#include "pxclone/commands/commands.hpp"
#include "pxclone/commands/load_profile.hpp"
#include "pxclone/commands/session.hpp"
#include "pxclone/commands/source_volume.hpp"
#include "pxclone/error.hpp"
#include "pxclone/exec/retention.hpp"
#include "pxclone/exec/snapshot_runner.hpp"
#include "pxclone/method/method.hpp"
#include "pxclone/output/records.hpp"
#include "pxclone/plan/snapshot_plan.hpp"
#include "pxclone/util/interrupt.hpp"
#include "pxclone/util/time.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace pxclone::cmd {

namespace {

using std::chrono::milliseconds;

struct SnapshotOptions {
    bool skip_hooks = false; // --skip-hooks: for crash-consistent snapshots of idle data
};

// Phase 1, read-only: the source PVCs, their PVs and the Portworx endpoint (asked while the PVCs
// are read). Every problem is reported at once (plan::source_problems_error).
std::vector<plan::SourceVolume> discover_snapshot(Session& session,
                                                  const profile::Profile& profile) {
    auto version =
        session.pool().submit([&session] { return session.portworx().check_endpoint(); });
    auto resolution = resolve_sources(session, profile);
    version.get();
    if (!resolution.problems.empty()) {
        throw plan::source_problems_error(profile.name, resolution.problems);
    }
    return std::move(resolution.volumes);
}

} // namespace

TakenSet take_snapshot_set(Session& session, const GlobalOptions& globals,
                           const LoadedProfile& loaded, bool skip_hooks, std::ostream& out) {
    const auto& profile = loaded.profile;
    const auto& method = method::of(profile.snapshot.method);
    auto& progress = session.progress();

    // Discover (read-only).
    const auto volumes = discover_snapshot(session, profile);
    const auto start = session.clock().now();
    const auto lineage = plan::run_lineage(profile.name, loaded.run, util::format_rfc3339(start));
    exec::BackendContext context{
        .clock = &session.clock(),
        .sleeper = &session.sleeper(),
        .on_progress = [&progress](const std::string& key,
                                   const std::string& text) { progress.update(key, text); },
        .cancelled = [] { return util::interrupted(); },
        .on_done = [&progress](const std::string& key, bool ok) { progress.done(key, ok); },
    };
    // The runner (or, under --dry-run, its twin that prints each write to `out`).
    auto runner = session.snapshot_runner(method, std::move(context), out);
    auto& backend = runner->backend();

    // Plan: reuse what an earlier attempt of this run left.
    const auto draft = plan::plan_snapshot(method, profile, lineage, volumes, {});
    const auto plan =
        plan::plan_snapshot(method, profile, lineage, volumes, backend.find_existing(draft));
    progress.note(fmt::format("snapshot set {}: {} volume{} of {} ({} to create)", plan.set_id,
                              plan.snapshots.size(), plan.snapshots.size() == 1 ? "" : "s",
                              plan.source_namespace, plan.to_create()));
    const auto retention = exec::find_retention(
        session.kube(), session.portworx(), profile, method.kept_kinds(), plan.set_id,
        lineage.created_at, profile.transfer ? session.transfer_credential() : std::string());

    // Run: hooks only around real work (a re-run that reuses every snapshot freezes nothing). A
    // dry run's process runner names them in their place instead of running them.
    exec::SnapshotRun run{
        .profile = profile,
        .hooks = !skip_hooks && plan.to_create() > 0,
        .processes = runner->processes(),
        .hook_environment = {.run = lineage.run,
                             .profile = profile.file,
                             .source_namespace = plan.source_namespace,
                             .pvcs = {},
                             .kubeconfig = globals.kubeconfig,
                             .context = globals.context},
        .hook_budget = session.timeout_or(profile.snapshot.timeout),
        .pool = session.fan_out(),
        .clock = session.clock(),
        .snapshot_deadline = [&] { return session.wait_deadline(profile.snapshot.timeout); },
        .deadline = session.deadline(),
        .interrupted = [] { return util::interrupted(); },
        .note = [&progress](const std::string& text) { progress.note(text); },
        .warn = [&progress](const std::string& text) { progress.warn(text); },
    };
    for (const auto& snapshot : plan.snapshots) {
        run.hook_environment.pvcs.push_back(snapshot.source.pvc);
    }
    const auto taken = exec::run_snapshot_plan(backend, plan, run);

    auto record = output::snapshot_set_record(plan, lineage);
    for (std::size_t i = 0; i < taken.size(); ++i) {
        auto& snapshot = record.snapshots[i];
        snapshot.snapshot_id = method.snapshot_id(plan.source_namespace, taken[i].id);
        snapshot.portworx_snapshot_id = taken[i].portworx_id;
        snapshot.reused = taken[i].reused;
        snapshot.duration_ms = taken[i].took.count();
    }
    record.duration_ms =
        std::chrono::duration_cast<milliseconds>(session.clock().now() - start).count();
    const auto pruned = runner->prune(retention);
    for (const auto& warning : pruned.warnings) {
        progress.warn(warning);
    }
    if (!pruned.pruned.empty()) {
        progress.note(
            fmt::format("retention (keep {}): {} snapshot set{} {}", profile.snapshot.keep,
                        runner->sends() ? "deleted" : "would delete",
                        pruned.pruned.size() == 1 ? "" : "s", fmt::join(pruned.pruned, ", ")));
    }
    record.pruned = pruned.pruned;
    return {.record = std::move(record), .sent = runner->sends()};
}

void snapshot(Session& session, const GlobalOptions& globals, const LoadedProfile& loaded,
              bool skip_hooks, Streams streams) {
    const auto taken = take_snapshot_set(session, globals, loaded, skip_hooks, streams.out);
    session.finish(nlohmann::json(output::to_json(taken.record)));
    // A dry run printed its requests; a set it did not take is not reported as taken.
    if (taken.sent) {
        output::print_snapshot_set(taken.record, globals.output, streams.out);
    }
}

namespace {

void run_snapshot(const GlobalOptions& globals, const SnapshotOptions& options, Streams streams) {
    // Complete: the profile, the run, the connection.
    const util::ProcessEnvironment environment;
    const auto loaded = load_profile(globals, environment);
    util::install_interrupt_handlers();
    Session session(globals, streams, loaded.profile, environment, ClusterSide::source);
    snapshot(session, globals, loaded, options.skip_hooks, streams);
}

} // namespace

void add_snapshot_command(CLI::App& app, const GlobalOptions& globals, Streams streams) {
    auto options = std::make_shared<SnapshotOptions>();
    auto* sub = app.add_subcommand(
        "snapshot",
        "Snapshot the source volumes (between the profile's hooks) as one labelled set");
    sub->add_flag("--skip-hooks", options->skip_hooks,
                  "Do not run the source hooks (crash-consistent snapshots)");
    sub->callback([&globals, options, streams] { run_snapshot(globals, *options, streams); });
}

} // namespace pxclone::cmd
