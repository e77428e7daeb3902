// `pxclone teardown`: delete what pxclone made for one run (--run ID), for every expired run
// (--expired) or for every run of the profile (--all), found by labels on both APIs; with
// --snapshots also the snapshot sets those runs used, unless another live environment uses them.
#include "pxclone/exec/teardown.hpp"

#include "pxclone/commands/commands.hpp"
#include "pxclone/commands/load_profile.hpp"
#include "pxclone/commands/records.hpp"
#include "pxclone/commands/session.hpp"
#include "pxclone/error.hpp"
#include "pxclone/exec/catalog.hpp"
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

struct TeardownOptions {
    bool expired = false;   // --expired
    bool all = false;       // --all
    bool snapshots = false; // --snapshots
};

// The runs and sets chosen, and the sets kept because another environment uses them.
struct Selection {
    plan::TeardownTarget target;
    std::map<std::string, std::vector<std::string>> kept_sets; // set -> runs still using it
};

// Which runs and sets to tear down (reads the catalog; no write).
Selection select_target(const GlobalOptions& globals, const TeardownOptions& options,
                        const LoadedProfile& loaded, const exec::Catalog& catalog,
                        std::chrono::system_clock::time_point now) {
    Selection selection;
    auto& target = selection.target;
    target.profile = loaded.profile.name;
    target.source_namespace = loaded.profile.source.source_namespace;
    target.csi = method::of(loaded.profile.snapshot.method).uses_volume_snapshots();

    const auto staging = catalog.staging_objects(target.profile);
    const auto environments = exec::group_environments(staging);
    if (!globals.run_id.empty()) {
        target.runs.insert(loaded.run.id);
    } else {
        for (const auto& environment : environments) {
            if (options.all || exec::is_expired(environment, now)) {
                target.runs.insert(environment.run);
            }
        }
    }
    if (!options.snapshots) {
        return selection;
    }

    // The sets these runs used, and a set taken by the run itself (deploy-staging --fresh).
    std::set<std::string> candidates;
    for (const auto& environment : environments) {
        if (target.runs.count(environment.run) != 0) {
            candidates.insert(environment.snapshot_sets.begin(), environment.snapshot_sets.end());
        }
    }
    const auto sets = catalog.snapshot_sets(target.profile);
    for (const auto& run : target.runs) {
        if (exec::find_set(sets, run) != nullptr) {
            candidates.insert(run);
        }
    }
    const auto in_use = exec::snapshot_sets_used(staging, target.runs);
    for (const auto& set : candidates) {
        if (in_use.count(set) == 0) {
            target.snapshot_sets.insert(set);
            continue;
        }
        auto& users = selection.kept_sets[set];
        for (const auto& environment : environments) {
            if (environment.snapshot_sets.contains(set) &&
                target.runs.count(environment.run) == 0) {
                users.push_back(environment.run);
            }
        }
    }
    return selection;
}

void print_text_plan(const Selection& selection, const plan::TeardownPlan& plan, bool dry_run,
                     std::ostream& out) {
    const auto& target = selection.target;
    out << fmt::format("teardown of run{} {}", target.runs.size() == 1 ? "" : "s",
                       target.runs.empty() ? "(none)"
                                           : fmt::format("{}", fmt::join(target.runs, ", ")));
    if (!target.snapshot_sets.empty()) {
        out << fmt::format(" and snapshot set{} {}", target.snapshot_sets.size() == 1 ? "" : "s",
                           fmt::join(target.snapshot_sets, ", "));
    }
    out << fmt::format(": {} object{} to delete{}\n", plan.deletions.size(),
                       plan.deletions.size() == 1 ? "" : "s", dry_run ? " (dry run)" : "");
    if (dry_run) {
        for (const auto& deletion : plan.deletions) {
            out << fmt::format("  {}   # {}\n", exec::delete_request(deletion.object),
                               deletion.object.describe());
        }
    }
}

void run_teardown(const GlobalOptions& globals, const TeardownOptions& options, Streams streams) {
    // Complete.
    const util::ProcessEnvironment environment;
    const auto loaded = load_profile(globals, environment);

    // Validate: exactly one way of choosing, and explicitly (a run id from CI variables alone
    // never selects what to delete).
    const int modes =
        (globals.run_id.empty() ? 0 : 1) + (options.expired ? 1 : 0) + (options.all ? 1 : 0);
    if (modes != 1) {
        throw UsageError("teardown: give exactly one of --run ID, --expired or --all",
                         "`pxclone list` shows the runs of this profile");
    }
    if (globals.output != output::Format::text && globals.output != output::Format::json) {
        throw UsageError(
            fmt::format("teardown: -o {} is not supported", output::format_name(globals.output)),
            "use -o text or -o json");
    }

    // Run: find (read-only), plan (pure), delete, verify.
    util::install_interrupt_handlers();
    Session session(globals, streams, loaded.profile, environment);
    const auto& portworx = session.portworx();
    const exec::Catalog catalog(session.kube(), portworx,
                                method::of(loaded.profile.snapshot.method).uses_volume_snapshots());
    const auto selection = select_target(globals, options, loaded, catalog, session.clock().now());
    const auto& target = selection.target;
    for (const auto& [set, users] : selection.kept_sets) {
        std::string runs;
        for (const auto& run : users) {
            runs += (runs.empty() ? "" : ", ") + run;
        }
        session.progress().warn(
            fmt::format("keeping snapshot set {}: still used by run {}", set, runs));
    }

    const auto found = exec::find_target_objects(session.kube(), portworx, target, &session.pool());
    const auto plan = plan::plan_teardown(target, found);
    std::set<std::string> sets_not_asked;
    for (const auto& refusal : plan.refused) {
        if (!refusal.not_selected) {
            session.progress().warn(
                fmt::format("not deleting {}: {}", refusal.object.describe(), refusal.reason));
        } else if (const auto set =
                       refusal.object.labels.find(std::string(plan::k_snapshot_set_key));
                   !options.snapshots && set != refusal.object.labels.end() &&
                   refusal.object.labels.count(std::string(plan::k_role_key)) != 0 &&
                   refusal.object.labels.at(std::string(plan::k_role_key)) ==
                       plan::role_name(plan::Role::snapshot)) {
            sets_not_asked.insert(set->second);
        }
    }
    for (const auto& set : sets_not_asked) {
        session.progress().note(
            fmt::format("snapshot set {} kept (add --snapshots to delete it)", set));
    }

    const auto report_of = [&](const exec::TeardownReport* report) {
        return nlohmann::ordered_json(output::to_json(
            teardown_record(target.runs, target.snapshot_sets, globals.dry_run, plan, report)));
    };
    const bool text = globals.output == output::Format::text;
    if (plan.empty()) {
        const auto result = report_of(nullptr);
        session.finish(nlohmann::json(result));
        if (text) {
            streams.out << "nothing to delete\n";
        } else {
            output::print_json(result, streams.out);
        }
        return;
    }

    if (globals.dry_run) {
        const auto result = report_of(nullptr);
        session.finish(nlohmann::json(result));
        if (text) {
            print_text_plan(selection, plan, true, streams.out);
        } else {
            output::print_json(result, streams.out);
        }
        return;
    }

    if (text) {
        print_text_plan(selection, plan, false, streams.out);
    }
    exec::TeardownContext context{.kube = session.kube(),
                                  .portworx = portworx,
                                  .clock = session.clock(),
                                  .sleeper = session.sleeper()};
    context.timeout = session.timeout_or(loaded.profile.staging.wait.timeout);
    context.on_progress = [&session](const std::string& key, const std::string& line) {
        session.progress().update(key, line);
    };
    context.on_done = [&session](const std::string& key, bool ok) {
        session.progress().done(key, ok);
    };
    context.on_deleted = [text, &streams, &session](const plan::FoundObject& object, bool existed) {
        if (text) {
            // Through progress: stdout may share the terminal with its live lines.
            session.progress().print(streams.out,
                                     object.describe() + (existed ? " deleted" : " already gone"));
        }
    };
    context.cancelled = [] {
        return util::interrupted();
    };
    // Deletions and waits cost the client little while the server works: the fan-out width.
    context.pool = &session.fan_out();
    const auto report = exec::execute_teardown(target, plan, context);

    const auto result = report_of(&report);
    session.finish(nlohmann::json(result));
    if (!text) {
        output::print_json(result, streams.out);
    }
    if (!report.ok()) {
        std::vector<std::string> details;
        std::vector<std::string> hints; // distinct, in order
        bool finalizers = false;
        std::size_t kept = 0;
        for (const auto& failure : report.failed) {
            details.push_back(failure.object.describe() + ": " + failure.error);
            finalizers = finalizers || failure.error.find("finalizers") != std::string::npos;
            kept += failure.kept ? 1 : 0;
            if (!failure.hint.empty() &&
                std::find(hints.begin(), hints.end(), failure.hint) == hints.end()) {
                hints.push_back(failure.hint);
            }
        }
        const auto failed = report.failed.size() - kept;
        std::string headline;
        if (report.failed.size() == 1) {
            // One object: the headline names it and why (e.g. a namespace and its finalizer),
            // and no detail line says it again.
            headline = fmt::format("teardown incomplete: 1 object could not be deleted: {}",
                                   details.front());
            details.clear();
        } else {
            headline = fmt::format("teardown incomplete: {} object{} could not be deleted", failed,
                                   failed == 1 ? "" : "s");
            if (kept != 0) {
                headline += fmt::format(", and {} that {} refer{} to kept", kept,
                                        failed == 1 ? "it" : "they", failed == 1 ? "s" : "");
            }
        }
        std::string hint =
            finalizers ? "finalizers hold it: pxclone never removes finalizers it did not set; "
                         "once the systems that own them have, run the same teardown again (it "
                         "is idempotent)"
                       : "fix the cause, then run the same teardown again (it is idempotent)";
        if (!hints.empty()) {
            hint = fmt::format("{}; then run the same teardown again (it is idempotent)",
                               fmt::join(hints, "; "));
        }
        throw Error(ExitCode::partial, headline, hint, std::move(details));
    }
    if (text) {
        streams.out << fmt::format("teardown complete: {} object{} deleted\n",
                                   report.deleted.size(), report.deleted.size() == 1 ? "" : "s");
    }
}

} // namespace

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
