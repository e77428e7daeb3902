// `pxclone list`: the snapshot sets and staging environments of the profile (or of every profile),
// found by labels in the cluster, so any machine sees what any other made.
#include "pxclone/commands/list.hpp"

#include "pxclone/commands/commands.hpp"
#include "pxclone/commands/load_profile.hpp"
#include "pxclone/commands/records.hpp"
#include "pxclone/commands/session.hpp"
#include "pxclone/error.hpp"
#include "pxclone/exec/catalog.hpp"
#include "pxclone/method/method.hpp"
#include "pxclone/output/records.hpp"
#include "pxclone/plan/transfer_plan.hpp"
#include "pxclone/px/cloud_backup.hpp"
#include "pxclone/util/environment.hpp"

#include <algorithm>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace pxclone::cmd {

namespace {

// What list found: the sets, the environments, and which environments use each set.
struct Listing {
    std::vector<exec::SnapshotSet> sets;
    std::vector<exec::Environment> environments;
    std::map<std::string, std::vector<std::string>> used_by; // set id -> runs
    std::chrono::system_clock::time_point now;
};

// Each snapshot's cloud backup state, from one listing of the profile's backups in the source
// credential's store.
void add_transfer_states(Session& source, const profile::Profile& profile,
                         std::vector<output::SnapshotSetRecord>& sets) {
    const px::CloudBackupClient backups(source.portworx(), source.cluster_name());
    px::CloudBackupFilter filter;
    filter.credential_id = source.transfer_credential();
    filter.metadata = {{std::string(plan::k_managed_by_key), std::string(plan::k_managed_by_value)},
                       {std::string(plan::k_profile_key), profile.name}};
    const auto found = backups.enumerate_backups(filter);
    for (auto& set : sets) {
        for (auto& snapshot : set.snapshots) {
            snapshot.transfer = plan::transfer_state(found, profile.name, set.snapshot_set,
                                                     snapshot.portworx_snapshot_id);
        }
    }
}

void run_list(const GlobalOptions& globals, const ListOptions& options, Streams streams) {
    // Complete: the profile names the cluster, the Portworx endpoint and the profile to list.
    const util::ProcessEnvironment environment;
    const auto loaded = load_profile(globals, environment);
    validate_list(globals);

    // The environments are in the staging cluster, the sets in the source cluster.
    Session staging(globals, streams, loaded.profile, environment, ClusterSide::staging);
    if (!separate_clusters(loaded.profile)) {
        list(staging, staging, globals, loaded, options, streams);
        return;
    }
    Session source(globals, streams, loaded.profile, environment, ClusterSide::source);
    list(staging, source, globals, loaded, options, streams);
}

} // namespace

void validate_list(const GlobalOptions& globals) {
    if (globals.output == output::Format::env) {
        throw UsageError("list: -o env is not supported", "use -o text, json, yaml or name");
    }
}

void list(Session& session, const GlobalOptions& globals, const LoadedProfile& loaded,
          const ListOptions& options, Streams streams) {
    list(session, session, globals, loaded, options, streams);
}

void list(Session& staging, Session& source, const GlobalOptions& globals,
          const LoadedProfile& loaded, const ListOptions& options, Streams streams) {
    auto& session = staging;
    // Run: read-only listing on both APIs.
    // Every profile's sets may be of any method; one profile's are only of its method.
    auto scope = exec::catalog_scope(loaded.profile,
                                     options.all_profiles
                                         ? method::every_kept_kind()
                                         : method::of(loaded.profile.snapshot.method).kept_kinds());
    if (options.all_profiles) {
        scope.source_namespace.clear(); // every profile's sets: each in its own source namespace
    }
    const exec::Catalog catalog(staging.kube(), staging.portworx(), scope, &staging.pool());
    const auto profile = options.all_profiles ? std::string() : loaded.profile.name;
    Listing listing;
    listing.now = session.clock().now();
    if (&source == &staging) {
        listing.sets = catalog.snapshot_sets(profile);
    } else {
        listing.sets = exec::Catalog(source.kube(), source.portworx(), scope, &source.pool())
                           .snapshot_sets(profile);
    }
    listing.environments = exec::group_environments(catalog.staging_objects(profile));
    for (const auto& environment_entry : listing.environments) {
        for (const auto& set : environment_entry.snapshot_sets) {
            listing.used_by[set].push_back(environment_entry.run);
        }
    }
    for (auto& [set, runs] : listing.used_by) {
        std::sort(runs.begin(), runs.end());
    }

    std::vector<output::SnapshotSetRecord> sets;
    for (const auto& set : listing.sets) {
        const auto used = listing.used_by.find(set.id);
        sets.push_back(set_record(set, used == listing.used_by.end() ? std::vector<std::string>{}
                                                                     : used->second));
    }
    if (loaded.profile.transfer && !options.all_profiles && !listing.sets.empty()) {
        add_transfer_states(source, loaded.profile, sets);
    }
    std::vector<output::StagingEnvironmentRecord> environments;
    for (const auto& environment_entry : listing.environments) {
        environments.push_back(environment_record(environment_entry, listing.now));
    }
    session.finish(nlohmann::json(output::list_document(sets, environments)));

    if (globals.output == output::Format::text && listing.sets.empty() &&
        listing.environments.empty()) {
        streams.err << (options.all_profiles
                            ? std::string("No snapshot sets or staging environments found.\n")
                            : fmt::format("No snapshot sets or staging environments found for "
                                          "profile {}.\n",
                                          loaded.profile.name));
        return;
    }
    output::print_list(sets, environments, globals.output, options.all_profiles, listing.now,
                       streams.out);
}

void add_list_command(CLI::App& app, const GlobalOptions& globals, Streams streams) {
    auto options = std::make_shared<ListOptions>();
    auto* sub = app.add_subcommand(
        "list", "Show the profile's snapshot sets and staging environments (id, age, source, "
                "used-by, expiry, state); -o name prints snapshot-set/ID and run/ID");
    sub->add_flag("--all-profiles", options->all_profiles,
                  "List every profile's sets and environments, not only this profile's");
    sub->callback([&globals, options, streams] { run_list(globals, *options, streams); });
}

} // namespace pxclone::cmd
