#include "pxclone/k8s/connect.hpp"

#include "pxclone/http/stack.hpp"
#include "pxclone/k8s/auth.hpp"

#include <stdexcept>

namespace pxclone::k8s {

ClusterConnection connect_cluster(const ConnectOptions& options) {
    KubeconfigOptions load;
    load.explicit_path = options.kubeconfig_path;
    load.context = options.context;
    load.env = options.env;
    load.in_cluster_root = options.in_cluster_root;
    auto config = load_cluster_config(load);

    http::CurlOptions curl;
    curl.tls = config.tls;
    curl.proxy_url = config.proxy_url;
    curl.connect_timeout = options.connect_timeout;
    curl.request_timeout = options.request_timeout;
    curl.cancelled = options.cancelled;
    curl.max_idle_handles = static_cast<std::size_t>(std::max(options.parallel, 1));
    if (options.log) {
        curl.warn = [log = options.log](std::string_view text) {
            log->write(text);
        };
    }
    auto base = std::make_shared<http::CurlTransport>(std::move(curl));

    ExecDependencies exec;
    exec.runner = options.process_runner ? options.process_runner
                                         : std::make_shared<util::PosixProcessRunner>();
    exec.clock = options.clock ? options.clock : std::make_shared<util::SystemClock>();
    exec.base_environment = options.plugin_environment.value_or(util::current_environment());
    exec.stdin_is_terminal = options.stdin_is_terminal.value_or(util::stdin_is_terminal());
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

    ClusterConnection connection;
    connection.server = config.server;
    connection.default_namespace = config.default_namespace;
    connection.context = config.context;
    connection.transport = http::decorate(std::move(transport), stack);
    connection.config = std::move(config);
    return connection;
}

} // namespace pxclone::k8s
