// `pxclone snapshot`: traceable snapshots of the production volumes, without disturbing
// production. Discover (read-only) → plan (pure) → pre-hooks → snapshot all volumes in parallel
// → post-hooks (always) → all-or-nothing → print the set.
#include "pxclone/commands/snapshot.hpp"

#include "pxclone/commands/commands.hpp"
#include "pxclone/commands/load_profile.hpp"
#include "pxclone/commands/session.hpp"
#include "pxclone/commands/source_volume.hpp"
#include "pxclone/error.hpp"
#include "pxclone/exec/catalog.hpp"
#include "pxclone/exec/hooks.hpp"
#include "pxclone/exec/snapshot_backend.hpp"
#include "pxclone/exec/teardown.hpp"
#include "pxclone/k8s/paths.hpp"
#include "pxclone/output/records.hpp"
#include "pxclone/plan/snapshot_plan.hpp"
#include "pxclone/plan/teardown_plan.hpp"
#include "pxclone/util/duration.hpp"
#include "pxclone/util/interrupt.hpp"
#include "pxclone/util/time.hpp"

#include <algorithm>
#include <future>
#include <map>
#include <set>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace pxclone::cmd {

namespace {

using std::chrono::milliseconds;

struct SnapshotOptions {
    bool skip_hooks = false; // --skip-hooks: for crash-consistent snapshots of idle data
};

// What discovery found, all read-only.
struct SnapshotFacts {
    std::vector<plan::SourceVolume> volumes;
    px::VersionInfo portworx;
};

// Phase 1, read-only: the source PVCs, their PVs and the Portworx endpoint. Every problem is
// reported at once; a missing object is exit 3, anything else exit 1.
SnapshotFacts discover_snapshot(Session& session, const profile::Profile& profile) {
    // Ask the Portworx endpoint while the PVCs are read.
    auto version =
        session.pool().submit([&session] { return session.portworx().check_endpoint(); });

    auto resolution = resolve_sources(session, profile);
    SnapshotFacts facts{.volumes = std::move(resolution.volumes), .portworx = version.get()};
    if (!resolution.problems.empty()) {
        std::vector<std::string> details;
        bool missing = false;
        for (const auto& problem : resolution.problems) {
            details.push_back(fmt::format("  {}: {}", problem.object, problem.message));
            missing = missing || problem.kind == plan::SourceProblem::Kind::missing;
        }
        // Counted before the call: its arguments are evaluated in no set order, and the last
        // one moves `details` away.
        const auto count = details.size();
        throw Error(missing ? ExitCode::not_found : ExitCode::failed,
                    fmt::format("cannot snapshot the source volumes of profile '{}' ({} problem{})",
                                profile.name, count, count == 1 ? "" : "s"),
                    "", std::move(details));
    }
    return facts;
}

// Deletes `snapshots`; returns a line for each that could not be deleted.
std::vector<std::string> remove_all(exec::SnapshotBackend& backend, const plan::SnapshotPlan& plan,
                                    const std::vector<exec::TakenSnapshot>& snapshots) {
    std::vector<std::string> leftovers;
    for (const auto& snapshot : snapshots) {
        try {
            backend.remove(plan, snapshot);
        } catch (const std::exception& e) {
            leftovers.push_back(
                fmt::format("  snapshot {} of {}: {}", snapshot.id, snapshot.pvc, e.what()));
        }
    }
    return leftovers;
}

// Deletes what this run made when the set cannot be complete: what the workers returned, and
// what only the server knows of — a snapshot created before its worker failed (its check, its
// wait) — found again by this run's labels. Returns the lines of what could not be deleted
// (each a leftover that `teardown --snapshots` or the next run removes).
std::vector<std::string> roll_back(exec::SnapshotBackend& backend, const plan::SnapshotPlan& plan,
                                   const std::vector<exec::TakenSnapshot>& taken,
                                   bool snapshots_attempted) {
    std::vector<exec::TakenSnapshot> made;
    std::set<std::string> ids;
    for (const auto& snapshot : taken) {
        if (!snapshot.id.empty() && ids.insert(snapshot.id).second) {
            made.push_back(snapshot);
        }
    }
    std::vector<std::string> leftovers;
    if (!snapshots_attempted) {
        // A pre-hook failed: this attempt made nothing (an earlier attempt's snapshots stay
        // for the next one to reuse).
        return remove_all(backend, plan, made);
    }
    try {
        for (const auto& found : backend.find_existing(plan)) {
            if (ids.insert(found.id).second) {
                const auto slash = found.source.find('/');
                made.push_back({.source = found.source,
                                .pvc = slash == std::string::npos ? found.source
                                                                  : found.source.substr(slash + 1),
                                .id = found.id,
                                .portworx_id = found.id});
            }
        }
    } catch (const std::exception& e) {
        leftovers.push_back(
            fmt::format("  this run's snapshots could not be listed: {}", e.what()));
    }
    auto failed = remove_all(backend, plan, made);
    leftovers.insert(leftovers.end(), failed.begin(), failed.end());
    return leftovers;
}

// Retention (snapshot.keep), decided before the first write: the reads it needs (the sets, the
// environments using them, the objects of the sets to delete) fail, when the identity may not do
// them, before a hook runs or a snapshot is made. The sets are this profile's oldest beyond `keep`
// once `current` exists, never `current` and never one a live staging environment was made from.
struct Retention {
    std::vector<std::string> sets; // to delete, oldest first
    plan::TeardownTarget target;
    plan::TeardownPlan plan;
};

Retention plan_retention(Session& session, const profile::Profile& profile,
                         const std::string& current, const std::string& created_at) {
    const bool csi = profile.snapshot.method == profile::SnapshotMethod::csi;
    const exec::Catalog catalog(session.kube(), session.portworx(), csi);
    std::vector<plan::SnapshotSetSummary> summaries;
    for (const auto& set : catalog.snapshot_sets(profile.name)) {
        summaries.push_back({.id = set.id, .created_at = set.created_at});
    }
    // The set being taken counts towards `keep` (an earlier attempt's is listed already).
    if (std::none_of(summaries.begin(), summaries.end(),
                     [&current](const auto& set) { return set.id == current; })) {
        summaries.push_back({.id = current, .created_at = created_at});
    }
    Retention retention;
    retention.sets = plan::sets_to_prune(summaries, profile.snapshot.keep,
                                         catalog.sets_in_use(profile.name), current);
    retention.target =
        plan::TeardownTarget{.profile = profile.name,
                             .source_namespace = profile.source.source_namespace,
                             .runs = {},
                             .snapshot_sets = {retention.sets.begin(), retention.sets.end()},
                             .csi = csi};
    if (!retention.sets.empty()) {
        retention.plan = plan::plan_teardown(
            retention.target,
            exec::find_target_objects(session.kube(), session.portworx(), retention.target));
    }
    return retention;
}

// Deletes the sets `retention` chose; returns their ids. What could not be deleted is a warning
// (the next run tries again), not a failed snapshot: the new set is complete and is printed.
// With `dry_run`, prints the DELETEs to it instead (teardown's dry-run lines).
std::vector<std::string> apply_retention(Session& session, const Retention& retention,
                                         std::ostream* dry_run) {
    if (retention.sets.empty()) {
        return {};
    }
    if (dry_run != nullptr) {
        for (const auto& deletion : retention.plan.deletions) {
            *dry_run << exec::delete_request(deletion.object) << '\n';
        }
        return retention.sets;
    }
    exec::TeardownContext context{.kube = session.kube(),
                                  .portworx = session.portworx(),
                                  .clock = session.clock(),
                                  .sleeper = session.sleeper()};
    try {
        const auto report = exec::execute_teardown(retention.target, retention.plan, context);
        for (const auto& failure : report.failed) {
            session.progress().warn(fmt::format("retention: could not delete {}: {}",
                                                failure.object.describe(), failure.error));
        }
    } catch (const InterruptedError&) {
        throw;
    } catch (const std::exception& e) {
        session.progress().warn(fmt::format("retention: snapshot set{} {} not deleted: {}",
                                            retention.sets.size() == 1 ? "" : "s",
                                            fmt::join(retention.sets, ", "), e.what()));
        return {};
    }
    return retention.sets;
}

} // namespace

output::SnapshotSetRecord take_snapshot_set(Session& session, const GlobalOptions& globals,
                                            const LoadedProfile& loaded, bool skip_hooks,
                                            std::ostream& out) {
    const auto& profile = loaded.profile;
    auto& progress = session.progress();

    // Validate and discover (read-only).
    const auto facts = discover_snapshot(session, profile);
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
    auto real = profile.snapshot.method == profile::SnapshotMethod::portworx
                    ? exec::make_portworx_backend(session.portworx(), context)
                    : exec::make_csi_backend(session.kube(), context);
    auto dry_run = globals.dry_run ? exec::make_dry_run_backend(*real, out) : nullptr;
    auto& backend = dry_run ? *dry_run : *real;

    // Plan: reuse what an earlier attempt of this run left.
    const auto draft = plan::plan_snapshot(profile, lineage, facts.volumes, {});
    const auto plan =
        plan::plan_snapshot(profile, lineage, facts.volumes, backend.find_existing(draft));
    progress.note(fmt::format("snapshot set {}: {} volume{} of {} ({} to create)", plan.set_id,
                              plan.snapshots.size(), plan.snapshots.size() == 1 ? "" : "s",
                              plan.source_namespace, plan.to_create()));
    const auto retention = plan_retention(session, profile, plan.set_id, lineage.created_at);

    // Run: hooks only around real work (a re-run that reuses every snapshot freezes nothing). A
    // dry run names them in their place instead of running them.
    const bool hooks = !skip_hooks && plan.to_create() > 0;
    exec::HookEnvironment hook_env{.run = lineage.run,
                                   .profile = profile.file,
                                   .source_namespace = plan.source_namespace,
                                   .pvcs = {},
                                   .kubeconfig = globals.kubeconfig,
                                   .context = globals.context};
    for (const auto& snapshot : plan.snapshots) {
        hook_env.pvcs.push_back(snapshot.source.pvc);
    }
    auto posix = session.process_runner();
    const auto dry_run_processes =
        globals.dry_run ? exec::make_dry_run_process_runner(out) : nullptr;
    util::ProcessRunner& runner = dry_run_processes ? *dry_run_processes : posix;
    std::vector<std::string> failures;
    if (hooks && !profile.source.hooks.pre.empty()) {
        progress.note("running pre-hooks");
        // The latest the post-hooks run: after every pre-hook's timeout and the snapshots'. A
        // freeze must release itself then, should pxclone be killed before it unfreezes.
        auto pre_env = hook_env;
        pre_env.clock = &session.clock();
        pre_env.deadline = session.clock().now() + session.timeout_or(profile.snapshot.timeout);
        for (const auto& hook : profile.source.hooks.pre) {
            *pre_env.deadline += hook.timeout;
        }
        for (const auto& outcome :
             exec::run_hooks(runner, profile, profile.source.hooks.pre, pre_env, true)) {
            if (!outcome.ok) {
                failures.push_back(
                    fmt::format("pre-hook `{}` {}", outcome.command, outcome.reason));
            }
        }
    }

    const auto deadline = session.wait_deadline(profile.snapshot.timeout);
    std::vector<exec::TakenSnapshot> taken(plan.snapshots.size());
    std::optional<ExitCode> failure_code;
    // Creates the deadline cut short: the server may still make them after the roll-back.
    std::vector<std::string> uncertain;
    const bool snapshots_attempted = failures.empty();
    if (snapshots_attempted) {
        // Every volume at once (up to the fan-out width): a SnapshotCreate is seconds of
        // server time and nothing on this side, and the pre-hook's freeze lasts until the last.
        std::vector<std::future<exec::TakenSnapshot>> work;
        for (const auto& snapshot : plan.snapshots) {
            work.push_back(session.fan_out().submit([&backend, &plan, &snapshot, deadline] {
                if (util::interrupted()) {
                    throw InterruptedError();
                }
                return backend.take(plan, snapshot, deadline);
            }));
        }
        for (std::size_t i = 0; i < work.size(); ++i) {
            try {
                taken[i] = work[i].get();
            } catch (const std::exception& e) {
                // Any failure, also a transport error (a connection cut during a create),
                // fails the set: the post-hooks still run and the roll-back follows.
                const auto* error = dynamic_cast<const Error*>(&e);
                const auto code = error != nullptr ? error->code() : ExitCode::failed;
                // Keep what may exist so that the roll-back finds it (a reused Portworx
                // snapshot is deleted by its portworx_id).
                taken[i] = {.pvc = plan.snapshots[i].source.pvc,
                            .id = plan.snapshots[i].existing,
                            .portworx_id = plan.snapshots[i].existing};
                failures.push_back(fmt::format("snapshot of {} ({}): {}",
                                               plan.snapshots[i].source.pvc,
                                               plan.snapshots[i].source.volume_id, e.what()));
                if (!failure_code || code == ExitCode::interrupted) {
                    failure_code = code;
                }
                if (dynamic_cast<const exec::CreateCutShort*>(&e) != nullptr) {
                    uncertain.push_back(fmt::format("  snapshot {} of {}", plan.snapshots[i].name,
                                                    plan.snapshots[i].source.pvc));
                }
            }
        }
    }

    // Post-hooks always run once the pre-hooks ran: a database is never left frozen.
    if (hooks && !profile.source.hooks.post.empty()) {
        progress.note("running post-hooks");
        for (const auto& outcome :
             exec::run_hooks(runner, profile, profile.source.hooks.post, hook_env, false)) {
            if (!outcome.ok) {
                progress.warn(fmt::format("post-hook `{}` {}", outcome.command, outcome.reason));
            }
        }
    }
    // The deadline passed before the set was complete (a post-hook held it up): all or nothing,
    // as for any other part of the set.
    if (failures.empty() && session.deadline().passed(session.clock().now())) {
        failures.push_back(fmt::format("the set was not complete by the deadline ({})",
                                       session.deadline().origin()));
    }

    if (!failures.empty()) {
        // All or nothing: a partial set must not be mistaken for a copy of production.
        auto leftovers = roll_back(backend, plan, taken, snapshots_attempted);
        auto details = failures;
        // A signal is the reason even when what it broke was a hook (pxclone stops a running
        // hook on SIGINT/SIGTERM).
        const bool interrupted = util::interrupted();
        // So is the command's deadline, when it has passed (whatever it cut: a hook, a request,
        // a wait).
        const bool out_of_time = !interrupted && session.deadline().passed(session.clock().now());
        const auto code = interrupted   ? ExitCode::interrupted
                          : out_of_time ? ExitCode::timed_out
                                        : failure_code.value_or(ExitCode::failed);
        if (!leftovers.empty()) {
            details.emplace_back("could not delete (remove with `pxclone teardown --snapshots`):");
            details.insert(details.end(), leftovers.begin(), leftovers.end());
        }
        if (!uncertain.empty()) {
            details.push_back(fmt::format(
                "cut short before the server answered; it may still make these, labelled "
                "pxclone.io/run={} (remove with `pxclone teardown --snapshots --run {}`):",
                lineage.run, lineage.run));
            details.insert(details.end(), uncertain.begin(), uncertain.end());
        }
        throw Error(leftovers.empty() ? code : ExitCode::partial,
                    fmt::format("snapshot set {} {} and was rolled back", plan.set_id,
                                interrupted   ? "was interrupted"
                                : out_of_time ? fmt::format("did not finish before the deadline "
                                                            "({})",
                                                            session.deadline().origin())
                                              : "failed"),
                    "", std::move(details));
    }

    auto record = output::snapshot_set_record(plan, lineage);
    for (std::size_t i = 0; i < taken.size(); ++i) {
        auto& snapshot = record.snapshots[i];
        snapshot.snapshot_id = taken[i].id;
        snapshot.portworx_snapshot_id = taken[i].portworx_id;
        snapshot.reused = taken[i].reused;
        snapshot.duration_ms = taken[i].took.count();
    }
    record.duration_ms =
        std::chrono::duration_cast<milliseconds>(session.clock().now() - start).count();
    const auto pruned = apply_retention(session, retention, globals.dry_run ? &out : nullptr);
    if (!pruned.empty()) {
        progress.note(fmt::format("retention (keep {}): {} snapshot set{} {}",
                                  profile.snapshot.keep,
                                  globals.dry_run ? "would delete" : "deleted",
                                  pruned.size() == 1 ? "" : "s", fmt::join(pruned, ", ")));
    }
    record.pruned = pruned;
    return record;
}

namespace {

void run_snapshot(const GlobalOptions& globals, const SnapshotOptions& options, Streams streams) {
    // Complete: the profile, the run, the connection.
    const util::ProcessEnvironment environment;
    const auto loaded = load_profile(globals, environment);
    util::install_interrupt_handlers();
    Session session(globals, streams, loaded.profile, environment);

    const auto record =
        take_snapshot_set(session, globals, loaded, options.skip_hooks, streams.out);
    session.finish(nlohmann::json(output::to_json(record)));
    if (!globals.dry_run) {
        output::print_snapshot_set(record, globals.output, streams.out);
    }
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
