// What every command that talks to a cluster shares: the connection to the Kubernetes API, the
// Portworx client (direct or through the API server's service proxy), the worker pool, time,
// progress and the --record file. Built once per command from the options and the profile.
#pragma once

#include "pxclone/commands/global_options.hpp"
#include "pxclone/http/logging.hpp"
#include "pxclone/k8s/client.hpp"
#include "pxclone/k8s/connect.hpp"
#include "pxclone/output/progress.hpp"
#include "pxclone/profile/profile.hpp"
#include "pxclone/px/client.hpp"
#include "pxclone/util/clock.hpp"
#include "pxclone/util/deadline.hpp"
#include "pxclone/util/environment.hpp"
#include "pxclone/util/process.hpp"
#include "pxclone/util/worker_pool.hpp"

#include <chrono>
#include <memory>
#include <optional>

namespace pxclone::cmd {

// A wall clock that starts at PXCLONE_NOW (RFC 3339) when it is set, so that end-to-end tests of
// expiry are deterministic, and runs on from there at the real pace (waits still end).
std::shared_ptr<util::Clock> make_clock(const util::Environment& environment);

// How progress is shown: live lines on a terminal (plain lines when -v request logs share
// stderr), nothing but warnings under -q, colour by --color and NO_COLOR.
output::ProgressOptions progress_options(const GlobalOptions& globals, const Streams& streams,
                                         const util::Environment& environment);

class Session {
public:
    // Loads the kubeconfig (--kubeconfig, --context, else the profile's cluster section) and builds
    // the transports. Sends no request. Throws UsageError/NotFoundError for kubeconfig problems.
    Session(const GlobalOptions& globals, Streams streams, const profile::Profile& profile,
            const util::Environment& environment);
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

    // Writes the --record file (when asked for) with `result` as the command's outcome.
    void finish(const nlohmann::json& result);

private:
    std::string resolve_token(const profile::SecretRef& reference) const;

    const GlobalOptions& m_globals;
    const profile::Profile& m_profile;
    const util::Environment& m_environment;
    std::shared_ptr<http::LogSink> m_log;
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

} // namespace pxclone::cmd
