// Authentication of requests to the API server: bearer tokens (inline, from a file, from an
// exec plugin), HTTP basic, and client certificates handed out by exec plugins.
#pragma once

#include "pxclone/http/transport.hpp"
#include "pxclone/k8s/kubeconfig.hpp"
#include "pxclone/util/clock.hpp"
#include "pxclone/util/deadline.hpp"
#include "pxclone/util/process.hpp"

#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace pxclone::k8s {

// What a credential source adds to requests.
class CredentialSource {
public:
    virtual ~CredentialSource() = default;
    // The Authorization header value to send now; nullopt for none (anonymous, or a client
    // certificate only). May run a plugin or read a file; throws pxclone::Error when it cannot.
    virtual std::optional<std::string> authorization() = 0;
    // Called after a 401 to a request sent with `used` (the value authorization() gave, or "").
    // Returns whether a fresh credential is now in place, so the request is worth one re-send.
    virtual bool refresh_after_unauthorized(const std::string& used) = 0;
};

// A credential returned by an exec plugin.
struct ExecCredential {
    std::string token;
    std::string cert_pem;
    std::string key_pem;
    std::optional<std::chrono::system_clock::time_point> expiry; // none: valid for the run
};

// Parses a plugin's stdout. `expected_api_version` is the kubeconfig's apiVersion; `where` names
// the user and file for messages. Throws pxclone::Error (exit 1) when stdout is not JSON (with a
// hint about AWS_DEFAULT_OUTPUT), not an ExecCredential, of another apiVersion (v1alpha1 with a
// hint to re-run `aws eks update-kubeconfig`), or carries neither a token nor a certificate and
// key. Never quotes stdout: it may hold a token.
ExecCredential parse_exec_credential(const std::string& stdout_text,
                                     const std::string& expected_api_version,
                                     const std::string& where);

struct ExecDependencies {
    std::shared_ptr<util::ProcessRunner> runner;
    std::shared_ptr<util::Clock> clock;
    std::vector<std::string> base_environment; // inherited by the plugin ("NAME=value")
    bool stdin_is_terminal = false;
    std::chrono::milliseconds timeout{60'000};
    // The command's deadline, for messages; `runner` enforces it (util::PosixProcessRunner).
    util::Deadline deadline;
};

// Runs a kubeconfig exec plugin (without a shell: command + args, environment = inherited + the
// entry's env + KUBERNETES_EXEC_INFO) and caches its credential until expirationTimestamp.
// Thread-safe: concurrent callers wait for one run. A certificate credential is handed to
// `set_client_certificate` (the transport's TLS identity) whenever it changes.
class ExecCredentialSource final : public CredentialSource {
public:
    ExecCredentialSource(ExecConfig exec, const ClusterConfig& cluster, std::string where,
                         ExecDependencies deps,
                         std::function<void(std::string, std::string)> set_client_certificate);

    std::optional<std::string> authorization() override;
    bool refresh_after_unauthorized(const std::string& used) override;

    // How many times the plugin ran (for tests and -v).
    int runs() const;

private:
    ExecCredential run_plugin() const;
    ExecCredential run_plugin_locked();
    std::optional<std::string> header_locked() const;
    void install_locked(ExecCredential credential);

    ExecConfig m_exec;
    std::string m_exec_info; // KUBERNETES_EXEC_INFO
    std::string m_where;
    ExecDependencies m_deps;
    std::function<void(std::string, std::string)> m_set_client_certificate;
    mutable std::mutex m_mutex;
    std::optional<ExecCredential> m_cached;
    std::exception_ptr m_stopped; // the deadline stopped the plugin: every later call fails so
    int m_runs = 0;
};

// Adds the source's Authorization header to each request (unless the request carries one) and,
// on a 401, asks the source to refresh and re-sends that request once. Thread-safe.
class AuthenticatingTransport final : public http::Transport {
public:
    AuthenticatingTransport(std::shared_ptr<http::Transport> inner,
                            std::shared_ptr<CredentialSource> source);

    http::Response send(const http::Request& request) override;
    http::Response stream(const http::Request& request,
                          const http::ChunkHandler& on_chunk) override;

private:
    template <typename Call>
    http::Response authenticated(const http::Request& request, Call&& call);

    std::shared_ptr<http::Transport> m_inner;
    std::shared_ptr<CredentialSource> m_source;
};

// The source for a resolved cluster's auth: a static token, a token file (re-read when its
// mtime, size or inode change), basic auth, an exec plugin, or nullptr when requests need no
// header (anonymous or client certificate from the kubeconfig).
std::shared_ptr<CredentialSource>
make_credential_source(const ClusterConfig& cluster, ExecDependencies deps,
                       std::function<void(std::string, std::string)> set_client_certificate);

} // namespace pxclone::k8s
