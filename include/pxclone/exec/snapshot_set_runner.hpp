// What `pxclone snapshot` writes with, handed out by the composition root (cmd::Session::
// snapshot_runner): the method's backend (takes and deletes snapshots), the process runner of the
// source hooks, and retention's deletions. The dry-run twin sends no write: its backend prints
// each create, its hooks print "RUN ...", its retention prints the DELETEs; the command walks the
// same plan through whichever it got and never asks whether it is a dry run.
#pragma once

#include "pxclone/exec/retention.hpp"
#include "pxclone/exec/snapshot_backend.hpp"
#include "pxclone/util/process.hpp"

#include <memory>
#include <ostream>

namespace pxclone::exec {

class SnapshotSetRunner {
public:
    virtual ~SnapshotSetRunner() = default;
    // Whether its writes reach the server (false: the dry-run twin).
    virtual bool sends() const = 0;
    virtual SnapshotBackend& backend() = 0;
    virtual util::ProcessRunner& processes() = 0;
    // Deletes (or, dry run, prints the DELETEs of) the sets `retention` chose; see
    // apply_retention.
    virtual RetentionResult prune(const Retention& retention) = 0;
};

// Sends through `backend`, runs the hooks with `processes`, deletes retention's sets with
// `retention` (its clients outlive the runner).
std::unique_ptr<SnapshotSetRunner>
make_snapshot_set_runner(std::unique_ptr<SnapshotBackend> backend,
                         std::unique_ptr<util::ProcessRunner> processes, TeardownContext retention);

// Prints every write to `out` instead: `real` still answers find_existing (read-only) and spells
// the requests (make_dry_run_backend); hooks are printed (make_dry_run_process_runner).
std::unique_ptr<SnapshotSetRunner>
make_dry_run_snapshot_set_runner(std::unique_ptr<SnapshotBackend> real, std::ostream& out);

} // namespace pxclone::exec
