// `pxclone restore`: roll staging PVCs back to their baseline in place (--pvc NAME... | --all),
// swap them to another snapshot set (--snapshot SET), or make a new PVC from one snapshot of a
// set (--new-pvc NAME -n NS --from PVC). Only PVCs pxclone made for this profile and run are
// touched; nothing is ever written to the source namespace.
//
// In place: discover (read-only: the PVCs, their PVs and clones, the baselines, the workloads
// mounting them) → plan (pure) → record the replica counts → scale to 0 → pods gone → volumes
// detached → SDK restore to the baseline → scale back → ready → annotation removed. The baseline
// is the clone's snapshot deploy-staging took once the data was masked: restoring it never brings
// back unmasked production data.
//
// To another set (portworx), and always for a csi volume (no baseline): the PVC is swapped to a
// new volume made from the set's snapshot exactly as deploy-staging makes it (same name, same
// labels, the run's), the old volume deleted, the profile's masking Job run again before the
// workloads come back, and (portworx) the new baseline taken. The new PV (portworx) or PVC (csi)
// says what it replaces until the swap is done, so that running the restore again finishes it.
//
// --new-pvc: the set's snapshot of the source PVC becomes a Portworx clone + static PV + PVC (or
// a CSI PVC with dataSource), generated exactly as deploy-staging does, labelled as a one-volume
// staging environment of the run (role staging), so `list` shows it and `teardown --run` removes
// it; then its baseline, so that it can itself be restored in place later.
#include "pxclone/discover/restore.hpp"

#include "pxclone/commands/commands.hpp"
#include "pxclone/commands/load_profile.hpp"
#include "pxclone/commands/session.hpp"
#include "pxclone/error.hpp"
#include "pxclone/exec/restore_runner.hpp"
#include "pxclone/exec/staging_runner.hpp"
#include "pxclone/output/restore.hpp"
#include "pxclone/util/interrupt.hpp"
#include "pxclone/util/text.hpp"

#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace pxclone::cmd {

namespace {

struct RestoreOptions {
    std::string snapshot_set;      // --snapshot
    std::vector<std::string> pvcs; // --pvc
    bool all = false;              // --all
    std::string ns;                // -n
    std::string new_pvc;           // --new-pvc
    std::string from;              // --from
};

// The command that runs this in-place restore again (it resumes where it stopped).
std::string restore_command(const GlobalOptions& globals, const RestoreOptions& options,
                            const std::string& run, const std::string& ns) {
    using util::shell_word;
    std::string command = "pxclone restore -p " + shell_word(globals.profile_path);
    if (!globals.kubeconfig.empty()) {
        command += " --kubeconfig " + shell_word(globals.kubeconfig);
    }
    if (!globals.context.empty()) {
        command += " --context " + shell_word(globals.context);
    }
    command += " --run " + shell_word(run) + " -n " + shell_word(ns);
    if (options.all) {
        command += " --all";
    }
    for (const auto& pvc : options.pvcs) {
        command += " --pvc " + shell_word(pvc);
    }
    if (!options.snapshot_set.empty()) {
        command += " --snapshot " + shell_word(options.snapshot_set);
    }
    return command;
}

discover::RestoreReaders readers_of(Session& session, const util::Environment& environment) {
    return {.kube = session.kube(),
            .portworx = [&session]() -> const px::Client& { return session.portworx(); },
            .pool = session.pool(),
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

void run_in_place(const GlobalOptions& globals, const RestoreOptions& options,
                  const LoadedProfile& loaded, Session& session,
                  const util::Environment& environment, Streams streams) {
    const auto& profile = loaded.profile;
    // Discover (reads only) and plan.
    const discover::InPlaceRequest request{
        .ns = options.ns.empty() ? profile.staging.staging_namespace : options.ns,
        .pvcs = options.pvcs,
        .all = options.all,
        .snapshot_set = options.snapshot_set};
    const auto& ns = request.ns;
    const auto plan =
        discover::discover_in_place(readers_of(session, environment), profile, loaded.run, request);
    auto& progress = session.progress();
    const auto count = plan.volumes.size() + plan.swaps.size();
    progress.note(fmt::format("restoring {} volume{} in {}; {} workload{} to stop", count,
                              count == 1 ? "" : "s", ns, plan.workloads.size(),
                              plan.workloads.size() == 1 ? "" : "s"));

    // Run: the plan through the runners (the dry-run ones print the requests instead).
    const bool text = globals.output == output::Format::text;
    const auto deadline = session.wait_deadline(profile.staging.wait.timeout);
    std::ostringstream requests;
    std::vector<std::string> ids;
    if (globals.dry_run) {
        if (text) {
            output::print_in_place_text(plan, {}, true, streams.out);
        }
        auto& out = text ? streams.out : requests;
        auto runner = exec::make_dry_run_restore_runner(out);
        auto staging = exec::make_dry_run_staging_runner(out);
        ids = exec::run_restore_plan(plan, *runner, *staging, deadline, cancelled);
    } else {
        const auto on_progress = [&progress](const std::string& key, const std::string& line) {
            progress.update(key, line);
        };
        exec::RestoreContext context{.clock = &session.clock(),
                                     .sleeper = &session.sleeper(),
                                     .on_progress = on_progress,
                                     .cancelled = cancelled};
        exec::StagingContext staging_context{.clock = &session.clock(),
                                             .sleeper = &session.sleeper(),
                                             .on_progress = on_progress,
                                             .cancelled = cancelled};
        auto runner = exec::make_restore_runner(session.kube(), session.portworx(), context);
        auto staging =
            exec::make_staging_runner(session.kube(), &session.portworx(), staging_context);
        ids = exec::run_restore_plan(plan, *runner, *staging, deadline, cancelled,
                                     restore_command(globals, options, loaded.run.id, ns));
    }

    // Report.
    const auto result = output::in_place_document(plan, ids, globals.dry_run, requests.str());
    session.finish(nlohmann::json(result));
    if (!text) {
        output::print_document(result, globals.output, streams.out);
    } else if (!globals.dry_run) {
        output::print_in_place_text(plan, ids, false, streams.out);
    }
}

void run_new_pvc(const GlobalOptions& globals, const RestoreOptions& options,
                 const LoadedProfile& loaded, Session& session,
                 const util::Environment& environment, Streams streams) {
    const auto& profile = loaded.profile;
    // Discover (reads only) and plan.
    const auto found =
        discover::discover_new_pvc(readers_of(session, environment), profile, loaded.run,
                                   {.ns = options.ns,
                                    .pvc = options.new_pvc,
                                    .from = options.from,
                                    .snapshot_set = options.snapshot_set});
    const auto& plan = found.plan;

    // Run.
    auto& progress = session.progress();
    exec::StagingContext context{
        .clock = &session.clock(),
        .sleeper = &session.sleeper(),
        .on_progress = [&progress](const std::string& key,
                                   const std::string& line) { progress.update(key, line); },
        .cancelled = cancelled,
    };
    const bool portworx = plan.volumes.at(0).method == profile::SnapshotMethod::portworx;
    const bool text = globals.output == output::Format::text;
    std::ostringstream requests;
    auto runner = globals.dry_run
                      ? exec::make_dry_run_staging_runner(text ? streams.out : requests)
                      : exec::make_staging_runner(
                            session.kube(), portworx ? &session.portworx() : nullptr, context);
    const auto deadline = session.wait_deadline(profile.staging.wait.timeout, found.start);
    const auto report =
        exec::run_staging_plan(plan, *runner, session.pool(), session.clock(), deadline, cancelled);

    // Report.
    const output::NewPvcReport made{.ns = options.ns,
                                    .pvc = options.new_pvc,
                                    .run = found.run,
                                    .snapshot_set = found.snapshot_set,
                                    .source = found.source,
                                    .clone_id = report.volumes.at(0).clone_id,
                                    .expires_at = plan.expires_at};
    const auto result = output::new_pvc_document(made, globals.dry_run, requests.str());
    session.finish(nlohmann::json(result));
    if (!text) {
        output::print_document(result, globals.output, streams.out);
    } else if (!globals.dry_run) {
        output::print_new_pvc_text(made, streams.out);
    }
}

void run_restore(const GlobalOptions& globals, const RestoreOptions& options, Streams streams) {
    // Complete.
    const util::ProcessEnvironment environment;
    const auto loaded = load_profile(globals, environment);
    const auto& profile = loaded.profile;

    // Validate: one mode, its flags, an output we can print.
    if (globals.output != output::Format::text && globals.output != output::Format::json &&
        globals.output != output::Format::yaml) {
        throw UsageError(
            fmt::format("restore: -o {} is not supported", output::format_name(globals.output)),
            "use -o text, json or yaml");
    }
    const bool new_pvc = !options.new_pvc.empty();
    if (new_pvc) {
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
    } else {
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

    // Run.
    util::install_interrupt_handlers();
    Session session(globals, streams, profile, environment);
    if (new_pvc) {
        run_new_pvc(globals, options, loaded, session, environment, streams);
    } else {
        run_in_place(globals, options, loaded, session, environment, streams);
    }
}

} // namespace

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
