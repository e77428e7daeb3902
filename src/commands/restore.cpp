// `pxclone restore`: roll staging PVCs back in place (--pvc NAME... | --all), swap them to
// another snapshot set (--snapshot SET), or make a new PVC from one snapshot of a set (--new-pvc
// NAME -n NS --from PVC). Only PVCs pxclone made for this profile and run are touched; nothing is
// ever written to the source namespace.
//
// Wiring only: options -> profile -> discover (discover/restore.hpp, reads only) -> plan
// (plan/restore_plan.hpp, staging_plan.hpp) -> run (the session's runners, exec/restore_runner.hpp
// and staging_runner.hpp; under --dry-run their twins print the requests) -> report
// (output/restore.hpp).
#include "pxclone/commands/restore.hpp"

#include "pxclone/commands/commands.hpp"
#include "pxclone/commands/staging_data.hpp"
#include "pxclone/discover/extend.hpp"
#include "pxclone/discover/restore.hpp"
#include "pxclone/error.hpp"
#include "pxclone/exec/restore_runner.hpp"
#include "pxclone/exec/staging_runner.hpp"
#include "pxclone/method/method.hpp"
#include "pxclone/output/restore.hpp"
#include "pxclone/util/interrupt.hpp"

#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace pxclone::cmd {

namespace {

discover::RestoreReaders readers_of(Session& session, const StagingData& data,
                                    const util::Environment& environment) {
    return {.kube = session.kube(),
            .portworx = [&session]() -> const px::Client& { return session.portworx(); },
            .pool = session.pool(),
            .sets = data.sets(),
            .clock = session.clock(),
            .environment = environment,
            .note =
                [&session](const std::string& line) {
                    session.progress().note(line);
                }};
}

bool cancelled() {
    return util::interrupted();
}

// What the runners report to: the progress lines, and Ctrl-C.
exec::StagingContext runner_context(Session& session) {
    return {.clock = &session.clock(),
            .sleeper = &session.sleeper(),
            .on_progress =
                [&session](const std::string& key, const std::string& line) {
                    session.progress().update(key, line);
                },
            .cancelled = cancelled};
}

void run_in_place(const GlobalOptions& globals, const RestoreOptions& options,
                  const LoadedProfile& loaded, Session& session,
                  const util::Environment& environment, Streams streams) {
    auto ns = options.ns.empty() ? loaded.profile.staging.staging_namespace : options.ns;
    if (ns.empty() && !loaded.profile.staging.pool.empty()) {
        // staging.pool: the namespace the run claimed carries its labels.
        const auto claimed =
            discover::staging_namespaces(session.kube(), loaded.profile.name, loaded.run.id);
        if (claimed.empty()) {
            throw Error(ExitCode::not_found,
                        fmt::format("run {} holds no namespace of pool {}", loaded.run.id,
                                    loaded.profile.staging.pool),
                        "deploy it first, or name the namespace with -n");
        }
        ns = claimed.front().value(nlohmann::json::json_pointer("/metadata/name"), "");
    }
    const discover::InPlaceRequest request{.ns = ns,
                                           .pvcs = options.pvcs,
                                           .all = options.all,
                                           .snapshot_set = options.snapshot_set,
                                           .planned_set = std::nullopt};
    // The dry-run runners print the requests after the summary, or into the document.
    const bool text = globals.output == output::Format::text;
    std::ostringstream requests;
    const StagingData data(session, globals, "restore");
    const auto done = restore_in_place(
        session, data, loaded, request, environment, text ? streams.out : requests,
        output::restore_command({loaded.run.id, request.ns, options.all, options.pvcs,
                                 options.snapshot_set, globals.profile_path, globals.kubeconfig,
                                 globals.context}),
        [text, &streams](const plan::RestorePlan& plan, bool sends) {
            if (text && !sends) {
                output::print_in_place_text(plan, {}, true, streams.out);
            }
        });

    // Report.
    const auto result = output::in_place_document(done.plan, done.ids, !done.sent, requests.str());
    session.finish(nlohmann::json(result));
    if (!text) {
        output::print_document(result, globals.output, streams.out);
    } else if (done.sent) {
        output::print_in_place_text(done.plan, done.ids, false, streams.out);
    }
}

void run_new_pvc(const GlobalOptions& globals, const RestoreOptions& options,
                 const LoadedProfile& loaded, Session& session,
                 const util::Environment& environment, Streams streams) {
    const auto& profile = loaded.profile;
    // Discover (reads only) and plan.
    const StagingData data(session, globals, "restore");
    const auto found =
        discover::discover_new_pvc(readers_of(session, data, environment), profile, loaded.run,
                                   {.ns = options.ns,
                                    .pvc = options.new_pvc,
                                    .from = options.from,
                                    .snapshot_set = options.snapshot_set});
    const auto& plan = found.plan;

    // Run.
    // A volume made without a Portworx clone (csi: a PVC from a VolumeSnapshot) needs no
    // Portworx call.
    const bool portworx = plan.volumes.at(0).clone.has_value();
    const bool text = globals.output == output::Format::text;
    std::ostringstream requests;
    auto& dry_out = text ? streams.out : requests;
    const auto context = runner_context(session);
    auto runner = data.runner([&] { return session.staging_runner(portworx, context, dry_out); },
                              context, dry_out);
    const bool sends = runner->sends();
    const auto deadline = session.wait_deadline(profile.staging.wait.timeout, found.start);
    const auto report =
        exec::run_staging_plan(plan, *runner, session.pool(), session.clock(), deadline, cancelled);

    // Report.
    const auto& clone_id = report.volumes.at(0).clone_id;
    const auto result = output::new_pvc_document(plan, clone_id, !sends, requests.str());
    session.finish(nlohmann::json(result));
    if (!text) {
        output::print_document(result, globals.output, streams.out);
    } else if (sends) {
        output::print_new_pvc_text(plan, clone_id, streams.out);
    }
}

void run_restore(const GlobalOptions& globals, const RestoreOptions& options, Streams streams) {
    // Complete and validate.
    const util::ProcessEnvironment environment;
    const auto loaded = load_profile(globals, environment);
    validate_restore(globals, options, loaded.profile);

    util::install_interrupt_handlers();
    Session session(globals, streams, loaded.profile, environment, ClusterSide::staging);
    restore(session, globals, loaded, options, environment, streams);
}

} // namespace

InPlaceResult
restore_in_place(Session& session, const StagingData& data, const LoadedProfile& loaded,
                 const discover::InPlaceRequest& request, const util::Environment& environment,
                 std::ostream& dry_out, const std::string& finish_command,
                 const std::function<void(const plan::RestorePlan&, bool)>& before_run) {
    // Discover (reads only) and plan.
    InPlaceResult result{.plan = discover::discover_in_place(readers_of(session, data, environment),
                                                             loaded.profile, loaded.run, request),
                         .ids = {},
                         .sent = true};
    const auto& plan = result.plan;
    const auto count = plan.volumes.size() + plan.swaps.size();
    session.progress().note(fmt::format("restoring {} volume{} in {}; {} workload{} to stop", count,
                                        count == 1 ? "" : "s", request.ns, plan.workloads.size(),
                                        plan.workloads.size() == 1 ? "" : "s"));

    // Run: the plan through the session's runners (the dry-run ones print the requests).
    const auto deadline = session.wait_deadline(loaded.profile.staging.wait.timeout);
    const auto context = runner_context(session);
    auto runner = session.restore_runner({.clock = context.clock,
                                          .sleeper = context.sleeper,
                                          .on_progress = context.on_progress,
                                          .cancelled = context.cancelled},
                                         dry_out);
    // A swap's volume is made from its set (cloned, or restored from its cloud backup); a
    // roll-back to the baselines needs no set.
    const MakeRunner make_staging = [&] {
        return session.staging_runner(true, context, dry_out);
    };
    auto staging =
        plan.swaps.empty() ? make_staging() : data.runner(make_staging, context, dry_out);
    result.sent = staging->sends();
    if (before_run) {
        before_run(plan, result.sent);
    }
    result.ids =
        exec::run_restore_plan(plan, *runner, *staging, deadline, cancelled, finish_command);
    return result;
}

void validate_restore(const GlobalOptions& globals, const RestoreOptions& options,
                      const profile::Profile& profile) {
    if (globals.output != output::Format::text && globals.output != output::Format::json &&
        globals.output != output::Format::yaml) {
        throw UsageError(
            fmt::format("restore: -o {} is not supported", output::format_name(globals.output)),
            "use -o text, json or yaml");
    }
    if (!options.new_pvc.empty()) {
        if (!options.pvcs.empty() || options.all) {
            throw UsageError("restore: --new-pvc makes a new PVC; it cannot be combined with "
                             "--pvc or --all");
        }
        if (options.snapshot_set.empty() || options.ns.empty() || options.from.empty()) {
            throw UsageError("restore --new-pvc needs --snapshot SET, -n NAMESPACE and --from "
                             "SOURCE_PVC",
                             "`pxclone list` shows the snapshot sets");
        }
        if (options.ns == profile.source.source_namespace) {
            throw UsageError(fmt::format("restore refused: -n {} is the source namespace; "
                                         "pxclone never writes there",
                                         options.ns),
                             "give another namespace");
        }
        return;
    }
    if (globals.run_id.empty()) {
        throw UsageError("restore: give --run RUN, the staging environment to restore",
                         "`pxclone list` shows the runs of this profile");
    }
    if (options.pvcs.empty() == !options.all) {
        throw UsageError("restore: give --pvc NAME (repeatable) or --all",
                         "or --new-pvc NAME -n NAMESPACE --from SOURCE_PVC for a new PVC");
    }
    if (!options.from.empty()) {
        throw UsageError("restore: --from goes with --new-pvc");
    }
}

void restore(Session& session, const GlobalOptions& globals, const LoadedProfile& loaded,
             const RestoreOptions& options, const util::Environment& environment, Streams streams) {
    if (!options.new_pvc.empty()) {
        run_new_pvc(globals, options, loaded, session, environment, streams);
    } else {
        run_in_place(globals, options, loaded, session, environment, streams);
    }
}

void add_restore_command(CLI::App& app, const GlobalOptions& globals, Streams streams) {
    auto options = std::make_shared<RestoreOptions>();
    auto* sub = app.add_subcommand(
        "restore",
        "Roll staging PVCs back in place to the data deploy-staging gave them, or to another "
        "snapshot set (--run RUN --pvc NAME... | --all [--snapshot SET]), or make a new PVC from a "
        "snapshot (--snapshot SET --new-pvc NAME -n NS "
        "--from SOURCE_PVC)");
    sub->add_option("--snapshot", options->snapshot_set,
                    "Snapshot set (in place: default the PVCs' own set; another set swaps them to "
                    "new volumes from its snapshots, masked again)")
        ->option_text("SET");
    sub->add_option("--pvc", options->pvcs, "Staging PVC to roll back (repeatable)")
        ->option_text("NAME");
    sub->add_flag("--all", options->all, "Every staging PVC of the run");
    sub->add_option("-n,--namespace", options->ns,
                    "Namespace (in place: default the profile's staging namespace of the run)")
        ->option_text("NAMESPACE");
    sub->add_option("--new-pvc", options->new_pvc, "Make this new PVC from the snapshot")
        ->option_text("NAME");
    sub->add_option("--from", options->from, "With --new-pvc: the source PVC whose snapshot to use")
        ->option_text("SOURCE_PVC");
    sub->footer("Only PVCs pxclone made for this profile and run are restored (a production PVC "
                "is refused with exit 2). In place, the workloads mounting the PVCs are scaled to "
                "0 (their counts kept in the pxclone.io/restore-replicas annotation, so a "
                "restore that was interrupted resumes when run again), the volumes are restored "
                "to their baseline (the masked data deploy-staging gave them) and the workloads "
                "scaled back. With --snapshot SET of another set (or for a csi environment) each "
                "PVC is made again under its name from the set's snapshot, the old volume "
                "deleted and the masking Job run again before the workloads come back; running "
                "the same restore again finishes an interrupted one. --dry-run prints every write "
                "without sending it.");
    sub->callback([&globals, options, streams] { run_restore(globals, *options, streams); });
}

} // namespace pxclone::cmd
