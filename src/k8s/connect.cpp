#include "pxclone/k8s/connect.hpp"

#include "pxclone/error.hpp"
#include "pxclone/http/stack.hpp"
#include "pxclone/k8s/auth.hpp"
#include "pxclone/util/worker_pool.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include <fmt/format.h>

namespace pxclone::k8s {

ClusterConnection connect_cluster(const ConnectOptions& options) {
    KubeconfigOptions load;
    load.explicit_path = options.kubeconfig_path;
    load.context = options.context;
    load.env = options.env;
    load.in_cluster_root = options.in_cluster_root;
    auto config = load_cluster_config(load);
    const auto& auth = config.auth;
    if (!auth.token.empty() || !auth.token_file.empty() || !auth.password.empty() ||
        auth.exec.has_value()) {
        check_credentials_route(config.server, "the kubeconfig user's credentials",
                                fmt::format("{}: cluster '{}'", config.origin, config.cluster_name),
                                *options.env);
    }

    http::CurlOptions curl;
    curl.tls = config.tls;
    curl.proxy_url = config.proxy_url;
    curl.connect_timeout = options.connect_timeout;
    curl.request_timeout = options.request_timeout;
    curl.deadline = options.deadline;
    curl.clock = options.clock;
    curl.cancelled = options.cancelled;
    curl.streams_cancelled = options.streams_cancelled;
    curl.max_idle_handles = static_cast<std::size_t>(std::max(options.parallel, 1));
    curl.max_kept_connections = curl.max_idle_handles;
    curl.max_connections = util::fan_out_width(curl.max_idle_handles);
    if (options.log) {
        curl.warn = [log = options.log](std::string_view text) {
            log->write(text);
        };
    }
    auto base = std::make_shared<http::CurlTransport>(std::move(curl));

    ExecDependencies exec;
    exec.clock = options.clock ? options.clock : std::make_shared<util::SystemClock>();
    // A plugin ends by the deadline too, and Ctrl-C stops it (it runs in its own process group).
    exec.runner = options.process_runner
                      ? options.process_runner
                      : std::make_shared<util::PosixProcessRunner>(options.deadline, exec.clock,
                                                                   options.streams_cancelled);
    exec.base_environment = options.plugin_environment.value_or(util::current_environment());
    exec.stdin_is_terminal = options.stdin_is_terminal.value_or(util::stdin_is_terminal());
    exec.deadline = options.deadline;
    // The weak pointer keeps the credential source from owning the transport it feeds.
    std::weak_ptr<http::CurlTransport> weak = base;
    auto source =
        make_credential_source(config, std::move(exec), [weak](std::string cert, std::string key) {
            if (auto curl_transport = weak.lock()) {
                curl_transport->set_client_certificate(std::move(cert), std::move(key));
            }
        });
    std::shared_ptr<http::Transport> transport = base;
    if (source) {
        transport = std::make_shared<AuthenticatingTransport>(std::move(transport), source);
    }

    http::StackOptions stack;
    stack.retry = options.retry;
    stack.clock = options.clock;
    stack.sleeper = options.sleeper;
    stack.verbosity = options.verbosity;
    stack.log = options.log;
    stack.record = options.record;
    stack.deadline = options.deadline;

    ClusterConnection connection;
    connection.server = config.server;
    connection.default_namespace = config.default_namespace;
    connection.context = config.context;
    connection.transport = http::decorate(std::move(transport), stack);
    connection.config = std::move(config);
    return connection;
}

bool is_plaintext_remote(std::string_view url) {
    constexpr std::string_view k_http = "http://";
    if (url.size() < k_http.size() ||
        !std::equal(k_http.begin(), k_http.end(), url.begin(), [](char a, char b) {
            return a == std::tolower(static_cast<unsigned char>(b));
        })) {
        return false;
    }
    auto authority = url.substr(k_http.size());
    authority = authority.substr(0, authority.find_first_of("/?#"));
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
        authority = authority.substr(at + 1);
    }
    std::string_view host;
    if (!authority.empty() && authority.front() == '[') {
        host = authority.substr(0, authority.find(']') + 1);
    } else {
        host = authority.substr(0, authority.find(':'));
    }
    std::string lower(host);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const bool loopback = lower == "localhost" || lower == "[::1]" || lower.starts_with("127.");
    return !loopback;
}

void check_credentials_route(std::string_view url, std::string_view what, std::string_view where,
                             const util::Environment& env) {
    if (!is_plaintext_remote(url) || env.get(k_allow_http_credentials).value_or("") == "1") {
        return;
    }
    throw UsageError(
        fmt::format("{}: refusing to send {} over plain http to {}", where, what, url),
        fmt::format("use https:// (the credentials would travel in clear text), or set {}=1 if "
                    "this network is trusted",
                    k_allow_http_credentials));
}

} // namespace pxclone::k8s
