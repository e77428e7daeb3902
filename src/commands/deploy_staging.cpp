// `pxclone deploy-staging`: a ready staging environment with production data and this build's
// app. Choose the snapshot set → read the manifests → plan (pure) → namespace → volumes (in
// parallel) → PVCs Bound → config → [masking] → workloads → ready → report.
#include "pxclone/commands/deploy_staging.hpp"

#include "pxclone/commands/commands.hpp"
#include "pxclone/commands/records.hpp"
#include "pxclone/commands/snapshot.hpp"
#include "pxclone/commands/staging_data.hpp"
#include "pxclone/discover/staging_environment.hpp"
#include "pxclone/discover/staging_sources.hpp"
#include "pxclone/error.hpp"
#include "pxclone/exec/namespace_runner.hpp"
#include "pxclone/exec/staging_runner.hpp"
#include "pxclone/exec/teardown.hpp"
#include "pxclone/method/method.hpp"
#include "pxclone/output/format.hpp"
#include "pxclone/output/records.hpp"
#include "pxclone/plan/staging_plan.hpp"
#include "pxclone/plan/teardown_plan.hpp"
#include "pxclone/profile/loader.hpp"
#include "pxclone/profile/manifests.hpp"
#include "pxclone/util/interrupt.hpp"
#include "pxclone/util/time.hpp"

#include <functional>
#include <mutex>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace pxclone::cmd {

namespace {

using std::chrono::milliseconds;

// What the runner reports to: the progress lines, Ctrl-C, and what this attempt wrote.
exec::StagingContext staging_context(Session& session, std::mutex& written_mutex,
                                     std::vector<std::string>& written) {
    auto& progress = session.progress();
    return {.clock = &session.clock(),
            .sleeper = &session.sleeper(),
            .on_progress = [&progress](const std::string& key,
                                       const std::string& text) { progress.update(key, text); },
            .cancelled = [] { return util::interrupted(); },
            .on_done = [&progress](const std::string& key, bool ok) { progress.done(key, ok); },
            .on_written =
                [&written_mutex, &written](const std::string& what) {
                    const std::lock_guard lock(written_mutex);
                    written.push_back(what);
                }};
}

// The set the staging volumes come from, what planning needs of it, and the runner that makes
// each volume from it.
struct StagingSource {
    exec::SnapshotSet set;
    plan::SnapshotSet described;
    std::unique_ptr<exec::StagingRunner> runner;
};

// The set of `data` (staging_data.hpp: this cluster's snapshots, or a staging cluster's cloud
// backups): with --fresh a new one — its id is the run id, as `pxclone snapshot` names it; one a
// dry run would take exists only in its record — else the one asked for or the newest complete.
StagingSource choose_source(Session& session, const GlobalOptions& globals,
                            const LoadedProfile& loaded, const DeployOptions& options,
                            const StagingData& data, const MakeRunner& make_runner,
                            exec::StagingContext context, std::ostream& out) {
    const auto& profile = loaded.profile;
    if (options.fresh && data.from_backups()) {
        // The snapshot is the source cluster's, this session the staging cluster's.
        throw UsageError(
            fmt::format("deploy-staging --fresh: profile {} stages in another cluster "
                        "(staging.cluster)",
                        profile.name),
            "take the set with `pxclone snapshot` (it backs each snapshot up), then run "
            "deploy-staging, or deploy-staging --snapshot SET");
    }
    // Made before the set is taken or read: the Portworx client it uses may read its token.
    auto runner = data.runner(make_runner, std::move(context), out);
    auto requested = options.snapshot_set;
    std::optional<exec::SnapshotSet> set;
    if (options.fresh) {
        session.progress().note(fmt::format("taking snapshot set {}", loaded.run.id));
        const auto taken = take_snapshot_set(session, globals, loaded, options.skip_hooks, out);
        requested = taken.record.snapshot_set;
        if (!taken.sent) {
            set = planned_set(taken.record);
        }
    }
    if (!set) {
        set = data.sets().choose(profile, requested);
    }
    // On the fan-out pool: the connections these reads open are the ones every volume's clone
    // then uses at once (their TLS handshakes are not added to the clones' time).
    auto described = data.sets().describe(profile, *set);
    return {std::move(*set), std::move(described), std::move(runner)};
}

void run_deploy_staging(const GlobalOptions& globals, const DeployOptions& options,
                        Streams streams) {
    // Complete and validate: profile, run, connection.
    const util::ProcessEnvironment environment;
    const auto loaded = load_profile(globals, environment);
    validate_deploy_staging(options);
    util::install_interrupt_handlers();
    Session session(globals, streams, loaded.profile, environment, ClusterSide::staging);
    deploy_staging(session, globals, loaded, options, environment, streams);
}

} // namespace

void validate_deploy_staging(const DeployOptions& options) {
    if (options.fresh && !options.snapshot_set.empty()) {
        throw UsageError("deploy-staging: --fresh and --snapshot exclude each other",
                         "--fresh takes a new set; --snapshot SET uses an existing one");
    }
    if (options.skip_hooks && !options.fresh) {
        throw UsageError("deploy-staging: --skip-hooks applies only with --fresh");
    }
}

void deploy_staging(Session& session, const GlobalOptions& globals, const LoadedProfile& loaded,
                    const DeployOptions& options, const util::Environment& environment,
                    Streams streams) {
    const auto& profile = loaded.profile;
    auto& progress = session.progress();
    const auto start = session.clock().now();
    std::mutex written_mutex;
    std::vector<std::string> written;
    // Also for csi: the Portworx volumes provisioned for the staging PVCs get the run's labels.
    // Under --dry-run its twin prints the requests instead.
    const MakeRunner make_runner = [&] {
        return session.staging_runner(true, staging_context(session, written_mutex, written),
                                      streams.out);
    };
    // Discover (reads only): the set, from where this profile's staging volumes come.
    const StagingData data(session, globals, "deploy-staging");
    auto source = choose_source(session, globals, loaded, options, data, make_runner,
                                staging_context(session, written_mutex, written), streams.out);
    auto runner = std::move(source.runner);
    const auto& set = source.set;
    const auto& described = source.described;
    progress.note(fmt::format("snapshot set {} ({} volume{}, {})", set.id, set.snapshots.size(),
                              set.snapshots.size() == 1 ? "" : "s", set.created_at));
    const auto inputs = discover::read_staging_inputs(profile, loaded.run, environment);

    // Plan (pure): every object, or every problem.
    const auto lineage = plan::run_lineage(profile.name, loaded.run, util::format_rfc3339(start));
    const auto plan_in = [&](const profile::Profile& staged) {
        return plan::plan_staging(method::of(described.method), staged, lineage, described,
                                  inputs.manifests, inputs.mask_files, start);
    };
    const auto refused = [&profile](const plan::StagingPlanResult& result) {
        return UsageError(fmt::format("cannot deploy staging for profile {} ({} problem{})",
                                      profile.name, result.problems.size(),
                                      result.problems.size() == 1 ? "" : "s"),
                          "", profile::format_all(result.problems));
    };
    auto planned = plan_in(profile);
    if (planned.plan && !profile.staging.pool.empty()) {
        // staging.pool: the namespace is claimed (or, on a re-run, found) before anything is
        // made in it, with the labels a namespace deploy-staging creates would carry. Each
        // candidate is planned: its name is in every object.
        auto staged = profile;
        const auto namespaces = session.namespace_runner(streams.out);
        const auto claim = exec::claim_pool_namespace(
            session.kube(), *namespaces, profile.staging.pool, profile.name, loaded.run.id,
            [&](const std::string& ns) {
                staged.staging.staging_namespace = ns;
                planned = plan_in(staged);
                if (!planned.plan) {
                    throw refused(planned); // nothing is claimed for a plan with problems
                }
                return planned.plan->namespace_object.object["metadata"];
            });
        staged.staging.staging_namespace = claim.name;
        planned = plan_in(staged);
        progress.note(
            claim.claimed_now
                ? fmt::format("claimed namespace {} of pool {}", claim.name, profile.staging.pool)
                : fmt::format("continuing in namespace {} of pool {}, claimed by this "
                              "run before",
                              claim.name, profile.staging.pool));
    }
    if (!planned.plan) {
        throw refused(planned);
    }
    const auto& plan = *planned.plan;
    progress.note(fmt::format("staging namespace {}: {} volume{}, {} manifest file{}",
                              plan.staging_namespace, plan.volumes.size(),
                              plan.volumes.size() == 1 ? "" : "s", plan.stages.size(),
                              plan.stages.size() == 1 ? "" : "s"));

    // Run: the plan's steps through the runner.
    const auto deadline = session.wait_deadline(profile.staging.wait.timeout, start);
    plan::StagingReport report;
    try {
        // A connection that failed for good (http::TransportError) is an Error like any
        // other: below, an environment that may hold unmasked data is removed for it too.
        report = exec::run_staging_plan(
            plan, *runner, session.pool(), session.clock(), deadline,
            [] { return util::interrupted(); }, &session.fan_out());
    } catch (const Error& e) {
        if (!runner->sends()) {
            throw; // nothing was made: nothing to account for or remove
        }
        // Steps stopped starting and the requests in flight ended: say what is left.
        const auto stopped = [&](ExitCode code, const std::string& what) {
            std::vector<std::string> written_copy;
            {
                const std::lock_guard lock(written_mutex);
                written_copy = written;
            }
            auto details = discover::account_of(session.kube(), session.portworx(), profile,
                                                loaded.run.id, written_copy);
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
        if (e.code() == ExitCode::interrupted) {
            throw stopped(ExitCode::interrupted, "interrupted");
        }
        // Unmasked production data must not stay behind a failed masking job.
        const bool unmasked = plan.mask.has_value() && !options.keep_on_failure;
        const bool out_of_time =
            e.code() == ExitCode::timed_out && session.deadline().passed(session.clock().now());
        if (!unmasked && out_of_time) {
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
        const plan::TeardownTarget target{.profile = profile.name,
                                          .source_namespace = profile.source.source_namespace,
                                          .runs = {loaded.run.id},
                                          .snapshot_sets = {},
                                          .method_kinds =
                                              method::of(profile.snapshot.method).kept_kinds(),
                                          .staging_only = profile.staging.scoped()};
        const auto leftovers = exec::remove_after_failure(target, {.kube = session.kube(),
                                                                   .portworx = session.portworx(),
                                                                   .clock = session.clock(),
                                                                   .sleeper = session.sleeper()});
        details.insert(details.end(), leftovers.begin(), leftovers.end());
        throw Error(leftovers.empty() ? e.code() : ExitCode::partial,
                    fmt::format("{} (the environment was removed)", e.what()), e.hint(),
                    std::move(details));
    }
    if (!runner->sends()) {
        return; // the runner printed the requests: that is the dry run's report
    }

    // Report: ready (the plan's last step marked it so: list shows it ready).
    const auto took = std::chrono::duration_cast<milliseconds>(session.clock().now() - start);
    const auto record = output::staging_environment_record(plan, report);
    session.finish(nlohmann::json(output::to_json(record)));
    output::print_staging_environment(record, report, globals.output, took, streams.out);
}

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
