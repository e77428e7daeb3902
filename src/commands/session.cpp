#include "pxclone/commands/session.hpp"

#include "pxclone/error.hpp"
#include "pxclone/http/curl_transport.hpp"
#include "pxclone/http/stack.hpp"
#include "pxclone/k8s/connect.hpp"
#include "pxclone/k8s/secret.hpp"
#include "pxclone/method/cloudsnap.hpp"
#include "pxclone/profile/loader.hpp"
#include "pxclone/px/cloud_backup.hpp"
#include "pxclone/util/duration.hpp"
#include "pxclone/util/file.hpp"
#include "pxclone/util/interrupt.hpp"
#include "pxclone/util/time.hpp"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace pxclone::cmd {

namespace {

// Real time shifted so that it read `start` when the process began.
class ShiftedClock final : public util::Clock {
public:
    explicit ShiftedClock(std::chrono::system_clock::time_point start)
        : m_offset(start - std::chrono::system_clock::now()) {}
    std::chrono::system_clock::time_point now() const override {
        return std::chrono::system_clock::now() + m_offset;
    }

private:
    std::chrono::system_clock::duration m_offset;
};

std::string read_secret_file(const std::string& path) {
    auto file = util::read_file(path, util::k_max_token_file_bytes);
    if (!file) {
        auto message =
            fmt::format("{}: cannot read the Portworx token file: {}", path,
                        util::describe_read_error(file, util::k_max_token_file_bytes, "a token"));
        // A file that is there but no token (too large, a device) is the profile's mistake.
        if (file.error == EFBIG || file.error == util::k_not_a_file) {
            throw UsageError(std::move(message));
        }
        throw NotFoundError(std::move(message));
    }
    auto value = std::move(file.text);
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) {
        value.pop_back();
    }
    return value;
}

} // namespace

bool separate_clusters(const profile::Profile& profile) {
    return profile.staging.cluster.has_value();
}

const profile::Portworx& side_portworx(const profile::Profile& profile, ClusterSide side) {
    if (side == ClusterSide::staging && profile.staging.cluster) {
        return profile.staging.cluster->portworx;
    }
    return profile.portworx;
}

std::string cluster_name(const profile::Profile& profile, ClusterSide side) {
    if (side == ClusterSide::staging && profile.staging.cluster) {
        return fmt::format("staging cluster (context {})",
                           profile.staging.cluster->cluster.context);
    }
    return "source cluster";
}

output::ProgressOptions progress_options(const GlobalOptions& globals, const Streams& streams,
                                         const util::Environment& environment) {
    output::ProgressOptions options;
    options.enabled = !globals.quiet;
    options.terminal = streams.err_terminal;
    // Request logs (-v) write to stderr on their own; live lines would be torn by them.
    options.terminal.is_terminal = streams.err_terminal.is_terminal && globals.verbosity == 0;
    options.color = output::use_color(globals.color, streams.err_terminal, environment);
    return options;
}

std::shared_ptr<util::Clock> make_clock(const util::Environment& environment) {
    const auto text = environment.get("PXCLONE_NOW");
    if (!text || text->empty()) {
        return std::make_shared<util::SystemClock>();
    }
    const auto start = util::parse_rfc3339(*text);
    if (!start) {
        throw UsageError(fmt::format("PXCLONE_NOW: '{}' is not an RFC 3339 time", *text),
                         "e.g. PXCLONE_NOW=2026-11-27T10:00:00Z");
    }
    return std::make_shared<ShiftedClock>(*start);
}

SessionParts connect(const GlobalOptions& globals, const Streams& streams,
                     const profile::Profile& profile, const util::Environment& environment,
                     ClusterSide side) {
    SessionParts parts;
    parts.side = side;
    const auto log = std::make_shared<http::LogSink>(streams.err);
    parts.record = globals.record_path.empty() ? nullptr : std::make_shared<http::RunRecord>();
    parts.clock = make_clock(environment);
    parts.sleeper = std::make_shared<util::ThreadSleeper>();
    parts.deadline =
        globals.timeout
            ? util::Deadline::after(*parts.clock, *globals.timeout,
                                    "--timeout " + util::format_duration(*globals.timeout))
            : util::Deadline();

    k8s::ConnectOptions options;
    // The staging cluster of a staging.cluster: its own context (--context names the source
    // cluster's) and its kubeconfig, else the source cluster's.
    const auto* staging = side == ClusterSide::staging && profile.staging.cluster
                              ? &profile.staging.cluster->cluster
                              : nullptr;
    if (staging != nullptr && !staging->kubeconfig.empty()) {
        options.kubeconfig_path = profile::resolve_path(profile, staging->kubeconfig);
    } else if (!globals.kubeconfig.empty()) {
        options.kubeconfig_path = globals.kubeconfig;
    } else if (!profile.cluster.kubeconfig.empty()) {
        options.kubeconfig_path = profile::resolve_path(profile, profile.cluster.kubeconfig);
    }
    if (staging != nullptr) {
        options.context = staging->context;
    } else {
        options.context = !globals.context.empty() ? globals.context : profile.cluster.context;
    }
    options.env = &environment;
    // Where a pod's service account is looked for (tests run "in a pod" against pxsim).
    if (const auto root = environment.get("PXCLONE_IN_CLUSTER_ROOT"); root && !root->empty()) {
        options.in_cluster_root = *root;
    }
    options.verbosity = globals.verbosity;
    options.log = log;
    options.record = parts.record;
    options.parallel = globals.parallel;
    options.clock = parts.clock;
    options.sleeper = parts.sleeper;
    options.request_timeout = globals.request_timeout;
    options.deadline = parts.deadline;
    // Ctrl-C must end a long wait (a rollout, a masking Job) at once, not when it is over; the
    // requests that report and clean up after it must still go out.
    options.streams_cancelled = util::interrupt_flag();
    parts.cluster = k8s::connect_cluster(options);

    // A direct Portworx endpoint: its own libcurl handles (its TLS settings), the same
    // decorators (retries, --record, -v logs) as the API server's stack.
    parts.portworx_direct = [&globals, &profile, &portworx = side_portworx(profile, side), log,
                             record = parts.record, clock = parts.clock, sleeper = parts.sleeper,
                             deadline = parts.deadline] {
        http::CurlOptions curl;
        curl.tls.ca_file = portworx.ca_file.empty()
                               ? std::string()
                               : profile::resolve_path(profile, portworx.ca_file);
        curl.tls.insecure_skip_verify = portworx.insecure;
        curl.max_idle_handles = static_cast<std::size_t>(std::max(globals.parallel, 1));
        curl.max_kept_connections = curl.max_idle_handles;
        curl.max_connections = util::fan_out_width(curl.max_idle_handles);
        curl.request_timeout = globals.request_timeout;
        curl.deadline = deadline;
        curl.clock = clock;
        curl.warn = [log](std::string_view text) {
            log->write(fmt::format("pxclone: warning: {}", text));
        };
        http::StackOptions stack;
        stack.clock = clock;
        stack.sleeper = sleeper;
        stack.verbosity = globals.verbosity;
        stack.log = log;
        stack.record = record;
        stack.deadline = deadline;
        return http::decorate(std::make_shared<http::CurlTransport>(curl), stack);
    };
    return parts;
}

Session::Session(const GlobalOptions& globals, Streams streams, const profile::Profile& profile,
                 const util::Environment& environment, ClusterSide side)
    : Session(globals, streams, profile, environment,
              connect(globals, streams, profile, environment, side)) {}

Session::Session(const GlobalOptions& globals, Streams streams, const profile::Profile& profile,
                 const util::Environment& environment, SessionParts parts)
    : m_globals(globals), m_profile(profile), m_side(parts.side), m_environment(environment),
      m_portworx_direct(std::move(parts.portworx_direct)), m_record(std::move(parts.record)),
      m_clock(std::move(parts.clock)), m_sleeper(std::move(parts.sleeper)),
      m_deadline(std::move(parts.deadline)),
      m_progress(streams.err, progress_options(globals, streams, environment),
                 [clock = m_clock] { return clock->now(); }),
      m_cluster(std::move(parts.cluster)) {
    m_kube = std::make_unique<k8s::Client>(*m_cluster.transport, m_cluster.server);
    m_pool = std::make_unique<util::WorkerPool>(static_cast<std::size_t>(globals.parallel));
    m_fan_out = std::make_unique<util::WorkerPool>(
        util::fan_out_width(static_cast<std::size_t>(std::max(globals.parallel, 1))),
        util::WorkerPool::Start::on_demand);
}

Session::~Session() = default;

std::string Session::cluster_name() const {
    return cmd::cluster_name(m_profile, m_side);
}

const std::string& Session::transfer_credential() {
    if (m_transfer_credential) {
        return *m_transfer_credential;
    }
    if (!m_profile.transfer) {
        throw UsageError(fmt::format("{}: the profile has no transfer section", m_profile.file));
    }
    const auto& name = m_side == ClusterSide::source ? m_profile.transfer->source_credential
                                                     : m_profile.transfer->staging_credential;
    m_transfer_credential =
        px::CloudBackupClient(portworx(), cluster_name()).resolve_credential(name).id;
    return *m_transfer_credential;
}

std::string Session::key_prefix() const {
    return m_side == ClusterSide::staging && m_profile.staging.cluster ? "staging.cluster." : "";
}

std::string Session::resolve_token(const profile::SecretRef& reference) const {
    if (const auto* env = std::get_if<profile::EnvSecret>(&reference)) {
        const auto value = m_environment.get(env->name);
        if (!value || value->empty()) {
            throw NotFoundError(fmt::format("{}portworx.token: environment variable {} is not set",
                                            key_prefix(), env->name));
        }
        return *value;
    }
    if (const auto* file = std::get_if<profile::FileSecret>(&reference)) {
        return read_secret_file(profile::resolve_path(m_profile, file->path));
    }
    const auto& secret = std::get<profile::KubeSecret>(reference);
    return k8s::read_secret_value(*m_kube, secret.secret_namespace, secret.name, secret.key);
}

const px::Client& Session::portworx() {
    if (m_px) {
        return *m_px;
    }
    const auto& section = side_portworx(m_profile, m_side);
    const auto& endpoint = section.endpoint;
    const bool has_token = section.token.has_value();
    if (const auto problem = px::token_route_problem(endpoint, has_token)) {
        throw UsageError(
            fmt::format("{}: {}portworx.token: {}", m_profile.file, key_prefix(), *problem));
    }
    const auto token = has_token ? resolve_token(*section.token) : std::string();
    if (endpoint.kind == px::Endpoint::Kind::service_proxy) {
        m_px = std::make_unique<px::Client>(
            *m_cluster.transport, px::base_url(endpoint, m_cluster.server), token, endpoint.text);
        return *m_px;
    }
    if (!token.empty()) {
        k8s::check_credentials_route(endpoint.url, key_prefix() + "portworx.token",
                                     m_profile.file + ": " + key_prefix() + "portworx.endpoint",
                                     m_environment);
    }
    if (!m_portworx_direct) {
        throw UsageError(fmt::format("{}: {}portworx.endpoint {}: this session has no direct "
                                     "Portworx transport",
                                     m_profile.file, key_prefix(), endpoint.text));
    }
    m_px_transport = m_portworx_direct();
    m_px = std::make_unique<px::Client>(*m_px_transport, endpoint.url, token, endpoint.text);
    return *m_px;
}

std::unique_ptr<exec::StagingRunner>
Session::staging_runner(bool use_portworx, exec::StagingContext context, std::ostream& dry_out) {
    if (m_globals.dry_run) {
        return exec::make_dry_run_staging_runner(dry_out);
    }
    return exec::make_staging_runner(*m_kube, use_portworx ? &portworx() : nullptr,
                                     std::move(context));
}

std::unique_ptr<exec::RestoreRunner> Session::restore_runner(exec::RestoreContext context,
                                                             std::ostream& dry_out) {
    if (m_globals.dry_run) {
        return exec::make_dry_run_restore_runner(dry_out);
    }
    return exec::make_restore_runner(*m_kube, portworx(), std::move(context));
}

std::unique_ptr<exec::TeardownRunner> Session::teardown_runner(exec::TeardownContext context,
                                                               std::ostream* dry_out) {
    if (m_globals.dry_run) {
        return exec::make_dry_run_teardown_runner(dry_out);
    }
    return exec::make_teardown_runner(std::move(context));
}

std::unique_ptr<exec::NamespaceRunner> Session::namespace_runner(std::ostream& dry_out) {
    if (m_globals.dry_run) {
        return exec::make_dry_run_namespace_runner(dry_out);
    }
    return exec::make_namespace_runner(*m_kube);
}

std::unique_ptr<exec::SnapshotSetRunner> Session::snapshot_runner(const method::Method& method,
                                                                  exec::BackendContext context,
                                                                  std::ostream& dry_out) {
    if (m_side == ClusterSide::staging && separate_clusters(m_profile)) {
        throw UsageError(fmt::format("{}: snapshots are taken in the source cluster, not the {}",
                                     m_profile.file, cluster_name()));
    }
    auto backend = method.backend(*m_kube, portworx(), context);
    if (m_profile.transfer) {
        // The set reaches the staging cluster through cloud backups: a snapshot counts once its
        // backup is Done (a dry run's backend still reads the set's backups, for a re-run).
        backend = method::make_cloudsnap_backend(
            std::move(backend), portworx(), std::move(context),
            {.profile = m_profile.name,
             .credentials = {.source_id = transfer_credential(), .staging_id = {}},
             .backup_timeout = m_profile.transfer->backup_timeout,
             .cluster = cluster_name(),
             .pool = m_fan_out.get()});
    }
    if (m_globals.dry_run) {
        return exec::make_dry_run_snapshot_set_runner(std::move(backend), dry_out);
    }
    return exec::make_snapshot_set_runner(
        std::move(backend), std::make_unique<util::PosixProcessRunner>(process_runner()),
        {.kube = *m_kube, .portworx = portworx(), .clock = *m_clock, .sleeper = *m_sleeper});
}

util::PosixProcessRunner Session::process_runner() const {
    return util::PosixProcessRunner(m_deadline, m_clock, util::interrupt_flag());
}

std::chrono::system_clock::time_point
Session::wait_deadline(std::chrono::milliseconds profile_default,
                       std::optional<std::chrono::system_clock::time_point> start) const {
    return m_deadline.is_set() ? m_deadline.at() : start.value_or(m_clock->now()) + profile_default;
}

std::chrono::milliseconds Session::timeout_or(std::chrono::milliseconds profile_default) const {
    return std::max(std::chrono::duration_cast<std::chrono::milliseconds>(
                        wait_deadline(profile_default) - m_clock->now()),
                    std::chrono::milliseconds(0));
}

void Session::finish(const nlohmann::json& result) {
    if (m_record) {
        m_record->set_result(result);
        m_record->write_file(m_globals.record_path);
    }
}

} // namespace pxclone::cmd
