// What every command that talks to a cluster shares: the connection to the Kubernetes API, the
// Portworx client (direct or through the API server's service proxy), the runners (real, or their
// dry-run twins), the worker pool, time, progress and the --record file. The composition root:
// connect() assembles the transport stacks from the kubeconfig and the profile, in this one
// place; a Session is built from them (or, in unit tests, from strict fake transports) and hands
// the commands clients and runners as interfaces (docs/ARCHITECTURE.md, "Composition root").
#pragma once

#include "pxclone/commands/global_options.hpp"
#include "pxclone/exec/namespace_runner.hpp"
#include "pxclone/exec/restore_runner.hpp"
#include "pxclone/exec/snapshot_set_runner.hpp"
#include "pxclone/exec/staging_runner.hpp"
#include "pxclone/exec/teardown.hpp"
#include "pxclone/http/logging.hpp"
#include "pxclone/k8s/client.hpp"
#include "pxclone/k8s/connect.hpp"
#include "pxclone/method/method.hpp"
#include "pxclone/output/progress.hpp"
#include "pxclone/profile/profile.hpp"
#include "pxclone/px/client.hpp"
#include "pxclone/util/clock.hpp"
#include "pxclone/util/deadline.hpp"
#include "pxclone/util/environment.hpp"
#include "pxclone/util/process.hpp"
#include "pxclone/util/worker_pool.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>

namespace pxclone::cmd {

// A wall clock that starts at PXCLONE_NOW (RFC 3339) when it is set, so that end-to-end tests of
// expiry are deterministic, and runs on from there at the real pace (waits still end).
std::shared_ptr<util::Clock> make_clock(const util::Environment& environment);

// How progress is shown: live lines on a terminal (plain lines when -v request logs share
// stderr), nothing but warnings under -q, colour by --color and NO_COLOR.
output::ProgressOptions progress_options(const GlobalOptions& globals, const Streams& streams,
                                         const util::Environment& environment);

// What a Session is built on: ready transports and the side effects. Everything that sends a
// request goes through `cluster.transport` or the transport `portworx_direct` makes.
struct SessionParts {
    // The API server (server, context) and its transport stack.
    k8s::ClusterConnection cluster;
    // Makes the transport stack to a direct Portworx endpoint (https://...): called at most once,
    // on first use; never for the service proxy, which goes through `cluster.transport`.
    std::function<std::shared_ptr<http::Transport>()> portworx_direct;
    std::shared_ptr<util::Clock> clock;
    std::shared_ptr<util::Sleeper> sleeper;
    util::Deadline deadline;                 // --timeout, from `clock`; none without it
    std::shared_ptr<http::RunRecord> record; // --record; nullptr for none
};

// The real parts: loads the kubeconfig (--kubeconfig, --context, else the profile's cluster
// section) and assembles the transport stacks (k8s::connect_cluster; the direct Portworx stack on
// first use), with request logs (-v) on `streams.err`. Sends no request. Throws
// UsageError/NotFoundError for kubeconfig problems and a bad PXCLONE_NOW.
SessionParts connect(const GlobalOptions& globals, const Streams& streams,
                     const profile::Profile& profile, const util::Environment& environment);

class Session {
public:
    // A session on the real cluster: Session(..., connect(...)).
    Session(const GlobalOptions& globals, Streams streams, const profile::Profile& profile,
            const util::Environment& environment);
    // A session on ready parts (unit tests: strict fake transports, a fake clock). Sends no
    // request. `globals`, `profile` and `environment` must outlive it.
    Session(const GlobalOptions& globals, Streams streams, const profile::Profile& profile,
            const util::Environment& environment, SessionParts parts);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    const k8s::ClusterConnection& cluster() const { return m_cluster; }
    const k8s::Client& kube() const { return *m_kube; }
    // The Portworx client, made on first use: its token may have to be read from a Secret.
    const px::Client& portworx();

    util::WorkerPool& pool() { return *m_pool; }
    // The steps that mostly wait on the server (snapshot and clone creation, readiness waits):
    // up to util::fan_out_width(--parallel) at once, workers started as needed.
    util::WorkerPool& fan_out() { return *m_fan_out; }
    const util::Clock& clock() const { return *m_clock; }
    util::Sleeper& sleeper() { return *m_sleeper; }
    output::Progress& progress() { return m_progress; }

    // The command's deadline (--timeout, from when the session was made; none without it).
    const util::Deadline& deadline() const { return m_deadline; }
    // Runs local programs (hooks) within the deadline; Ctrl-C stops the one running.
    util::PosixProcessRunner process_runner() const;
    // The deadline of a phase that started at `start` (default: now): the command's deadline
    // when --timeout was given (it overrides the profile), else the profile's value for this
    // phase from `start`.
    std::chrono::system_clock::time_point
    wait_deadline(std::chrono::milliseconds profile_default,
                  std::optional<std::chrono::system_clock::time_point> start = {}) const;
    // The budget of a wait that starts now: what the --timeout deadline leaves when given, else
    // the profile's value for this wait.
    std::chrono::milliseconds timeout_or(std::chrono::milliseconds profile_default) const;

    // The runners, chosen here once: the real ones send; under --dry-run their twins send no
    // write and print each request to `dry_out` instead (the same executor walks the same plan).
    // `use_portworx`: the real staging runner may use the Portworx client (made then, as
    // portworx() does; the dry-run twin needs none).
    std::unique_ptr<exec::StagingRunner>
    staging_runner(bool use_portworx, exec::StagingContext context, std::ostream& dry_out);
    std::unique_ptr<exec::RestoreRunner> restore_runner(exec::RestoreContext context,
                                                        std::ostream& dry_out);
    // The dry-run twin prints each DELETE to `dry_out` when given (else it only reports them).
    std::unique_ptr<exec::TeardownRunner> teardown_runner(exec::TeardownContext context,
                                                          std::ostream* dry_out);
    // Patches of a staging namespace's metadata (extend, refresh); the dry-run twin prints each
    // PATCH to `dry_out`.
    std::unique_ptr<exec::NamespaceRunner> namespace_runner(std::ostream& dry_out);

    // `method`'s backend (made over both clients: the Portworx one is made now), the hooks'
    // process runner (process_runner()) and retention's deletions; the dry-run twin prints the
    // creates, the hooks and the DELETEs to `dry_out` (its backend still reads, for a re-run).
    std::unique_ptr<exec::SnapshotSetRunner> snapshot_runner(const method::Method& method,
                                                             exec::BackendContext context,
                                                             std::ostream& dry_out);

    // Writes the --record file (when asked for) with `result` as the command's outcome.
    void finish(const nlohmann::json& result);

private:
    std::string resolve_token(const profile::SecretRef& reference) const;

    const GlobalOptions& m_globals;
    const profile::Profile& m_profile;
    const util::Environment& m_environment;
    std::function<std::shared_ptr<http::Transport>()> m_portworx_direct;
    std::shared_ptr<http::RunRecord> m_record;
    std::shared_ptr<util::Clock> m_clock;
    std::shared_ptr<util::Sleeper> m_sleeper;
    util::Deadline m_deadline;
    output::Progress m_progress;
    k8s::ClusterConnection m_cluster;
    std::unique_ptr<k8s::Client> m_kube;
    std::shared_ptr<http::Transport> m_px_transport;
    std::unique_ptr<px::Client> m_px;
    std::unique_ptr<util::WorkerPool> m_pool;
    std::unique_ptr<util::WorkerPool> m_fan_out;
};

// Makes a Session (on the real cluster, or in unit tests on fakes) for a command that makes its
// own, or none (validate --online: a failure to connect is one of its checks).
using SessionFactory = std::function<std::unique_ptr<Session>()>;

} // namespace pxclone::cmd
