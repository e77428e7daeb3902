// Carrying out a teardown plan (plan/teardown_plan.hpp): finding a run's objects by labels on both
// APIs, deleting them stage by stage, waiting until they are gone, and checking that nothing
// labelled for the run remains.
#pragma once

#include "pxclone/error.hpp"
#include "pxclone/exec/catalog.hpp"
#include "pxclone/exec/set_backups.hpp"
#include "pxclone/exec/step.hpp"
#include "pxclone/k8s/client.hpp"
#include "pxclone/plan/teardown_plan.hpp"
#include "pxclone/px/client.hpp"
#include "pxclone/util/clock.hpp"
#include "pxclone/util/worker_pool.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace pxclone::exec {

// The Kubernetes resource for a teardown kind; nullptr for portworx_volume.
const k8s::Resource* teardown_resource(plan::TeardownKind kind);

// The request that deletes `object`: "DELETE /apis/apps/v1/namespaces/NS/deployments/NAME" or
// "DELETE /v1/volumes/ID" (for --dry-run).
std::string delete_request(const plan::FoundObject& object);

// Everything labelled managed-by=pxclone, pxclone.io/profile=`profile`, pxclone.io/run=`run` on
// both APIs: Deployments, StatefulSets, Jobs, PVCs, VolumeSnapshots, PersistentVolumes,
// VolumeSnapshotContents, Namespaces, and Portworx volumes; of the kinds only a snapshot method
// keeps, only those in `scope.method_kinds`. Without `scope.staging_only` each kind is one list
// across the cluster; with it the namespaced kinds are listed only inside the run's namespaces and
// where its PVs' claims are (readable ones: see find_target_objects), and its VolumeSnapshots in
// `scope.source_namespace` too (a set the run took; not where !scope.holds_sets). Read-only; throws
// ApiError/SdkError when a listing fails. With a pool, the listings are sent at once (the objects
// keep the same order).
std::vector<plan::FoundObject> find_run_objects(const k8s::Client& kube, const px::Client& portworx,
                                                const std::string& profile, const std::string& run,
                                                const CatalogScope& scope,
                                                util::WorkerPool* pool = nullptr);

// What `target` selects, for every run of it (staging runs and snapshot sets): the cluster-scoped
// kinds and Portworx volumes by labels, a set's VolumeSnapshots in the source namespace, and the
// namespaced kinds of each run whose staging namespace is not being deleted here (never made,
// gone, or refused): without `target.staging_only` one list per kind across the cluster; with it
// only inside exec::labelled_scope() of those runs' namespaces and PVs, where a namespace that
// only a PV's claim names is read once a list by name shows it still exists (a staging namespace
// that is gone took its RoleBinding along: nothing is left there, and nothing may be read).
// `lookup` at_once (without staging_only; ignored under it) lists the namespaced kinds of every
// run with the other listings instead of after them, and keeps those of the runs found without a
// namespace being deleted: one round instead of two where the namespaces are known to be gone
// (teardown's check after deleting them), and listings wasted where they are not.
enum class NamespacedLookup { when_needed, at_once };
std::vector<plan::FoundObject>
find_target_objects(const k8s::Client& kube, const px::Client& portworx,
                    const plan::TeardownTarget& target, util::WorkerPool* pool = nullptr,
                    NamespacedLookup lookup = NamespacedLookup::when_needed);

struct TeardownContext {
    const k8s::Client& kube;
    const px::Client& portworx;
    const util::Clock& clock;
    util::Sleeper& sleeper;
    // Bounds every wait for objects to be gone (PVCs before their volumes, namespaces, leftovers).
    std::chrono::milliseconds timeout{std::chrono::minutes(10)};
    std::function<void(const std::string& key, const std::string& text)> on_progress;
    // After each accepted DELETE; `existed` is false when the object was already gone (404).
    std::function<void(const plan::FoundObject& object, bool existed)> on_deleted;
    std::function<bool()> cancelled;
    // A step reported through on_progress ended (ok false: it failed).
    DoneFn on_done;
    // Independent waits (one stage, one kind) run in parallel on this pool; without one, one
    // after another. Either way the report and on_deleted follow the plan's order.
    util::WorkerPool* pool = nullptr;
    // The DELETEs of one stage run in parallel on this pool, `pool` when not set. Each is one
    // quick request (the server deletes in the background): the --parallel pool, so that 800
    // deletions do not open hundreds of HTTP/1.1 connections at once (at N=200 that cost 3x
    // the client CPU and 20 MiB for no time gained).
    util::WorkerPool* deletions_pool = nullptr;
};

struct TeardownFailure {
    plan::FoundObject object;
    std::string error; // why it could not be deleted or is still there
    // Not sent a DELETE: an object that stays still refers to it (error says which).
    bool kept = false;
    std::string hint; // how to fix a refused DELETE (an RBAC denial: the permission); may be ""
};

struct TeardownReport {
    std::vector<plan::FoundObject> deleted; // DELETE accepted (or already gone)
    std::vector<TeardownFailure> failed;    // could not be deleted, or still present at the end
    // A dry run's report: nothing was sent; `planned` holds the deletions the real run sends.
    bool dry_run = false;
    std::vector<plan::Deletion> planned;
    // Pool namespaces released (their pxclone labels removed; a dry run: to be released).
    std::vector<plan::FoundObject> released;
    bool ok() const { return failed.empty(); }
};

// The Error (exit 5, partial) that says what a teardown could not delete and how to go on;
// nullopt when the report is ok().
std::optional<Error> incomplete_error(const TeardownReport& report);

// Deletes the plan's objects in order: Kubernetes objects with propagationPolicy Background,
// Portworx volumes by id. Before the PVs (stage 3) it waits for the deleted PVCs to be gone (a PVC
// stays while a pod uses it; once gone, its PV is released and its volume detached); after the
// namespaces, until they are gone (what holds one is reported). Finally it lists the target
// again: an object still there is a failure (one being deleted is awaited first). A pool
// namespace (plan.releases) is never deleted: what the run made in it is deleted and awaited
// gone, then release_pool_namespace removes pxclone's labels from it (not when something of the
// run stays in it: a failure). A failing
// deletion does not stop the others, but what the failed object refers to (FoundObject::
// refers_to: its PV, its Portworx volume, its content) is kept, and so on down the chain, as is
// what a refused object refers to: teardown never leaves a reference to something gone.
// Throws InterruptedError when `cancelled` turns true between deletions.
TeardownReport execute_teardown(const plan::TeardownTarget& target, const plan::TeardownPlan& plan,
                                const TeardownContext& context);

// Removes what `target` selects (find, plan_teardown, execute_teardown): a failed deployment's
// environment that may hold unmasked data. Returns one "  not removed: OBJECT: why" line per
// object that stays, or one line saying why nothing could be removed (naming `teardown --run`
// of the target's first run). Throws only InterruptedError.
std::vector<std::string> remove_after_failure(const plan::TeardownTarget& target,
                                              const TeardownContext& context);

// Carries out a teardown plan: the real runner is execute_teardown with its context; the dry-run
// twin sends nothing, prints each DELETE ("  DELETE /api/v1/...   # namespace/x") and reports
// the plan's deletions as planned.
class TeardownRunner {
public:
    virtual ~TeardownRunner() = default;
    // Whether its DELETEs reach the server (false: the dry-run twin).
    virtual bool sends() const { return true; }
    virtual TeardownReport run(const plan::TeardownTarget& target,
                               const plan::TeardownPlan& plan) = 0;
    // The cloud backups of the sets being deleted (a transfer's), before their snapshots:
    // delete_set_backups through `backups` (the source cluster's), or, dry run,
    // print_set_backups ("  DELETE ...").
    virtual BackupRemoval remove_backups(const px::CloudBackupClient& backups,
                                         const SetBackups& found) = 0;
};

std::unique_ptr<TeardownRunner> make_teardown_runner(TeardownContext context);
// `out` may be nullptr: the deletions are only reported.
std::unique_ptr<TeardownRunner> make_dry_run_teardown_runner(std::ostream* out);

} // namespace pxclone::exec
