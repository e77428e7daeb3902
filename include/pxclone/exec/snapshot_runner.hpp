// Running a snapshot plan through a SnapshotBackend (the method's, or its dry-run twin): every
// snapshot at once, and the all-or-nothing roll-back of a set that cannot be complete.
#pragma once

#include "pxclone/error.hpp"
#include "pxclone/exec/hooks.hpp"
#include "pxclone/exec/snapshot_backend.hpp"
#include "pxclone/plan/snapshot_plan.hpp"
#include "pxclone/util/deadline.hpp"
#include "pxclone/util/process.hpp"
#include "pxclone/util/worker_pool.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace pxclone::exec {

// What taking a plan's snapshots came to.
struct TakeOutcome {
    // In plan order. A failed snapshot keeps only what may exist (its reused id), so that the
    // roll-back finds it.
    std::vector<TakenSnapshot> taken;
    std::vector<std::string> failures;  // "snapshot of PVC (VOLUME): why", one per failure
    std::optional<ExitCode> code;       // the first failure's code; an interruption wins
    std::vector<std::string> uncertain; // "  snapshot NAME of PVC": creates the deadline cut
                                        // short, which the server may still make
    bool ok() const { return failures.empty(); }
};

// Takes every snapshot of `plan` at once on `pool` (a SnapshotCreate is seconds of server time
// and nothing on this side, and a pre-hook's freeze lasts until the last), each until `deadline`.
// A snapshot not started when `interrupted()` turns true fails as interrupted. Any failure, also
// a transport error, is in the outcome, never thrown.
TakeOutcome take_all(SnapshotBackend& backend, const plan::SnapshotPlan& plan,
                     util::WorkerPool& pool, std::chrono::system_clock::time_point deadline,
                     const std::function<bool()>& interrupted);

// Deletes what this run made when the set cannot be complete: `taken` (each id once) and, when
// the snapshots were attempted, what only the server knows of — a snapshot created before its
// worker failed (its check, its wait) — found again by this run's labels. Without
// `snapshots_attempted` (a pre-hook failed) only `taken` goes: an earlier attempt's snapshots
// stay for the next one to reuse. Returns a line for each that could not be deleted (a leftover
// that `teardown --snapshots` or the next run removes), and one when the listing failed.
std::vector<std::string> roll_back(SnapshotBackend& backend, const plan::SnapshotPlan& plan,
                                   const std::vector<TakenSnapshot>& taken,
                                   bool snapshots_attempted);

// What running a snapshot plan uses besides its backend.
struct SnapshotRun {
    const profile::Profile& profile;
    // The source hooks run around the snapshots (not with --skip-hooks, nor when every snapshot
    // is reused), through `processes` (a dry run's prints them).
    bool hooks = false;
    util::ProcessRunner& processes;
    HookEnvironment hook_environment;
    std::chrono::milliseconds hook_budget{0}; // the snapshots' time, for PXCLONE_HOOK_DEADLINE
    util::WorkerPool& pool;                   // the fan-out: every snapshot at once
    const util::Clock& clock;
    // The snapshots' deadline, asked for once the pre-hooks ran.
    std::function<std::chrono::system_clock::time_point()> snapshot_deadline;
    const util::Deadline& deadline; // the command's (--timeout)
    std::function<bool()> interrupted;
    std::function<void(const std::string&)> note; // progress lines
    std::function<void(const std::string&)> warn; // a post-hook that failed
};

// Runs `plan`: pre-hooks, every snapshot at once, post-hooks (always, once the pre-hooks ran), and
// all or nothing: a set that failed anywhere, or was not complete by the command's deadline, is
// rolled back and thrown as plan::set_failure_error. Returns the snapshots in plan order.
std::vector<TakenSnapshot>
run_snapshot_plan(SnapshotBackend& backend, const plan::SnapshotPlan& plan, const SnapshotRun& run);

} // namespace pxclone::exec
