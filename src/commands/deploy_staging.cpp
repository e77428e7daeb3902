// `pxclone deploy-staging`: a ready staging environment with production data and this build's
// app. Choose the snapshot set → read the manifests → plan (pure) → namespace → volumes (in
// parallel) → PVCs Bound → config → [masking] → workloads → ready → report.
#include "pxclone/commands/commands.hpp"
#include "pxclone/commands/load_profile.hpp"
#include "pxclone/commands/session.hpp"
#include "pxclone/commands/snapshot.hpp"
#include "pxclone/discover/staging_sources.hpp"
#include "pxclone/error.hpp"
#include "pxclone/exec/catalog.hpp"
#include "pxclone/exec/staging_runner.hpp"
#include "pxclone/exec/teardown.hpp"
#include "pxclone/method/method.hpp"
#include "pxclone/output/records.hpp"
#include "pxclone/plan/staging_plan.hpp"
#include "pxclone/plan/teardown_plan.hpp"
#include "pxclone/profile/loader.hpp"
#include "pxclone/profile/manifests.hpp"
#include "pxclone/util/interrupt.hpp"
#include "pxclone/util/time.hpp"

#include <fstream>
#include <future>
#include <mutex>
#include <set>
#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace pxclone::cmd {

namespace {

using std::chrono::milliseconds;

struct DeployOptions {
    std::string snapshot_set;     // --snapshot: the set to use; default the newest complete one
    bool fresh = false;           // --fresh: take a new set (id = the run id) and use it
    bool skip_hooks = false;      // --skip-hooks: with --fresh, no source hooks
    bool keep_on_failure = false; // --keep-on-failure: leave a failed environment for debugging
};

// The chosen set from the catalog: --snapshot, else the newest complete set. Exit 3 when none.
exec::SnapshotSet choose_set(Session& session, const profile::Profile& profile,
                             const DeployOptions& options) {
    const exec::Catalog catalog(session.kube(), session.portworx(),
                                method::of(profile.snapshot.method).uses_volume_snapshots());
    const auto sets = catalog.snapshot_sets(profile.name);
    if (!options.snapshot_set.empty()) {
        const auto* found = exec::find_set(sets, options.snapshot_set);
        if (found == nullptr) {
            throw NotFoundError(fmt::format("snapshot set {} of profile {} not found",
                                            options.snapshot_set, profile.name),
                                "`pxclone list` shows the sets there are");
        }
        if (found->state != exec::SetState::complete) {
            throw Error(ExitCode::failed,
                        fmt::format("snapshot set {} is partial: its run did not finish",
                                    options.snapshot_set),
                        "take a new one with `pxclone snapshot`");
        }
        return *found;
    }
    const auto* newest = exec::newest_complete(sets);
    if (newest == nullptr) {
        throw NotFoundError(fmt::format("profile {} has no complete snapshot set", profile.name),
                            "take one with `pxclone snapshot` first");
    }
    return *newest;
}

// The set a `--fresh --dry-run` would take, from the snapshot plan's record: the snapshots do not
// exist, so their ids are placeholders (reused ones keep theirs).
exec::SnapshotSet set_from_record(const output::SnapshotSetRecord& record) {
    exec::SnapshotSet set;
    set.id = record.snapshot_set;
    set.method = record.method;
    set.created_at = record.created_at;
    set.source_namespace = record.source_namespace;
    set.state = exec::SetState::complete;
    for (const auto& snapshot : record.snapshots) {
        set.snapshots.push_back({.source = snapshot.source,
                                 .id = snapshot.snapshot_id.empty()
                                           ? fmt::format("<snapshot-of-{}>", snapshot.pvc)
                                           : snapshot.snapshot_id,
                                 .portworx_id = snapshot.portworx_snapshot_id,
                                 .size = snapshot.size_bytes,
                                 .name = snapshot.name,
                                 .ready = true});
    }
    return set;
}

// A failed deployment whose data may be unmasked is removed (unless --keep-on-failure): the lines
// of what could not be removed are returned for the error message.
std::vector<std::string> remove_environment(Session& session, const profile::Profile& profile,
                                            const std::string& run) {
    plan::TeardownTarget target{.profile = profile.name,
                                .source_namespace = profile.source.source_namespace,
                                .runs = {run},
                                .snapshot_sets = {},
                                .csi = method::of(profile.snapshot.method).uses_volume_snapshots()};
    exec::TeardownReport report;
    try {
        const auto found = exec::find_target_objects(session.kube(), session.portworx(), target);
        const auto plan = plan::plan_teardown(target, found);
        exec::TeardownContext context{.kube = session.kube(),
                                      .portworx = session.portworx(),
                                      .clock = session.clock(),
                                      .sleeper = session.sleeper()};
        report = exec::execute_teardown(target, plan, context);
    } catch (const InterruptedError&) {
        throw;
    } catch (const std::exception& e) {
        // The deployment's own error stays the headline; this says why nothing was removed.
        return {fmt::format("  not removed: the environment could not be removed ({}); remove "
                            "it with `pxclone teardown --run {}`",
                            e.what(), run)};
    }
    std::vector<std::string> lines;
    for (const auto& failure : report.failed) {
        lines.push_back(
            fmt::format("  not removed: {}: {}", failure.object.describe(), failure.error));
    }
    return lines;
}

// What exists of an interrupted deployment, for the message: the run's staging objects found by
// their labels on both APIs (also what an earlier attempt made), then what this attempt wrote
// that teardown does not look for (Services, ConfigMaps, ...). Listing is read-only; when it
// fails, what this attempt wrote is all there is to say.
std::vector<std::string> account_of(Session& session, const profile::Profile& profile,
                                    const std::string& run,
                                    const std::vector<std::string>& written) {
    std::vector<std::string> lines;
    std::set<std::string> seen;
    const auto add = [&lines, &seen](const std::string& what) {
        if (seen.insert(what).second) {
            lines.push_back("  " + what);
        }
    };
    try {
        for (const auto& object :
             exec::find_run_objects(session.kube(), session.portworx(), profile.name, run, nullptr,
                                    method::of(profile.snapshot.method).uses_volume_snapshots())) {
            const auto role = object.labels.find(std::string(plan::k_role_key));
            if (role != object.labels.end() &&
                role->second != plan::role_name(plan::Role::snapshot)) {
                add(object.describe());
            }
        }
    } catch (const std::exception& e) {
        lines.push_back(fmt::format("  (could not list the run's objects: {})", e.what()));
    }
    for (const auto& what : written) {
        add(what);
    }
    return lines;
}

void run_deploy_staging(const GlobalOptions& globals, const DeployOptions& options,
                        Streams streams) {
    // Complete: profile, run, connection, the set and the manifests.
    const util::ProcessEnvironment environment;
    const auto loaded = load_profile(globals, environment);
    const auto& profile = loaded.profile;
    util::install_interrupt_handlers();
    Session session(globals, streams, profile, environment);
    auto& progress = session.progress();
    const auto start = session.clock().now();

    // Validate.
    if (options.fresh && !options.snapshot_set.empty()) {
        throw UsageError("deploy-staging: --fresh and --snapshot exclude each other",
                         "--fresh takes a new set; --snapshot SET uses an existing one");
    }
    if (options.skip_hooks && !options.fresh) {
        throw UsageError("deploy-staging: --skip-hooks applies only with --fresh");
    }

    // The set: a fresh one (its id is the run id, as `pxclone snapshot` names it), or one that
    // exists.
    exec::SnapshotSet set;
    if (options.fresh) {
        progress.note(fmt::format("taking snapshot set {}", loaded.run.id));
        const auto record =
            take_snapshot_set(session, globals, loaded, options.skip_hooks, streams.out);
        if (globals.dry_run) {
            set = set_from_record(record);
        } else {
            DeployOptions chosen = options;
            chosen.snapshot_set = record.snapshot_set;
            set = choose_set(session, profile, chosen);
        }
    } else {
        set = choose_set(session, profile, options);
    }
    progress.note(fmt::format("snapshot set {} ({} volume{}, {})", set.id, set.snapshots.size(),
                              set.snapshots.size() == 1 ? "" : "s", set.created_at));
    // On the fan-out pool: the connections these reads open are the ones every volume's clone
    // then uses at once (their TLS handshakes are not added to the clones' time).
    const auto described = discover::describe_set(session.kube(), session.fan_out(), profile, set);
    const auto inputs = discover::read_staging_inputs(profile, loaded.run, environment);

    // Plan (pure): every object, or every problem.
    const auto lineage = plan::run_lineage(profile.name, loaded.run, util::format_rfc3339(start));
    auto planned = plan::plan_staging(method::of(described.method), profile, lineage, described,
                                      inputs.manifests, inputs.mask_files, start);
    if (!planned.plan) {
        throw UsageError(fmt::format("cannot deploy staging for profile {} ({} problem{})",
                                     profile.name, planned.problems.size(),
                                     planned.problems.size() == 1 ? "" : "s"),
                         "", profile::format_all(planned.problems));
    }
    const auto& plan = *planned.plan;
    progress.note(fmt::format("staging namespace {}: {} volume{}, {} manifest file{}",
                              plan.staging_namespace, plan.volumes.size(),
                              plan.volumes.size() == 1 ? "" : "s", plan.stages.size(),
                              plan.stages.size() == 1 ? "" : "s"));

    // Run: the same steps for a dry run, with a runner that only prints.
    const auto cancelled = [] {
        return util::interrupted();
    };
    exec::StagingContext context{
        .clock = &session.clock(),
        .sleeper = &session.sleeper(),
        .on_progress = [&progress](const std::string& key,
                                   const std::string& text) { progress.update(key, text); },
        .cancelled = cancelled,
        .on_done = [&progress](const std::string& key, bool ok) { progress.done(key, ok); },
        .on_written = {},
    };
    std::mutex written_mutex;
    std::vector<std::string> written;
    context.on_written = [&written_mutex, &written](const std::string& what) {
        const std::lock_guard lock(written_mutex);
        written.push_back(what);
    };
    // Also for csi: the Portworx volumes provisioned for the staging PVCs get the run's labels.
    auto runner = globals.dry_run
                      ? exec::make_dry_run_staging_runner(streams.out)
                      : exec::make_staging_runner(session.kube(), &session.portworx(), context);
    const auto deadline = session.wait_deadline(profile.staging.wait.timeout, start);
    plan::StagingReport report;
    try {
        // A connection that failed for good (http::TransportError) is an Error like any
        // other: below, an environment that may hold unmasked data is removed for it too.
        report = exec::run_staging_plan(plan, *runner, session.pool(), session.clock(), deadline,
                                        cancelled, &session.fan_out());
    } catch (const Error& e) {
        // Steps stopped starting and the requests in flight ended: say what is left.
        const auto stopped = [&](ExitCode code, const std::string& what) {
            std::vector<std::string> written_copy;
            {
                const std::lock_guard lock(written_mutex);
                written_copy = written;
            }
            auto details = account_of(session, profile, loaded.run.id, written_copy);
            details.insert(details.begin(), fmt::format("what exists of staging environment {} "
                                                        "(run {}):",
                                                        plan.staging_namespace, loaded.run.id));
            if (details.size() == 1) {
                details.back() += " nothing";
            }
            return Error(
                code,
                fmt::format("deploy-staging of run {} {} ({})", loaded.run.id, what, e.what()),
                fmt::format("resume with the same command and --run {}, or remove it "
                            "with `pxclone teardown --run {}`",
                            loaded.run.id, loaded.run.id),
                std::move(details));
        };
        if (e.code() == ExitCode::interrupted && !globals.dry_run) {
            throw stopped(ExitCode::interrupted, "interrupted");
        }
        // Unmasked production data must not stay behind a failed masking job.
        const bool unmasked = plan.mask.has_value() && !globals.dry_run &&
                              e.code() != ExitCode::interrupted && !options.keep_on_failure;
        const bool out_of_time =
            e.code() == ExitCode::timed_out && session.deadline().passed(session.clock().now());
        if (!unmasked && out_of_time && !globals.dry_run) {
            // As on Ctrl-C: what this run made is listed, for the same command to resume.
            throw stopped(ExitCode::timed_out,
                          fmt::format("did not finish before the deadline ({})",
                                      session.deadline().origin()));
        }
        if (!unmasked) {
            throw;
        }
        progress.note(fmt::format("removing the failed environment {}", plan.staging_namespace));
        auto details = e.details();
        const auto leftovers = remove_environment(session, profile, loaded.run.id);
        details.insert(details.end(), leftovers.begin(), leftovers.end());
        throw Error(leftovers.empty() ? e.code() : ExitCode::partial,
                    fmt::format("{} (the environment was removed)", e.what()), e.hint(),
                    std::move(details));
    }
    if (globals.dry_run) {
        return;
    }

    // Ready (the plan's last step marked it so: list shows it ready): report.
    const auto took = std::chrono::duration_cast<milliseconds>(session.clock().now() - start);
    const auto record = output::staging_environment_record(plan, report);
    session.finish(nlohmann::json(output::to_json(record)));
    output::print_staging_environment(record, report, globals.output, took, streams.out);
}

} // namespace

void add_deploy_staging_command(CLI::App& app, const GlobalOptions& globals, Streams streams) {
    auto options = std::make_shared<DeployOptions>();
    auto* sub = app.add_subcommand(
        "deploy-staging",
        "Create a staging environment from a snapshot set: namespace, volumes, manifests, masking");
    sub->add_option("--snapshot", options->snapshot_set,
                    "Snapshot set to use (default: the newest complete set of the profile)")
        ->option_text("SET");
    sub->add_flag("--fresh", options->fresh,
                  "Take a new snapshot set now (as `pxclone snapshot` does, id = the run id) and "
                  "deploy from it");
    sub->add_flag("--skip-hooks", options->skip_hooks,
                  "With --fresh: do not run the source hooks (crash-consistent snapshots)");
    sub->add_flag("--keep-on-failure", options->keep_on_failure,
                  "Leave a failed environment in place for debugging (even with unmasked data)");
    sub->callback([&globals, options, streams] { run_deploy_staging(globals, *options, streams); });
}

} // namespace pxclone::cmd
