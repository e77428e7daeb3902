// From command-line options to a ready, authenticated transport to the Kubernetes API server.
#pragma once

#include "pxclone/http/curl_transport.hpp"
#include "pxclone/http/logging.hpp"
#include "pxclone/http/retry.hpp"
#include "pxclone/http/transport.hpp"
#include "pxclone/k8s/kubeconfig.hpp"
#include "pxclone/util/clock.hpp"
#include "pxclone/util/deadline.hpp"
#include "pxclone/util/environment.hpp"
#include "pxclone/util/process.hpp"

#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pxclone::k8s {

struct ConnectOptions {
    std::string kubeconfig_path;            // --kubeconfig
    std::string context;                    // --context, else the profile's cluster.context
    const util::Environment* env = nullptr; // required: KUBECONFIG, HOME, in-cluster variables
    std::filesystem::path in_cluster_root = "/";

    int verbosity = 0;                       // -v count
    std::shared_ptr<http::LogSink> log;      // -v lines and warnings (stderr); required when
                                             // verbosity > 0 or the cluster is insecure
    std::shared_ptr<http::RunRecord> record; // --record; nullptr for none
    int parallel = 8;                        // --parallel: pooled connections/handles

    // Raised on SIGINT/SIGTERM: transfers in flight stop, new ones throw InterruptedError.
    std::shared_ptr<const std::atomic<bool>> cancelled;
    // Raised on SIGINT/SIGTERM: watches in flight stop; other requests still run.
    std::shared_ptr<const std::atomic<bool>> streams_cancelled;

    http::RetryPolicy retry;
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds request_timeout{30'000}; // --request-timeout; 0: none
    // --timeout: bounds every request, retry and exec plugin run (util::Deadline).
    util::Deadline deadline;

    // Side effects; nullptr / nullopt means the real one.
    std::shared_ptr<util::Clock> clock;
    std::shared_ptr<util::Sleeper> sleeper;
    std::shared_ptr<util::ProcessRunner> process_runner;
    std::optional<std::vector<std::string>> plugin_environment; // default: this process's
    std::optional<bool> stdin_is_terminal;
};

struct ClusterConnection {
    std::string server;            // "https://host:port" (no trailing slash); paths are appended
    std::string default_namespace; // the context's namespace, else "default"
    std::string context;           // empty in-cluster
    // Thread-safe; Curl → Authenticating → Retrying → Recording → Logging (outermost).
    std::shared_ptr<http::Transport> transport;
    ClusterConfig config; // what was loaded (no secrets are printed from it by pxclone)
};

// Loads the kubeconfig (load_cluster_config's rules and errors) and builds the transport:
// - CurlTransport with the cluster's TLS, proxy and timeouts;
// - AuthenticatingTransport inside the retries, so every re-send carries the current credential
//   (an expired exec token is refreshed between attempts) and a 401 refresh is one step of its
//   own, not a backoff retry; and outside nothing that logs, so the Authorization header it adds
//   never reaches a log line at all;
// - RetryingTransport, then RecordingTransport and LoggingTransport outermost, so one logical
//   request is one log line / record with its retry count.
// No request is sent here.
ClusterConnection connect_cluster(const ConnectOptions& options);

// The environment variable that lets credentials travel over plain http to a host that is not
// this machine (PXCLONE_ALLOW_HTTP_CREDENTIALS=1); without it that is refused.
inline constexpr const char* k_allow_http_credentials = "PXCLONE_ALLOW_HTTP_CREDENTIALS";

// Whether `url` is plain http to a host other than loopback (localhost, 127.0.0.0/8, [::1]):
// a bearer token or password sent there can be read on the way.
bool is_plaintext_remote(std::string_view url);

// Refuses (UsageError, exit 2) to send `what` ("the kubeconfig user's token", "portworx.token")
// in clear text: when `url` is_plaintext_remote and env does not set k_allow_http_credentials to
// 1. `where` names the place the URL came from for the message.
void check_credentials_route(std::string_view url, std::string_view what, std::string_view where,
                             const util::Environment& env);

} // namespace pxclone::k8s
