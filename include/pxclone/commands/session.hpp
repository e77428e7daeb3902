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
#include <string>
#include <string_view>

namespace pxclone::cmd {

// A wall clock that starts at PXCLONE_NOW (RFC 3339) when it is set, so that end-to-end tests of
// expiry are deterministic, and runs on from there at the real pace (waits still end).
std::shared_ptr<util::Clock> make_clock(const util::Environment& environment);

// How progress is shown: live lines on a terminal (plain lines when -v request logs share
// stderr), nothing but warnings under -q, colour by --color and NO_COLOR.
output::ProgressOptions progress_options(const GlobalOptions& globals, const Streams& streams,
                                         const util::Environment& environment);

// Which cluster a session talks to. A profile with `staging.cluster` names two: the source
// cluster (profile `cluster` + `portworx`: production, its snapshots and their cloud backups) and
// the staging cluster (`staging.cluster`: its context, kubeconfig and portworx section: the
// staging environments). Without staging.cluster both sides are the source cluster. Each command
// states the side of each session it makes (docs/ARCHITECTURE.md, "Composition root").
enum class ClusterSide { source, staging };

// Whether the profile's two sides are different clusters (staging.cluster is given).
bool separate_clusters(const profile::Profile& profile);
// The Portworx section of `side`: staging.cluster.portworx, else `portworx`.
const profile::Portworx& side_portworx(const profile::Profile& profile, ClusterSide side);
// The name of `side` in messages: "source cluster", "staging cluster (context stg-eks)"; without
// staging.cluster both are "source cluster" (one cluster).
std::string cluster_name(const profile::Profile& profile, ClusterSide side);

// What a Session is built on: ready transports and the side effects. Everything that sends a
// request goes through `cluster.transport` or the transport `portworx_direct` makes.
struct SessionParts {
    ClusterSide side = ClusterSide::source; // the cluster `cluster` and `portworx_direct` reach
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

// The real parts of `side`: loads the kubeconfig and assembles the transport stacks
// (k8s::connect_cluster; the direct Portworx stack of the side's portworx section on first use),
// with request logs (-v) on `streams.err`. Sends no request. The source side (and, without
// staging.cluster, the staging side, the same cluster) uses --kubeconfig and --context, else the
// profile's `cluster`; the staging side of a staging.cluster uses its context, and its
// kubeconfig, else --kubeconfig, else cluster.kubeconfig (--context names the source cluster's).
// Throws UsageError/NotFoundError for kubeconfig problems and a bad PXCLONE_NOW.
SessionParts connect(const GlobalOptions& globals, const Streams& streams,
                     const profile::Profile& profile, const util::Environment& environment,
                     ClusterSide side);

class Session {
public:
    // A session on the real cluster of `side`: Session(..., connect(..., side)).
    Session(const GlobalOptions& globals, Streams streams, const profile::Profile& profile,
            const util::Environment& environment, ClusterSide side);
    // A session on ready parts (unit tests: strict fake transports, a fake clock). Sends no
    // request. `globals`, `profile` and `environment` must outlive it.
    Session(const GlobalOptions& globals, Streams streams, const profile::Profile& profile,
            const util::Environment& environment, SessionParts parts);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    const k8s::ClusterConnection& cluster() const { return m_cluster; }
    const profile::Profile& profile() const { return m_profile; }
    // The side this session talks to, and its name in messages (cluster_name).
    ClusterSide side() const { return m_side; }
    std::string cluster_name() const;
    const k8s::Client& kube() const { return *m_kube; }
    // The Portworx client of this side (side_portworx), made on first use: its token may have to
    // be read from a Secret (in this side's cluster).
    const px::Client& portworx();

    // The uuid of the transfer's credential on this side (transfer.credential's source or
    // staging name), resolved once on first use (px::CloudBackupClient::resolve_credential:
    // exit 3 when missing, 1 when the name is ambiguous, naming the cluster). UsageError
    // without a transfer.
    const std::string& transfer_credential();

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

    // `method`'s backend (made over both clients: the Portworx one is made now) — with a
    // `transfer`, wrapped by the cloudsnap backend (method::make_cloudsnap_backend: a snapshot
    // counts once its cloud backup is Done; the credential is transfer_credential()) — the
    // hooks' process runner (process_runner()) and retention's deletions; the dry-run twin prints
    // the creates, the hooks and the DELETEs to `dry_out` (its backend still reads, for a
    // re-run). On the source side only (UsageError on the staging side of a staging.cluster).
    std::unique_ptr<exec::SnapshotSetRunner> snapshot_runner(const method::Method& method,
                                                             exec::BackendContext context,
                                                             std::ostream& dry_out);

    // Writes the --record file (when asked for) with `result` as the command's outcome.
    void finish(const nlohmann::json& result);

private:
    std::string resolve_token(const profile::SecretRef& reference) const;
    // "staging.cluster." for the staging side of a staging.cluster (profile keys in messages).
    std::string key_prefix() const;

    const GlobalOptions& m_globals;
    const profile::Profile& m_profile;
    ClusterSide m_side;
    std::optional<std::string> m_transfer_credential;
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

// Makes a Session of a side (on the real cluster, or in unit tests on fakes) for a command that
// makes its own, or none (validate --online: a failure to connect is one of its checks).
using SessionFactory = std::function<std::unique_ptr<Session>(ClusterSide)>;

} // namespace pxclone::cmd
