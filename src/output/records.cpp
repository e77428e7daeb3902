#include "pxclone/output/records.hpp"

#include "pxclone/output/table.hpp"
#include "pxclone/util/duration.hpp"
#include "pxclone/util/quantity.hpp"
#include "pxclone/util/time.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace pxclone::output {

namespace {

using nlohmann::ordered_json;

ordered_json snapshot_json(const SnapshotRecord& snapshot) {
    ordered_json out{{"source", snapshot.source}, {"pvc", snapshot.pvc}};
    if (snapshot.volume_id) {
        out["volumeId"] = *snapshot.volume_id;
    }
    out["snapshotId"] = snapshot.snapshot_id;
    out["portworxSnapshotId"] = snapshot.portworx_snapshot_id;
    out["name"] = snapshot.name;
    out["sizeBytes"] = snapshot.size_bytes;
    out["ready"] = snapshot.ready;
    if (snapshot.reused) {
        out["reused"] = *snapshot.reused;
    }
    if (snapshot.duration_ms) {
        out["durationMs"] = *snapshot.duration_ms;
    }
    if (snapshot.transfer) {
        out["transfer"] = *snapshot.transfer;
    }
    return out;
}

ordered_json object_json(const TeardownObjectRecord& entry) {
    const auto& object = entry.object;
    ordered_json out{{"kind", plan::teardown_kind_name(object.kind)}};
    if (!object.ns.empty()) {
        out["namespace"] = object.ns;
    }
    out["name"] = object.name;
    if (!object.id.empty()) {
        out["volumeId"] = object.id;
    }
    return out;
}

ordered_json objects_json(const std::vector<TeardownObjectRecord>& entries,
                          ordered_json (*extra)(const TeardownObjectRecord&, ordered_json)) {
    auto list = ordered_json::array();
    for (const auto& entry : entries) {
        list.push_back(extra(entry, object_json(entry)));
    }
    return list;
}

// The age of an RFC 3339 time at `now`, "<unknown>" when it does not parse.
std::string age_of(const std::string& created_at, std::chrono::system_clock::time_point now) {
    const auto created = util::parse_rfc3339(created_at);
    if (!created) {
        return "<unknown>";
    }
    return format_age(std::chrono::duration_cast<std::chrono::seconds>(now - *created));
}

// "in 20h", "2h ago", "never" when pinned, "-" when no TTL is recorded.
std::string expiry_of(const std::string& expires_at, bool pinned,
                      std::chrono::system_clock::time_point now) {
    if (pinned) {
        return "never";
    }
    const auto expires = util::parse_rfc3339(expires_at);
    if (!expires) {
        return expires_at.empty() ? "-" : expires_at;
    }
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(*expires - now);
    return left.count() >= 0 ? "in " + format_age(left) : format_age(-left) + " ago";
}

// The NAMESPACE column: a `restore --new-pvc` copy names its PVCs too ("dev pvc/copy").
std::string namespace_column(const StagingEnvironmentRecord& environment) {
    if (environment.ns.empty()) {
        return "-";
    }
    if (environment.type != "pvc") {
        // A pool's namespace is the admin's: teardown releases it, never deletes it.
        return environment.pool.empty() ? environment.ns
                                        : environment.ns + " (pool " + environment.pool + ")";
    }
    std::string pvcs;
    for (const auto& pvc : environment.pvcs) {
        pvcs += (pvcs.empty() ? "pvc/" : ",pvc/") + pvc;
    }
    return environment.ns + " " + pvcs;
}

void print_list_text(const std::vector<SnapshotSetRecord>& sets,
                     const std::vector<StagingEnvironmentRecord>& environments, bool all_profiles,
                     std::chrono::system_clock::time_point now, std::ostream& out) {
    const auto with_profile = [all_profiles](Row row, const std::string& profile) {
        if (all_profiles) {
            row.insert(row.begin() + 1, profile);
        }
        return row;
    };
    // The TRANSFER column (a profile with a transfer): each volume's backup, in the set's order.
    const bool transfer = std::any_of(sets.begin(), sets.end(), [](const SnapshotSetRecord& set) {
        return std::any_of(set.snapshots.begin(), set.snapshots.end(),
                           [](const SnapshotRecord& snapshot) { return snapshot.transfer; });
    });
    std::vector<Row> set_rows;
    for (const auto& set : sets) {
        std::int64_t bytes = 0;
        for (const auto& snapshot : set.snapshots) {
            bytes += snapshot.size_bytes;
        }
        const auto count = set.expected_snapshots
                               ? fmt::format("{}/{}", set.snapshots.size(), *set.expected_snapshots)
                               : std::to_string(set.snapshots.size());
        set_rows.push_back(with_profile(
            {set.snapshot_set, set.method, age_of(set.created_at, now), set.source_namespace, count,
             bytes > 0 ? util::format_quantity(bytes) : "-",
             set.used_by.empty() ? "-" : fmt::format("{}", fmt::join(set.used_by, ",")), set.state},
            set.profile));
        if (transfer) {
            std::vector<std::string> states;
            for (const auto& snapshot : set.snapshots) {
                states.push_back(snapshot.pvc + ":" + snapshot.transfer.value_or("-"));
            }
            set_rows.back().push_back(states.empty() ? std::string("-")
                                                     : fmt::format("{}", fmt::join(states, ",")));
        }
    }
    std::vector<Row> environment_rows;
    for (const auto& environment : environments) {
        environment_rows.push_back(with_profile(
            {environment.run, namespace_column(environment),
             environment.snapshot_sets.empty()
                 ? "-"
                 : fmt::format("{}", fmt::join(environment.snapshot_sets, ",")),
             age_of(environment.created_at, now),
             expiry_of(environment.expires_at, environment.pinned, now), environment.state},
            environment.profile));
    }
    if (!set_rows.empty()) {
        out << "SNAPSHOT SETS\n";
        auto header = with_profile(
            {"ID", "METHOD", "AGE", "SOURCE", "SNAPSHOTS", "SIZE", "USED-BY", "STATE"}, "PROFILE");
        if (transfer) {
            header.push_back("TRANSFER");
        }
        print_table(header, set_rows, out);
    }
    if (!environment_rows.empty()) {
        out << (set_rows.empty() ? "" : "\n") << "STAGING ENVIRONMENTS\n";
        print_table(with_profile({"RUN", "NAMESPACE", "SNAPSHOT-SET", "AGE", "EXPIRES", "STATE"},
                                 "PROFILE"),
                    environment_rows, out);
    }
}

} // namespace

ordered_json document(std::string_view kind, const ordered_json& body) {
    ordered_json out{{"apiVersion", k_api_version}, {"kind", kind}};
    for (auto it = body.begin(); it != body.end(); ++it) {
        out[it.key()] = it.value();
    }
    return out;
}

void print_document(const ordered_json& value, Format format, std::ostream& out) {
    if (format == Format::yaml) {
        print_yaml(value, out);
    } else {
        print_json(value, out);
    }
}

ordered_json to_json(const SnapshotSetRecord& record) {
    auto snapshots = ordered_json::array();
    for (const auto& snapshot : record.snapshots) {
        snapshots.push_back(snapshot_json(snapshot));
    }
    ordered_json body{{"snapshotSet", record.snapshot_set},
                      {"profile", record.profile},
                      {"method", record.method},
                      {"sourceNamespace", record.source_namespace},
                      {"createdAt", record.created_at},
                      {"gitSha", record.git_sha},
                      {"buildId", record.build_id},
                      {"state", record.state},
                      {"expectedSnapshots", record.expected_snapshots
                                                ? ordered_json(*record.expected_snapshots)
                                                : ordered_json(nullptr)},
                      {"usedBy", record.used_by}};
    if (record.duration_ms) {
        body["durationMs"] = *record.duration_ms;
    }
    body["snapshots"] = std::move(snapshots);
    if (record.pruned) {
        body["pruned"] = *record.pruned;
    }
    return document("SnapshotSet", body);
}

SnapshotSetRecord snapshot_set_record(const plan::SnapshotPlan& plan,
                                      const plan::Lineage& lineage) {
    SnapshotSetRecord record{.snapshot_set = plan.set_id,
                             .profile = lineage.profile,
                             .method = std::string(profile::method_name(plan.method)),
                             .source_namespace = plan.source_namespace,
                             .created_at = lineage.created_at,
                             .git_sha = lineage.git_sha,
                             .build_id = lineage.build_id,
                             .state = "complete",
                             .expected_snapshots = plan.snapshots.size(),
                             .used_by = {},
                             .snapshots = {},
                             .duration_ms = std::nullopt,
                             .pruned = std::nullopt};
    for (const auto& planned : plan.snapshots) {
        record.snapshots.push_back({.source = plan.source_namespace + "/" + planned.source.pvc,
                                    .pvc = planned.source.pvc,
                                    .snapshot_id = planned.existing,
                                    .portworx_snapshot_id = {},
                                    .name = planned.name,
                                    .size_bytes = planned.source.size_bytes,
                                    .ready = true,
                                    .volume_id = planned.source.volume_id,
                                    .reused = !planned.existing.empty(),
                                    .duration_ms = std::nullopt});
    }
    return record;
}

void print_snapshot_set(const SnapshotSetRecord& record, Format format, std::ostream& out) {
    switch (format) {
    case Format::json:
    case Format::yaml:
        print_document(to_json(record), format, out);
        return;
    case Format::env:
        print_env(
            {{"PXCLONE_SNAPSHOT_SET", record.snapshot_set}, {"PXCLONE_RUN", record.snapshot_set}},
            out);
        return;
    case Format::name:
        out << "snapshot-set/" << record.snapshot_set << '\n';
        return;
    case Format::text:
        break;
    }
    out << fmt::format(
        "snapshot set {} of profile {}: {} volume{} of namespace {} ({}) in {}\n",
        record.snapshot_set, record.profile, record.snapshots.size(),
        record.snapshots.size() == 1 ? "" : "s", record.source_namespace, record.method,
        util::format_duration(std::chrono::milliseconds(record.duration_ms.value_or(0))));
    for (const auto& snapshot : record.snapshots) {
        out << fmt::format("  {:<28} {:<40} {:>8}  {}\n", snapshot.pvc, snapshot.snapshot_id,
                           util::format_quantity(snapshot.size_bytes),
                           snapshot.reused.value_or(false) ? "reused" : "created");
    }
}

ordered_json to_json(const StagingEnvironmentRecord& record) {
    ordered_json body{{"run", record.run},
                      {"profile", record.profile},
                      {"namespace", record.ns},
                      {"snapshotSet", record.snapshot_set},
                      {"snapshotSets", record.snapshot_sets},
                      {"createdAt", record.created_at},
                      {"expiresAt", record.expires_at},
                      {"pinned", record.pinned},
                      {"readyAt", record.ready_at},
                      {"type", record.type},
                      {"phase", record.phase},
                      {"state", record.state},
                      {"pvcs", record.pvcs},
                      {"gitSha", record.git_sha},
                      {"buildId", record.build_id}};
    if (!record.pool.empty()) {
        body["pool"] = record.pool;
    }
    if (record.counts) {
        body["counts"] = ordered_json::object();
        for (const auto& [kind, count] : *record.counts) {
            body["counts"][kind] = count;
        }
    }
    if (record.volumes) {
        auto volumes = ordered_json::array();
        for (const auto& volume : *record.volumes) {
            volumes.push_back({{"source", volume.source},
                               {"stagingPvc", volume.staging_pvc},
                               {"cloneId", volume.clone_id}});
        }
        body["volumes"] = std::move(volumes);
    }
    if (record.services) {
        auto services = ordered_json::array();
        for (const auto& service : *record.services) {
            ordered_json entry{{"name", service.name}};
            auto ports = ordered_json::array();
            for (const auto& port : service.ports) {
                ports.push_back(
                    {{"name", port.name}, {"port", port.port}, {"protocol", port.protocol}});
            }
            entry["ports"] = std::move(ports);
            if (!service.load_balancer_hostname.empty()) {
                entry["loadBalancerHostname"] = service.load_balancer_hostname;
            }
            services.push_back(std::move(entry));
        }
        body["services"] = std::move(services);
    }
    return document("StagingEnvironment", body);
}

StagingEnvironmentRecord staging_environment_record(const plan::StagingPlan& plan,
                                                    const plan::StagingReport& report) {
    StagingEnvironmentRecord record;
    record.run = report.run;
    record.profile = plan.lineage.profile;
    record.ns = report.staging_namespace;
    record.snapshot_set = report.snapshot_set;
    record.snapshot_sets = {report.snapshot_set};
    record.created_at = plan.lineage.created_at;
    record.expires_at = report.expires_at;
    record.type = "namespace";
    record.phase = "Active";
    record.state = "ready";
    record.git_sha = plan.lineage.git_sha;
    record.build_id = plan.lineage.build_id;
    record.volumes.emplace();
    for (const auto& volume : report.volumes) {
        record.volumes->push_back({volume.source, volume.staging_pvc, volume.clone_id});
    }
    record.services = report.services;
    return record;
}

void print_staging_environment(const StagingEnvironmentRecord& record,
                               const plan::StagingReport& report, Format format,
                               std::chrono::milliseconds took, std::ostream& out) {
    switch (format) {
    case Format::json:
    case Format::yaml:
        print_document(to_json(record), format, out);
        return;
    case Format::env:
        print_env(plan::env_variables(report), out);
        return;
    case Format::name:
        out << "run/" << record.run << '\n';
        return;
    case Format::text:
        break;
    }
    out << fmt::format("staging environment {} ready in {} (run {}, snapshot set {}, expires {})\n",
                       record.ns, util::format_duration(took), record.run, record.snapshot_set,
                       record.expires_at);
    for (const auto& volume : record.volumes.value_or(std::vector<StagingVolumeRecord>{})) {
        out << fmt::format("  volume  {} -> pvc/{} ({})\n", volume.source, volume.staging_pvc,
                           volume.clone_id);
    }
    for (const auto& service : record.services.value_or(std::vector<plan::ServiceReport>{})) {
        std::string ports;
        for (const auto& port : service.ports) {
            ports += fmt::format("{}{}/{}", ports.empty() ? "" : ",", port.port, port.protocol);
        }
        const auto host = service.load_balancer_hostname.empty()
                              ? fmt::format("{}.{}.svc", service.name, record.ns)
                              : service.load_balancer_hostname;
        out << fmt::format("  service {} {} {}\n", service.name, host, ports);
    }
}

ordered_json list_document(const std::vector<SnapshotSetRecord>& sets,
                           const std::vector<StagingEnvironmentRecord>& environments) {
    auto items = ordered_json::array();
    for (const auto& set : sets) {
        items.push_back(to_json(set));
    }
    for (const auto& environment : environments) {
        items.push_back(to_json(environment));
    }
    return document("List", {{"items", std::move(items)}});
}

void print_list(const std::vector<SnapshotSetRecord>& sets,
                const std::vector<StagingEnvironmentRecord>& environments, Format format,
                bool all_profiles, std::chrono::system_clock::time_point now, std::ostream& out) {
    switch (format) {
    case Format::json:
    case Format::yaml:
        print_document(list_document(sets, environments), format, out);
        return;
    case Format::name:
        for (const auto& set : sets) {
            out << "snapshot-set/" << set.snapshot_set << '\n';
        }
        for (const auto& environment : environments) {
            out << "run/" << environment.run << '\n';
        }
        return;
    case Format::env:
    case Format::text:
        break;
    }
    print_list_text(sets, environments, all_profiles, now, out);
}

ordered_json to_json(const TeardownRecord& record) {
    ordered_json body{
        {"runs", record.runs}, {"snapshotSets", record.snapshot_sets}, {"dryRun", record.dry_run}};
    body["refused"] =
        objects_json(record.refused, [](const TeardownObjectRecord& entry, ordered_json out) {
            out["reason"] = entry.reason;
            out["notSelected"] = entry.not_selected;
            return out;
        });
    if (record.plan) {
        body["plan"] =
            objects_json(*record.plan, [](const TeardownObjectRecord& entry, ordered_json out) {
                out["request"] = entry.request;
                return out;
            });
    }
    if (record.deleted) {
        body["deleted"] = objects_json(
            *record.deleted, [](const TeardownObjectRecord&, ordered_json out) { return out; });
    }
    if (record.failed) {
        body["failed"] =
            objects_json(*record.failed, [](const TeardownObjectRecord& entry, ordered_json out) {
                out["error"] = entry.error;
                out["kept"] = entry.kept;
                return out;
            });
    }
    if (!record.cloud_backups.empty()) {
        body["cloudBackups"] = record.cloud_backups;
    }
    if (!record.released.empty()) {
        body["released"] = record.released;
    }
    return document("TeardownReport", body);
}

ordered_json validation_document(const std::vector<plan::Check>& checks) {
    return document("ValidationReport", plan::to_json(checks));
}

ordered_json profile_document(const ordered_json& spec, const std::string& run,
                              const std::string& git_sha, const std::string& build_id) {
    return document("Profile", {{"profile", spec.value("name", "")},
                                {"run", run},
                                {"gitSha", git_sha},
                                {"buildId", build_id},
                                {"spec", spec}});
}

ordered_json version_document(const ordered_json& body) {
    return document("Version", body);
}

ordered_json extend_document(const plan::ExtendPlan& plan, const std::string& profile,
                             bool dry_run) {
    return document("ExtendReport", {{"run", plan.run},
                                     {"profile", profile},
                                     {"namespace", plan.ns},
                                     {"previousExpiresAt", plan.previous},
                                     {"expiresAt", plan.pinned ? std::string() : plan.expires_at},
                                     {"pinned", plan.pinned},
                                     {"dryRun", dry_run},
                                     {"patch", plan.patch}});
}

} // namespace pxclone::output
