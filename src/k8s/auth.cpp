#include "pxclone/k8s/auth.hpp"

#include "pxclone/error.hpp"
#include "pxclone/util/base64.hpp"
#include "pxclone/util/file.hpp"
#include "pxclone/util/json.hpp"
#include "pxclone/util/time.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <sstream>
#include <sys/stat.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace pxclone::k8s {

namespace {

constexpr std::string_view k_v1alpha1 = "client.authentication.k8s.io/v1alpha1";

std::string trim(std::string text) {
    const auto not_space = [](unsigned char c) {
        return std::isspace(c) == 0;
    };
    text.erase(text.begin(), std::find_if(text.begin(), text.end(), not_space));
    text.erase(std::find_if(text.rbegin(), text.rend(), not_space).base(), text.end());
    return text;
}

// The last lines of a plugin's stderr, for the error's detail lines.
std::vector<std::string> tail_lines(const std::string& text, std::size_t count) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (!trim(line).empty()) {
            lines.push_back("stderr: " + line);
        }
    }
    if (lines.size() > count) {
        lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(count));
    }
    return lines;
}

// A CA bundle is a few hundred KiB at most (the whole Mozilla store is ~220 KiB). The limit only
// stops a wrong path (/dev/zero, a disk image) from exhausting memory.
constexpr std::size_t k_max_ca_bytes = 16 * 1024 * 1024;

class StaticSource final : public CredentialSource {
public:
    explicit StaticSource(std::string header) : m_header(std::move(header)) {}
    std::optional<std::string> authorization() override { return m_header; }
    bool refresh_after_unauthorized(const std::string&) override { return false; }

private:
    std::string m_header;
};

class TokenFileSource final : public CredentialSource {
public:
    explicit TokenFileSource(std::string path) : m_path(std::move(path)) {}

    std::optional<std::string> authorization() override {
        const std::scoped_lock lock(m_mutex);
        reload(false);
        return "Bearer " + m_token;
    }

    bool refresh_after_unauthorized(const std::string& used) override {
        const std::scoped_lock lock(m_mutex);
        reload(true);
        return "Bearer " + m_token != used;
    }

private:
    void reload(bool force) {
        struct stat info {};
        if (::stat(m_path.c_str(), &info) != 0) {
            throw Error(ExitCode::failed,
                        fmt::format("tokenFile {}: {}", m_path, std::strerror(errno)));
        }
        const bool changed = !m_loaded || info.st_ino != m_seen.st_ino ||
                             info.st_size != m_seen.st_size ||
                             info.st_mtim.tv_sec != m_seen.st_mtim.tv_sec ||
                             info.st_mtim.tv_nsec != m_seen.st_mtim.tv_nsec;
        if (!changed && !force) {
            return;
        }
        auto file = util::read_file(m_path, util::k_max_token_file_bytes);
        if (!file) {
            throw Error(ExitCode::failed,
                        fmt::format("tokenFile {}: cannot read: {}", m_path,
                                    util::describe_read_error(file, util::k_max_token_file_bytes,
                                                              "a token")));
        }
        auto token = trim(std::move(file.text));
        if (token.empty()) {
            throw Error(ExitCode::failed, fmt::format("tokenFile {} is empty", m_path));
        }
        m_token = std::move(token);
        m_seen = info;
        m_loaded = true;
    }

    std::string m_path;
    std::mutex m_mutex;
    bool m_loaded = false;
    struct stat m_seen {};
    std::string m_token;
};

std::string exec_info(const ExecConfig& exec, const ClusterConfig& cluster, bool interactive) {
    nlohmann::json spec = {{"interactive", interactive}};
    if (exec.provide_cluster_info) {
        nlohmann::json info = {{"server", cluster.server}};
        // An unreadable CA file is left out here; the connection itself reports it.
        const auto ca = !cluster.tls.ca_pem.empty() ? cluster.tls.ca_pem
                        : !cluster.tls.ca_file.empty()
                            ? util::read_file(cluster.tls.ca_file, k_max_ca_bytes).text
                            : std::string();
        if (!ca.empty()) {
            info["certificate-authority-data"] = util::base64_encode(ca);
        }
        if (!cluster.tls.server_name.empty()) {
            info["tls-server-name"] = cluster.tls.server_name;
        }
        if (cluster.tls.insecure_skip_verify) {
            info["insecure-skip-tls-verify"] = true;
        }
        if (!cluster.proxy_url.empty()) {
            info["proxy-url"] = cluster.proxy_url;
        }
        spec["cluster"] = std::move(info);
    }
    return nlohmann::json{
        {"apiVersion", exec.api_version}, {"kind", "ExecCredential"}, {"spec", std::move(spec)}}
        .dump();
}

} // namespace

ExecCredential parse_exec_credential(const std::string& stdout_text,
                                     const std::string& expected_api_version,
                                     const std::string& where) {
    const auto json = util::parse_json(stdout_text);
    if (json.is_discarded() || !json.is_object()) {
        throw Error(ExitCode::failed,
                    fmt::format("{} printed something that is not an ExecCredential JSON object "
                                "({} bytes)",
                                where, stdout_text.size()),
                    "an AWS profile with `output = text` (or table) makes `aws eks get-token` "
                    "print text: set AWS_DEFAULT_OUTPUT=json in the environment or the exec env");
    }
    const auto api_version = json.value("apiVersion", "");
    if (api_version == k_v1alpha1) {
        throw Error(ExitCode::failed,
                    fmt::format("{} returned apiVersion {}, which is no longer supported", where,
                                api_version),
                    "upgrade the plugin (AWS CLI v2 / aws-iam-authenticator) and run `aws eks "
                    "update-kubeconfig --name CLUSTER` again");
    }
    if (api_version != expected_api_version) {
        throw Error(ExitCode::failed,
                    fmt::format("{} returned apiVersion '{}' but the kubeconfig asks for '{}'",
                                where, api_version, expected_api_version),
                    "make user.exec.apiVersion match what the plugin prints");
    }
    if (json.value("kind", "") != "ExecCredential") {
        throw Error(ExitCode::failed, fmt::format("{} returned kind '{}', not ExecCredential",
                                                  where, json.value("kind", "")));
    }
    const auto status = json.find("status");
    if (status == json.end() || !status->is_object()) {
        throw Error(ExitCode::failed,
                    fmt::format("{} returned an ExecCredential without status", where));
    }
    ExecCredential credential;
    credential.token = status->value("token", "");
    credential.cert_pem = status->value("clientCertificateData", "");
    credential.key_pem = status->value("clientKeyData", "");
    if (credential.cert_pem.empty() != credential.key_pem.empty()) {
        throw Error(
            ExitCode::failed,
            fmt::format("{} returned only one of clientCertificateData and clientKeyData", where));
    }
    if (credential.token.empty() && credential.cert_pem.empty()) {
        throw Error(ExitCode::failed,
                    fmt::format("{} returned neither a token nor a client certificate", where));
    }
    if (const auto expiry = status->value("expirationTimestamp", ""); !expiry.empty()) {
        credential.expiry = util::parse_rfc3339(expiry);
        if (!credential.expiry) {
            throw Error(ExitCode::failed,
                        fmt::format("{} returned expirationTimestamp '{}', which is not RFC 3339",
                                    where, expiry));
        }
    }
    return credential;
}

ExecCredentialSource::ExecCredentialSource(
    ExecConfig exec, const ClusterConfig& cluster, std::string where, ExecDependencies deps,
    std::function<void(std::string, std::string)> set_client_certificate)
    : m_exec(std::move(exec)), m_where(std::move(where)), m_deps(std::move(deps)),
      m_set_client_certificate(std::move(set_client_certificate)) {
    const bool interactive = m_exec.interactive_mode != "Never" && m_deps.stdin_is_terminal;
    m_exec_info = exec_info(m_exec, cluster, interactive);
}

int ExecCredentialSource::runs() const {
    const std::scoped_lock lock(m_mutex);
    return m_runs;
}

ExecCredential ExecCredentialSource::run_plugin() const {
    if (m_exec.interactive_mode == "Always" && !m_deps.stdin_is_terminal) {
        throw UsageError(
            fmt::format("{} has interactiveMode: Always but stdin is not a terminal", m_where),
            "run pxclone from a terminal once to log in, or configure a "
            "non-interactive credential for CI");
    }
    util::ProcessSpec spec;
    spec.program = m_exec.command;
    spec.args = m_exec.args;
    spec.timeout = m_deps.timeout;
    // Interactive plugins (a login prompt) talk to the user's terminal directly.
    spec.inherit_stdin = m_exec.interactive_mode != "Never" && m_deps.stdin_is_terminal;
    spec.inherit_stderr = spec.inherit_stdin;
    // Inherited environment, then the entry's env (overriding), then KUBERNETES_EXEC_INFO.
    const auto overridden = [&](const std::string& entry) {
        const auto name = entry.substr(0, entry.find('='));
        if (name == "KUBERNETES_EXEC_INFO") {
            return true;
        }
        return std::any_of(m_exec.env.begin(), m_exec.env.end(),
                           [&](const auto& pair) { return pair.first == name; });
    };
    for (const auto& entry : m_deps.base_environment) {
        if (!overridden(entry)) {
            spec.env.push_back(entry);
        }
    }
    for (const auto& [name, value] : m_exec.env) {
        spec.env.push_back(name + "=" + value);
    }
    spec.env.push_back("KUBERNETES_EXEC_INFO=" + m_exec_info);

    const auto result = m_deps.runner->run(spec);
    using Outcome = util::ProcessResult::Outcome;
    switch (result.outcome) {
    case Outcome::not_found:
        throw Error(
            ExitCode::failed, fmt::format("{}: command '{}' not found", m_where, m_exec.command),
            m_exec.install_hint.empty() ? "install it, or set user.exec.command to its full path"
                                        : trim(m_exec.install_hint));
    case Outcome::timed_out:
        if (result.by_deadline) {
            throw TimeoutError(
                fmt::format("{} did not finish before the deadline ({}); it was stopped", m_where,
                            m_deps.deadline.origin()),
                "is it waiting for input (a login prompt) or the network? run it once in a "
                "terminal");
        }
        throw Error(
            ExitCode::failed,
            fmt::format("{} did not finish within {}s", m_where,
                        std::chrono::duration_cast<std::chrono::seconds>(m_deps.timeout).count()),
            "is it waiting for input (a login prompt)? run it once in a terminal",
            tail_lines(result.err, 10));
    case Outcome::signalled:
        if (result.cancelled) {
            throw InterruptedError(fmt::format("interrupted while {} ran", m_where));
        }
        throw Error(ExitCode::failed,
                    fmt::format("{} was killed by signal {}", m_where, result.signal), {},
                    tail_lines(result.err, 10));
    case Outcome::exited:
        break;
    }
    if (result.exit_code != 0) {
        throw Error(ExitCode::failed,
                    fmt::format("{} failed with exit code {}", m_where, result.exit_code), {},
                    tail_lines(result.err, 10));
    }
    return parse_exec_credential(result.out, m_exec.api_version, m_where);
}

std::optional<std::string> ExecCredentialSource::header_locked() const {
    if (!m_cached || m_cached->token.empty()) {
        return std::nullopt;
    }
    return "Bearer " + m_cached->token;
}

void ExecCredentialSource::install_locked(ExecCredential credential) {
    const bool cert_changed = !m_cached || m_cached->cert_pem != credential.cert_pem ||
                              m_cached->key_pem != credential.key_pem;
    if (cert_changed && !credential.cert_pem.empty() && m_set_client_certificate) {
        m_set_client_certificate(credential.cert_pem, credential.key_pem);
    }
    m_cached = std::move(credential);
}

std::optional<std::string> ExecCredentialSource::authorization() {
    const std::scoped_lock lock(m_mutex);
    const bool expired = m_cached && m_cached->expiry && m_deps.clock->now() >= *m_cached->expiry;
    if (!m_cached || expired) {
        install_locked(run_plugin_locked());
    }
    return header_locked();
}

ExecCredential ExecCredentialSource::run_plugin_locked() {
    // The deadline stopped it: the requests that waited for this run must not start another
    // one (each would be stopped in turn, past the deadline).
    if (m_stopped) {
        std::rethrow_exception(m_stopped);
    }
    ++m_runs;
    try {
        return run_plugin();
    } catch (const TimeoutError&) {
        m_stopped = std::current_exception();
        throw;
    }
}

bool ExecCredentialSource::refresh_after_unauthorized(const std::string& used) {
    const std::scoped_lock lock(m_mutex);
    // Another request already replaced the credential this one used: just re-send.
    if (m_cached && header_locked().value_or("") != used) {
        return true;
    }
    install_locked(run_plugin_locked());
    return true;
}

AuthenticatingTransport::AuthenticatingTransport(std::shared_ptr<http::Transport> inner,
                                                 std::shared_ptr<CredentialSource> source)
    : m_inner(std::move(inner)), m_source(std::move(source)) {}

template <typename Call>
http::Response AuthenticatingTransport::authenticated(const http::Request& request, Call&& call) {
    if (!m_source || http::find_header(request.headers, "Authorization")) {
        return call(request);
    }
    auto signed_request = request;
    const auto header = m_source->authorization();
    if (header) {
        signed_request.headers.emplace_back("Authorization", *header);
    }
    auto response = call(signed_request);
    if (response.status != 401 || !m_source->refresh_after_unauthorized(header.value_or(""))) {
        return response;
    }
    // A 401 means the server did not act on the request, so re-sending a POST is safe too.
    auto retry = request;
    if (const auto fresh = m_source->authorization()) {
        retry.headers.emplace_back("Authorization", *fresh);
    }
    return call(retry);
}

http::Response AuthenticatingTransport::send(const http::Request& request) {
    return authenticated(request, [&](const http::Request& r) { return m_inner->send(r); });
}

http::Response AuthenticatingTransport::stream(const http::Request& request,
                                               const http::ChunkHandler& on_chunk) {
    return authenticated(request,
                         [&](const http::Request& r) { return m_inner->stream(r, on_chunk); });
}

std::shared_ptr<CredentialSource>
make_credential_source(const ClusterConfig& cluster, ExecDependencies deps,
                       std::function<void(std::string, std::string)> set_client_certificate) {
    const auto& auth = cluster.auth;
    if (auth.exec) {
        const auto where = fmt::format("exec plugin '{}' of user \"{}\" (kubeconfig {})",
                                       auth.exec->command, cluster.user_name, cluster.origin);
        return std::make_shared<ExecCredentialSource>(*auth.exec, cluster, where, std::move(deps),
                                                      std::move(set_client_certificate));
    }
    if (!auth.token.empty()) {
        return std::make_shared<StaticSource>("Bearer " + auth.token);
    }
    if (!auth.token_file.empty()) {
        return std::make_shared<TokenFileSource>(auth.token_file);
    }
    if (!auth.username.empty() || !auth.password.empty()) {
        return std::make_shared<StaticSource>(
            "Basic " + util::base64_encode(auth.username + ":" + auth.password));
    }
    return nullptr;
}

} // namespace pxclone::k8s
