// `pxclone snapshot`: traceable snapshots of the production volumes, without disturbing
// production. Discover (read-only) → plan (pure) → pre-hooks → snapshot all volumes in parallel
// → post-hooks (always) → all-or-nothing → print the set.
#include "pxclone/commands/snapshot.hpp"

#include "pxclone/commands/commands.hpp"
#include "pxclone/commands/load_profile.hpp"
#include "pxclone/commands/session.hpp"
#include "pxclone/error.hpp"
#include "pxclone/exec/catalog.hpp"
#include "pxclone/exec/hooks.hpp"
#include "pxclone/exec/snapshot_backend.hpp"
#include "pxclone/exec/teardown.hpp"
#include "pxclone/k8s/paths.hpp"
#include "pxclone/output/format.hpp"
#include "pxclone/plan/snapshot_plan.hpp"
#include "pxclone/plan/teardown_plan.hpp"
#include "pxclone/util/duration.hpp"
#include "pxclone/util/interrupt.hpp"
#include "pxclone/util/quantity.hpp"
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

using nlohmann::json;
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
    const auto& kube = session.kube();
    const auto& source = profile.source;
    const auto& pvcs = k8s::resource_of("PersistentVolumeClaim");
    const auto& pvs = k8s::resource_of("PersistentVolume");

    // Ask the Portworx endpoint while the PVCs are read.
    auto version =
        session.pool().submit([&session] { return session.portworx().check_endpoint(); });

    std::vector<json> claims;
    if (!source.pvcs.empty()) {
        std::vector<std::future<std::optional<json>>> gets;
        for (const auto& name : source.pvcs) {
            gets.push_back(session.pool().submit([&kube, &pvcs, &source, name] {
                return kube.get(pvcs, source.source_namespace, name);
            }));
        }
        for (auto& get : gets) {
            if (auto claim = get.get()) {
                claims.push_back(std::move(*claim));
            }
        }
    } else {
        // On the pool too, so that with --parallel 1 the requests keep one order.
        k8s::ListOptions options;
        options.label_selector = k8s::label_selector(source.selector);
        claims = session.pool()
                     .submit([&kube, &pvcs, &source, options] {
                         return kube.list(pvcs, source.source_namespace, options).items;
                     })
                     .get();
    }

    // On the fan-out pool: the connections these reads open (one TLS handshake each) are the
    // ones every volume's SnapshotCreate then uses at once, instead of opening them then.
    std::map<std::string, std::future<std::optional<json>>> pv_gets;
    for (const auto& claim : claims) {
        const auto pv = k8s::string_field(claim, "/spec/volumeName");
        if (!pv.empty() && !pv_gets.contains(pv)) {
            pv_gets.emplace(
                pv, session.fan_out().submit([&kube, &pvs, pv] { return kube.get(pvs, "", pv); }));
        }
    }
    std::map<std::string, json> volumes;
    for (auto& [name, get] : pv_gets) {
        if (auto pv = get.get()) {
            volumes.emplace(name, std::move(*pv));
        }
    }

    auto resolution =
        plan::resolve_source_volumes(source.source_namespace, source.pvcs, claims, volumes);
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

json set_record(const plan::SnapshotPlan& plan, const plan::Lineage& lineage,
                const std::vector<exec::TakenSnapshot>& taken, milliseconds took) {
    json snapshots = json::array();
    for (std::size_t i = 0; i < taken.size(); ++i) {
        const auto& planned = plan.snapshots[i];
        snapshots.push_back({{"pvc", planned.source.pvc},
                             {"volumeId", planned.source.volume_id},
                             {"snapshot", taken[i].id},
                             {"portworxSnapshotId", taken[i].portworx_id},
                             {"name", planned.name},
                             {"sizeBytes", planned.source.size_bytes},
                             {"reused", taken[i].reused},
                             {"durationMs", taken[i].took.count()}});
    }
    return {{"snapshotSet", plan.set_id},
            {"profile", lineage.profile},
            {"method", profile::method_name(plan.method)},
            {"sourceNamespace", plan.source_namespace},
            {"gitSha", lineage.git_sha},
            {"buildId", lineage.build_id},
            {"createdAt", lineage.created_at},
            {"durationMs", took.count()},
            {"snapshots", std::move(snapshots)}};
}

void print_result(const json& record, output::Format format, std::ostream& out) {
    switch (format) {
    case output::Format::json:
        output::print_json(record, out);
        return;
    case output::Format::yaml:
        output::print_yaml(record, out);
        return;
    case output::Format::env:
        output::print_env({{"PXCLONE_SNAPSHOT_SET", record.at("snapshotSet").get<std::string>()},
                           {"PXCLONE_RUN", record.at("snapshotSet").get<std::string>()}},
                          out);
        return;
    case output::Format::name:
        out << "snapshot-set/" << record.at("snapshotSet").get<std::string>() << '\n';
        return;
    case output::Format::text:
        break;
    }
    out << fmt::format(
        "snapshot set {} of profile {}: {} volume{} of namespace {} ({}) in {}\n",
        record.at("snapshotSet").get<std::string>(), record.at("profile").get<std::string>(),
        record.at("snapshots").size(), record.at("snapshots").size() == 1 ? "" : "s",
        record.at("sourceNamespace").get<std::string>(), record.at("method").get<std::string>(),
        util::format_duration(milliseconds(record.at("durationMs").get<long>())));
    for (const auto& snapshot : record.at("snapshots")) {
        out << fmt::format("  {:<28} {:<40} {:>8}  {}\n", snapshot.at("pvc").get<std::string>(),
                           snapshot.at("snapshot").get<std::string>(),
                           util::format_quantity(snapshot.at("sizeBytes").get<std::int64_t>()),
                           snapshot.at("reused").get<bool>() ? "reused" : "created");
    }
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

// Retention (snapshot.keep): deletes this profile's oldest sets beyond `keep`, never the new set
// and never one a live staging environment was made from. Returns the ids of the sets deleted;
// what could not be deleted is a warning (the next run tries again), not a failed snapshot.
// With `dry_run`, the DELETEs are printed to it instead (teardown's dry-run lines), counting the
// new set as the real run would find it.
std::vector<std::string> prune_sets(Session& session, const profile::Profile& profile,
                                    const plan::SnapshotPlan& current, const plan::Lineage& lineage,
                                    std::ostream* dry_run) {
    const exec::Catalog catalog(session.kube(), session.portworx());
    std::vector<plan::SnapshotSetSummary> summaries;
    for (const auto& set : catalog.snapshot_sets(profile.name)) {
        summaries.push_back({.id = set.id, .created_at = set.created_at});
    }
    if (dry_run != nullptr &&
        std::none_of(summaries.begin(), summaries.end(),
                     [&current](const auto& set) { return set.id == current.set_id; })) {
        summaries.push_back({.id = current.set_id, .created_at = lineage.created_at});
    }
    const auto prune = plan::sets_to_prune(summaries, profile.snapshot.keep,
                                           catalog.sets_in_use(profile.name), current.set_id);
    if (prune.empty()) {
        return {};
    }
    plan::TeardownTarget target{.profile = profile.name,
                                .source_namespace = profile.source.source_namespace,
                                .runs = {},
                                .snapshot_sets = {prune.begin(), prune.end()}};
    const auto found = exec::find_target_objects(session.kube(), session.portworx(), target);
    const auto plan = plan::plan_teardown(target, found);
    if (dry_run != nullptr) {
        for (const auto& deletion : plan.deletions) {
            *dry_run << exec::delete_request(deletion.object) << '\n';
        }
        return prune;
    }
    exec::TeardownContext context{.kube = session.kube(),
                                  .portworx = session.portworx(),
                                  .clock = session.clock(),
                                  .sleeper = session.sleeper()};
    const auto report = exec::execute_teardown(target, plan, context);
    for (const auto& failure : report.failed) {
        session.progress().warn(fmt::format("retention: could not delete {}: {}",
                                            failure.object.describe(), failure.error));
    }
    return prune;
}

} // namespace

json take_snapshot_set(Session& session, const GlobalOptions& globals, const LoadedProfile& loaded,
                       bool skip_hooks, std::ostream& out) {
    const auto& profile = loaded.profile;
    auto& progress = session.progress();

    // Validate and discover (read-only).
    const auto facts = discover_snapshot(session, profile);
    const auto start = session.clock().now();
    plan::Lineage lineage{.profile = profile.name,
                          .run = loaded.run.id,
                          .git_sha = loaded.run.git_sha.value_or(""),
                          .build_id = loaded.run.build_id,
                          .created_at = util::format_rfc3339(start)};

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
    util::PosixProcessRunner posix;
    const auto dry_run_processes =
        globals.dry_run ? exec::make_dry_run_process_runner(out) : nullptr;
    util::ProcessRunner& runner = dry_run_processes ? *dry_run_processes : posix;
    std::vector<std::string> failures;
    if (hooks && !profile.source.hooks.pre.empty()) {
        progress.note("running pre-hooks");
        for (const auto& outcome :
             exec::run_hooks(runner, profile, profile.source.hooks.pre, hook_env, true)) {
            if (!outcome.ok) {
                failures.push_back(
                    fmt::format("pre-hook `{}` {}", outcome.command, outcome.reason));
            }
        }
    }

    const auto deadline = session.clock().now() + session.timeout_or(profile.snapshot.timeout);
    std::vector<exec::TakenSnapshot> taken(plan.snapshots.size());
    std::optional<ExitCode> failure_code;
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

    if (!failures.empty()) {
        // All or nothing: a partial set must not be mistaken for a copy of production.
        auto leftovers = roll_back(backend, plan, taken, snapshots_attempted);
        auto details = failures;
        // A signal is the reason even when what it broke was a hook (Ctrl-C reaches the whole
        // process group, the pre-hook included).
        const bool interrupted = util::interrupted();
        const auto code =
            interrupted ? ExitCode::interrupted : failure_code.value_or(ExitCode::failed);
        if (!leftovers.empty()) {
            details.emplace_back("could not delete (remove with `pxclone teardown --snapshots`):");
            details.insert(details.end(), leftovers.begin(), leftovers.end());
        }
        throw Error(leftovers.empty() ? code : ExitCode::partial,
                    fmt::format("snapshot set {} {} and was rolled back", plan.set_id,
                                interrupted ? "was interrupted" : "failed"),
                    "", std::move(details));
    }

    auto record =
        set_record(plan, lineage, taken,
                   std::chrono::duration_cast<milliseconds>(session.clock().now() - start));
    const auto pruned =
        prune_sets(session, profile, plan, lineage, globals.dry_run ? &out : nullptr);
    if (!pruned.empty()) {
        progress.note(fmt::format("retention (keep {}): {} snapshot set{} {}",
                                  profile.snapshot.keep,
                                  globals.dry_run ? "would delete" : "deleted",
                                  pruned.size() == 1 ? "" : "s", fmt::join(pruned, ", ")));
    }
    record["pruned"] = pruned;
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
    session.finish(record);
    if (!globals.dry_run) {
        print_result(record, globals.output, streams.out);
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
