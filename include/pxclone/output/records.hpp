// The vocabulary of pxclone's -o json|yaml documents: one record type per thing pxclone reports
// (a snapshot set, a staging environment, ...), and the document each becomes. Every document is
// Kubernetes-style: `apiVersion: pxclone.io/v1`, a `kind`, camelCase keys, and the same key for
// the same concept in every command (pxclone(1), OUTPUT FORMATS; docs/schema/ has a JSON Schema
// per kind). Commands build a record and hand it to a printer here; nothing else spells a key.
#pragma once

#include "pxclone/output/format.hpp"
#include "pxclone/plan/check_report.hpp"
#include "pxclone/plan/extend_plan.hpp"
#include "pxclone/plan/lineage.hpp"
#include "pxclone/plan/snapshot_plan.hpp"
#include "pxclone/plan/staging_plan.hpp"
#include "pxclone/plan/teardown_plan.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace pxclone::output {

inline constexpr std::string_view k_api_version = "pxclone.io/v1";

// {"apiVersion": "pxclone.io/v1", "kind": kind} followed by the members of `body` (an object).
nlohmann::ordered_json document(std::string_view kind, const nlohmann::ordered_json& body);

// `value` as -o json or -o yaml (`format` one of them; anything else prints JSON).
void print_document(const nlohmann::ordered_json& value, Format format, std::ostream& out);

// One snapshot of a set.
struct SnapshotRecord {
    std::string source; // "namespace/pvc"
    std::string pvc;
    // portworx: the Portworx snapshot id; csi: the VolumeSnapshot as namespace/name
    // (method::Method::snapshot_id)
    std::string snapshot_id;
    std::string portworx_snapshot_id; // the Portworx snapshot behind it ("" while unknown)
    std::string name;                 // Portworx name or VolumeSnapshot name
    std::int64_t size_bytes = 0;      // 0 when unknown
    bool ready = true;
    std::optional<std::string> volume_id;    // the source PVC's Portworx volume (`snapshot` only)
    std::optional<bool> reused;              // made by an earlier attempt (`snapshot` only)
    std::optional<std::int64_t> duration_ms; // `snapshot` only
    // `list` of a profile with a transfer: its cloud backup's state ("Done", "Active", "Failed",
    // ... as the SDK names them) or "missing" (plan::transfer_state).
    std::optional<std::string> transfer;
};

// kind SnapshotSet: what `snapshot` took and `list` finds.
struct SnapshotSetRecord {
    std::string snapshot_set; // the set id (the id of the run that took it)
    std::string profile;
    std::string method; // "portworx" / "csi"
    std::string source_namespace;
    std::string created_at; // RFC 3339 UTC; "" when unknown
    std::string git_sha;
    std::string build_id;
    std::string state = "complete";                // "complete" / "partial"
    std::optional<std::size_t> expected_snapshots; // the planned size, when known
    std::vector<std::string> used_by;              // runs of live environments made from it
    std::vector<SnapshotRecord> snapshots;
    std::optional<std::int64_t> duration_ms;        // `snapshot` only
    std::optional<std::vector<std::string>> pruned; // `snapshot` only: sets retention deleted
};
nlohmann::ordered_json to_json(const SnapshotSetRecord& record);

// The record of a set `snapshot` is taking, from its plan and lineage; every snapshot planned,
// with the ids of the plan (the command adds what it took).
SnapshotSetRecord snapshot_set_record(const plan::SnapshotPlan& plan, const plan::Lineage& lineage);

// -o json|yaml: the document; env: PXCLONE_SNAPSHOT_SET and PXCLONE_RUN; name: snapshot-set/ID;
// text: a headline and a line per snapshot.
void print_snapshot_set(const SnapshotSetRecord& record, Format format, std::ostream& out);

// One volume of a staging environment.
struct StagingVolumeRecord {
    std::string source; // "namespace/pvc" of production
    std::string staging_pvc;
    std::string clone_id; // Portworx clone id (portworx), VolumeSnapshot name (csi)
};

// kind StagingEnvironment: what `deploy-staging` made and `list` finds.
struct StagingEnvironmentRecord {
    std::string run;
    std::string profile;
    std::string ns;           // the staging namespace ("" when only volumes are left)
    std::string pool;         // the pool (staging.pool) its namespace was claimed from, else ""
    std::string snapshot_set; // "" when unknown
    std::vector<std::string> snapshot_sets;
    std::string created_at;         // RFC 3339 UTC; "" when unknown
    std::string expires_at;         // "" when no TTL is recorded or pinned
    bool pinned = false;            // `extend --ttl never`: never expires
    std::string ready_at;           // "" while not ready (or unknown)
    std::string type = "namespace"; // "namespace" / "pvc" (restore --new-pvc) / "volumes"
    std::string phase;              // list only ("" elsewhere)
    std::string state = "ready";    // "ready" / "partial" / "expired"
    std::vector<std::string> pvcs;
    std::string git_sha; // the lineage of the run that made it; "" when unknown
    std::string build_id;
    std::optional<std::map<std::string, std::size_t>> counts; // list only: objects per kind
    std::optional<std::vector<StagingVolumeRecord>> volumes;  // deploy-staging only
    std::optional<std::vector<plan::ServiceReport>> services; // deploy-staging only
};
nlohmann::ordered_json to_json(const StagingEnvironmentRecord& record);

// The record of the environment `deploy-staging` made: its plan and what the run learnt.
StagingEnvironmentRecord staging_environment_record(const plan::StagingPlan& plan,
                                                    const plan::StagingReport& report);

// -o json|yaml: the document; env: plan::env_variables; name: run/ID; text: a headline, the
// volumes and the services (`took`: how long it took).
void print_staging_environment(const StagingEnvironmentRecord& record,
                               const plan::StagingReport& report, Format format,
                               std::chrono::milliseconds took, std::ostream& out);

// kind List: `list`'s sets, then its environments (items of kinds SnapshotSet and
// StagingEnvironment, as `kubectl get a,b -o json` mixes kinds).
nlohmann::ordered_json list_document(const std::vector<SnapshotSetRecord>& sets,
                                     const std::vector<StagingEnvironmentRecord>& environments);

// -o json|yaml: list_document; name: snapshot-set/ID and run/ID lines; text: two tables (with a
// PROFILE column when `all_profiles`), ages and expiries relative to `now`. Text of nothing
// prints nothing (the caller says so on stderr).
void print_list(const std::vector<SnapshotSetRecord>& sets,
                const std::vector<StagingEnvironmentRecord>& environments, Format format,
                bool all_profiles, std::chrono::system_clock::time_point now, std::ostream& out);

// kind TeardownReport: one object of a teardown, and what became of it.
struct TeardownObjectRecord {
    plan::FoundObject object;
    std::string request;       // the dry run's request line ("" otherwise)
    std::string reason;        // refused: why
    bool not_selected = false; // refused: it belongs to a run or set not asked for
    std::string error;         // failed: why
    bool kept = false;         // failed: kept because what it refers to was kept
};
struct TeardownRecord {
    std::vector<std::string> runs;
    std::vector<std::string> snapshot_sets;
    bool dry_run = false;
    std::vector<TeardownObjectRecord> refused;
    std::optional<std::vector<TeardownObjectRecord>> plan;    // dry run with something to do
    std::optional<std::vector<TeardownObjectRecord>> deleted; // when run (or nothing to do)
    std::optional<std::vector<TeardownObjectRecord>> failed;
    // teardown --snapshots with a transfer: the sets' cloud backups deleted (a dry run: to
    // delete), by id; absent when there were none.
    std::vector<std::string> cloud_backups;
    // staging.pool: the pool namespaces released (a dry run: to be released); "released" in JSON
    // only when there are some.
    std::vector<std::string> released;
};
nlohmann::ordered_json to_json(const TeardownRecord& record);

// kind ValidationReport: `validate --online`'s checks ({ok, checks}).
nlohmann::ordered_json validation_document(const std::vector<plan::Check>& checks);

// kind Profile: `validate`'s resolved profile: the run it resolved for and `spec`, the profile
// as its file spells it (pxclone-profile(5) keys; secrets as references).
nlohmann::ordered_json profile_document(const nlohmann::ordered_json& spec, const std::string& run,
                                        const std::string& git_sha, const std::string& build_id);

// kind Version: `version`'s record.
nlohmann::ordered_json version_document(const nlohmann::ordered_json& body);

// kind ExtendReport: what `extend` changed (or would, `dry_run`): run, profile, namespace,
// previousExpiresAt (as it was: RFC 3339, "never" or ""), expiresAt ("" when pinned), pinned,
// dryRun, and patch: the namespace's merge patch (sent, or what a dry run would send).
nlohmann::ordered_json extend_document(const plan::ExtendPlan& plan, const std::string& profile,
                                       bool dry_run);

} // namespace pxclone::output
