// `pxclone list`: the snapshot sets and staging environments of the profile (or of every profile),
// found by labels in the cluster, so any machine sees what any other made.
#include "pxclone/commands/list.hpp"

#include "pxclone/commands/commands.hpp"
#include "pxclone/error.hpp"
#include "pxclone/exec/catalog.hpp"
#include "pxclone/output/format.hpp"
#include "pxclone/output/table.hpp"
#include "pxclone/util/environment.hpp"
#include "pxclone/util/quantity.hpp"
#include "pxclone/util/time.hpp"

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

std::string age_of(const std::string& created_at, std::chrono::system_clock::time_point now) {
    const auto created = util::parse_rfc3339(created_at);
    if (!created) {
        return "<unknown>";
    }
    return output::format_age(std::chrono::duration_cast<std::chrono::seconds>(now - *created));
}

// "in 20h", "2h ago", "-" when no TTL is recorded.
std::string expiry_of(const std::string& expires_at, std::chrono::system_clock::time_point now) {
    const auto expires = util::parse_rfc3339(expires_at);
    if (!expires) {
        return expires_at.empty() ? "-" : expires_at;
    }
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(*expires - now);
    return left.count() >= 0 ? "in " + output::format_age(left)
                             : output::format_age(-left) + " ago";
}

nlohmann::ordered_json set_json(const exec::SnapshotSet& set, const Listing& listing) {
    nlohmann::ordered_json snapshots = nlohmann::ordered_json::array();
    for (const auto& snapshot : set.snapshots) {
        snapshots.push_back({{"source", snapshot.source},
                             {"id", snapshot.id},
                             {"portworx_id", snapshot.portworx_id},
                             {"name", snapshot.name},
                             {"size", snapshot.size},
                             {"ready", snapshot.ready}});
    }
    const auto used = listing.used_by.find(set.id);
    return {{"id", set.id},
            {"profile", set.profile},
            {"method", set.method},
            {"created_at", set.created_at},
            {"source_namespace", set.source_namespace},
            {"git_sha", set.git_sha},
            {"build_id", set.build_id},
            {"expected", set.expected ? nlohmann::ordered_json(*set.expected) : nullptr},
            {"state", exec::set_state_name(set.state)},
            {"used_by", used == listing.used_by.end() ? std::vector<std::string>{} : used->second},
            {"snapshots", snapshots}};
}

// The NAMESPACE column: a `restore --new-pvc` copy names its PVCs too ("dev pvc/copy").
std::string namespace_of(const exec::Environment& environment) {
    if (environment.ns.empty()) {
        return "-";
    }
    if (environment.kind != "pvc") {
        return environment.ns;
    }
    std::string pvcs;
    for (const auto& pvc : environment.pvcs) {
        pvcs += (pvcs.empty() ? "pvc/" : ",pvc/") + pvc;
    }
    return environment.ns + " " + pvcs;
}

nlohmann::ordered_json environment_json(const exec::Environment& environment,
                                        const Listing& listing) {
    return {
        {"run", environment.run},
        {"profile", environment.profile},
        {"namespace", environment.ns},
        {"snapshot_set", environment.snapshot_set},
        {"snapshot_sets", environment.snapshot_sets},
        {"created_at", environment.created_at},
        {"expires_at", environment.expires_at},
        {"ready_at", environment.ready_at},
        {"kind", environment.kind},
        {"phase", environment.phase},
        {"pvcs", environment.pvcs},
        {"state", exec::environment_state_name(exec::judge_environment(environment, listing.now))},
        {"counts", environment.counts}};
}

void print_text(const Listing& listing, bool all_profiles, std::ostream& out) {
    const auto with_profile = [all_profiles](output::Row row, const std::string& profile) {
        if (all_profiles) {
            row.insert(row.begin() + 1, profile);
        }
        return row;
    };
    std::vector<output::Row> set_rows;
    for (const auto& set : listing.sets) {
        std::int64_t bytes = 0;
        for (const auto& snapshot : set.snapshots) {
            bytes += snapshot.size;
        }
        const auto count = set.expected ? fmt::format("{}/{}", set.snapshots.size(), *set.expected)
                                        : std::to_string(set.snapshots.size());
        const auto used = listing.used_by.find(set.id);
        set_rows.push_back(with_profile(
            {set.id, set.method, age_of(set.created_at, listing.now), set.source_namespace, count,
             bytes > 0 ? util::format_quantity(bytes) : "-",
             used == listing.used_by.end() ? "-" : fmt::format("{}", fmt::join(used->second, ",")),
             std::string(exec::set_state_name(set.state))},
            set.profile));
    }
    std::vector<output::Row> environment_rows;
    for (const auto& environment : listing.environments) {
        environment_rows.push_back(
            with_profile({environment.run, namespace_of(environment),
                          environment.snapshot_sets.empty()
                              ? "-"
                              : fmt::format("{}", fmt::join(environment.snapshot_sets, ",")),
                          age_of(environment.created_at, listing.now),
                          expiry_of(environment.expires_at, listing.now),
                          std::string(exec::environment_state_name(
                              exec::judge_environment(environment, listing.now)))},
                         environment.profile));
    }
    if (!set_rows.empty()) {
        out << "SNAPSHOT SETS\n";
        output::print_table(
            with_profile({"ID", "METHOD", "AGE", "SOURCE", "SNAPSHOTS", "SIZE", "USED-BY", "STATE"},
                         "PROFILE"),
            set_rows, out);
    }
    if (!environment_rows.empty()) {
        out << (set_rows.empty() ? "" : "\n") << "STAGING ENVIRONMENTS\n";
        output::print_table(
            with_profile({"RUN", "NAMESPACE", "SNAPSHOT-SET", "AGE", "EXPIRES", "STATE"},
                         "PROFILE"),
            environment_rows, out);
    }
}

void run_list(const GlobalOptions& globals, const ListOptions& options, Streams streams) {
    // Complete: the profile names the cluster, the Portworx endpoint and the profile to list.
    const util::ProcessEnvironment environment;
    const auto loaded = load_profile(globals, environment);
    validate_list(globals);

    Session session(globals, streams, loaded.profile, environment);
    list(session, globals, loaded, options, streams);
}

} // namespace

void validate_list(const GlobalOptions& globals) {
    if (globals.output == output::Format::env) {
        throw UsageError("list: -o env is not supported", "use -o text, json, yaml or name");
    }
}

void list(Session& session, const GlobalOptions& globals, const LoadedProfile& loaded,
          const ListOptions& options, Streams streams) {
    // Run: read-only listing on both APIs.
    // Every profile's sets may be CSI ones; one profile's are only with its method.
    const exec::Catalog catalog(session.kube(), session.portworx(),
                                options.all_profiles ||
                                    loaded.profile.snapshot.method == profile::SnapshotMethod::csi);
    const auto profile = options.all_profiles ? std::string() : loaded.profile.name;
    Listing listing;
    listing.now = session.clock().now();
    listing.sets = catalog.snapshot_sets(profile);
    const auto staging = catalog.staging_objects(profile);
    listing.environments = exec::group_environments(staging);
    for (const auto& environment_entry : listing.environments) {
        for (const auto& set : environment_entry.snapshot_sets) {
            listing.used_by[set].push_back(environment_entry.run);
        }
    }
    for (auto& [set, runs] : listing.used_by) {
        std::sort(runs.begin(), runs.end());
    }

    nlohmann::ordered_json result;
    result["snapshot_sets"] = nlohmann::ordered_json::array();
    for (const auto& set : listing.sets) {
        result["snapshot_sets"].push_back(set_json(set, listing));
    }
    result["environments"] = nlohmann::ordered_json::array();
    for (const auto& environment_entry : listing.environments) {
        result["environments"].push_back(environment_json(environment_entry, listing));
    }
    session.finish(nlohmann::json::parse(result.dump()));

    switch (globals.output) {
    case output::Format::json:
        output::print_json(result, streams.out);
        return;
    case output::Format::yaml:
        output::print_yaml(result, streams.out);
        return;
    case output::Format::name:
        for (const auto& set : listing.sets) {
            streams.out << "snapshot-set/" << set.id << '\n';
        }
        for (const auto& environment_entry : listing.environments) {
            streams.out << "run/" << environment_entry.run << '\n';
        }
        return;
    case output::Format::env:
    case output::Format::text:
        break;
    }
    if (listing.sets.empty() && listing.environments.empty()) {
        streams.err << (options.all_profiles
                            ? std::string("No snapshot sets or staging environments found.\n")
                            : fmt::format("No snapshot sets or staging environments found for "
                                          "profile {}.\n",
                                          loaded.profile.name));
        return;
    }
    print_text(listing, options.all_profiles, streams.out);
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
