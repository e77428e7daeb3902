// Taking the snapshots of a plan: one backend per method (src/method/), and a dry-run backend
// that shows the exact requests instead of sending them. The snapshot command drives a backend; it
// never talks to a client directly, so `--dry-run` is a different backend, not an `if`.
#pragma once

#include "pxclone/error.hpp"
#include "pxclone/exec/step.hpp"
#include "pxclone/plan/snapshot_plan.hpp"
#include "pxclone/util/clock.hpp"

#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace pxclone::exec {

struct TakenSnapshot {
    std::string source; // "namespace/pvc"
    std::string pvc;
    std::string id;          // Portworx snapshot id (portworx) / VolumeSnapshot name (csi)
    std::string portworx_id; // the Portworx snapshot behind it (both methods)
    std::int64_t size_bytes = 0;
    bool reused = false; // made by an earlier attempt of this run
    std::chrono::milliseconds took{0};
};

// What a backend needs besides its client.
struct BackendContext {
    const util::Clock* clock = nullptr;
    util::Sleeper* sleeper = nullptr;
    // Progress: called with a key and a state line ("snapshot data-0 pending").
    std::function<void(const std::string& key, const std::string& text)> on_progress;
    std::function<bool()> cancelled; // SIGINT/SIGTERM
    // A step reported through on_progress ended (ok false: it failed).
    DoneFn on_done;
};

// A snapshot create that the command's deadline cut short before it answered: the server may
// still make the snapshot (with this run's labels) after pxclone has rolled back (exit 4).
struct CreateCutShort : TimeoutError {
    using TimeoutError::TimeoutError;
};

class SnapshotBackend {
public:
    virtual ~SnapshotBackend() = default;

    // This run's snapshots that exist already (an attempt that died), found by their labels.
    virtual std::vector<plan::ExistingSnapshot> find_existing(const plan::SnapshotPlan& plan) = 0;

    // Creates the snapshot (or takes the existing one) and waits until it is ready, at the latest
    // until `deadline`, unless the backend checks readiness for the whole set in await_ready.
    // Throws Error: exit 4 when the deadline passes (CreateCutShort when it cut the create
    // itself), 1 when the server refuses or reports failure (the message names the volume and
    // gives the server's reason).
    virtual TakenSnapshot take(const plan::SnapshotPlan& plan,
                               const plan::PlannedSnapshot& snapshot,
                               std::chrono::system_clock::time_point deadline) = 0;

    // After the takes: waits until the snapshots `which` (indices into plan.snapshots and
    // `taken`, which follows the plan) are ready, at the latest until `deadline`, with one
    // look-up of the whole set per round where the backend can (portworx: by the run's labels,
    // not one inspect per snapshot). Returns, by index of `taken`, why each of `which` is not
    // ready (the Error take() would have thrown; nullptr: ready). The default: take() waited.
    virtual std::vector<std::exception_ptr>
    await_ready(const plan::SnapshotPlan& plan, const std::vector<TakenSnapshot>& taken,
                const std::vector<std::size_t>& which,
                std::chrono::system_clock::time_point deadline) {
        (void)plan;
        (void)which;
        (void)deadline;
        return std::vector<std::exception_ptr>(taken.size());
    }

    // Deletes one of this run's snapshots (rollback, retention). Absence is success.
    virtual void remove(const plan::SnapshotPlan& plan, const TakenSnapshot& snapshot) = 0;

    // The request take() sends to create `snapshot` and the one remove() sends, each as one line
    // (method, path and, for a create, the JSON body): what the dry-run backend prints.
    virtual std::string create_request(const plan::SnapshotPlan& plan,
                                       const plan::PlannedSnapshot& snapshot) const = 0;
    virtual std::string remove_request(const plan::SnapshotPlan& plan,
                                       const TakenSnapshot& snapshot) const = 0;
};

// The backends of the methods are made by method::Method::backend (src/method/).

// Prints each request the real backend would send (method, path and JSON body) to `out` and
// sends none of them; find_existing still asks `real` (read-only), so a dry run of a re-run shows
// what would be reused.
std::unique_ptr<SnapshotBackend> make_dry_run_backend(SnapshotBackend& real, std::ostream& out);

} // namespace pxclone::exec
