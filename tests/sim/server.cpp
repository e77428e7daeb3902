#include "server.hpp"

#include <cctype>
#include <map>
#include <sstream>
#include <stdexcept>

#include <httplib.h>

#include "controllers.hpp"
#include "k8s_util.hpp"
#include "object_store.hpp"
#include "server_internal.hpp"
#include "server_pool.hpp"
#include "yaml_json.hpp"

namespace pxsim {

using namespace srv;

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error(path + ": cannot read");
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void redact(Json& value, bool secret_body) {
    if (value.is_object()) {
        for (auto& [key, item] : value.items()) {
            const std::string name = lower(key);
            // Credentials' keys too (POST /v1/credentials): never in the request log.
            const bool sensitive = name == "token" || name == "password" || name == "secret_key" ||
                                   name == "secretkey" || name == "account_key" ||
                                   name == "accountkey" || name == "json_key" ||
                                   name == "jsonkey" || name == "encryption_key" ||
                                   name == "encryptionkey" ||
                                   (secret_body && (name == "data" || name == "stringdata"));
            if (sensitive && item.is_object()) {
                for (auto& [inner_key, inner] : item.items()) {
                    (void)inner_key;
                    inner = "<redacted>";
                }
            } else if (sensitive && item.is_string()) {
                item = "<redacted>";
            } else {
                redact(item, false);
            }
        }
    } else if (value.is_array()) {
        for (Json& item : value) {
            redact(item, secret_body);
        }
    }
}

// An object's spec in place (an empty object when it has none).
const Json& spec_of(const Json& object) {
    static const Json k_none = Json::object();
    const auto found = object.find("spec");
    return found != object.end() && found->is_object() ? *found : k_none;
}

// The Portworx volume id a PV's spec names (CSI or in-tree), "" for none.
std::string handle_of(const Json& spec) {
    return spec.contains("csi")
               ? spec["csi"].value("volumeHandle", "")
               : spec.value("portworxVolume", Json::object()).value("volumeID", "");
}

} // namespace

Server::Server(ServerOptions options)
    : m_options(std::move(options)), m_latency(Latency::parse(m_options.latency)),
      m_faults(std::make_unique<FaultPlan>(FaultPlan::parse(m_options.faults, m_options.seed))),
      m_authorizer(m_options.user), m_store(m_options.history), m_random(m_options.seed) {
    {
        std::vector<DenyRule> rules;
        for (const std::string& rule : m_options.deny) {
            rules.push_back(parse_deny_rule(rule));
        }
        m_authorizer.set_rules(std::move(rules));
        m_authorizer.use_service_accounts(m_store, m_options.service_account_tokens);
    }
    if (!m_options.log_file.empty()) {
        m_log.open(m_options.log_file, std::ios::app);
        if (!m_log) {
            throw std::runtime_error(m_options.log_file + ": cannot open the request log");
        }
    }
    if (m_options.tls_cert.empty() != m_options.tls_key.empty()) {
        throw std::invalid_argument("--tls-cert and --tls-key go together");
    }
    if (!m_options.client_ca.empty() && m_options.tls_cert.empty()) {
        throw std::invalid_argument("--client-ca needs --tls-cert and --tls-key");
    }
    K8sOptions k8s;
    k8s.new_uid = [this] {
        return new_uid();
    };
    k8s.violation = [this](const std::string& what) {
        record_violation("kubernetes", what);
    };
    k8s.deny_create_on_apply = [this](const std::string& group, const std::string& resource,
                                      const std::string& ns, const std::string& name) {
        return m_authorizer.deny_create_on_apply(group, resource, ns, name);
    };
    k8s.source_namespaces = {m_options.source_namespaces.begin(),
                             m_options.source_namespaces.end()};
    const auto client_labels = parse_label_selector(m_options.client_labels);
    if (!client_labels || client_labels->empty()) {
        throw std::invalid_argument("--client-labels: not a non-empty label selector: '" +
                                    m_options.client_labels + "'");
    }
    k8s.client_labels = *client_labels;
    m_k8s = std::make_unique<K8sApi>(m_store, std::move(k8s));
    PxHooks hooks;
    hooks.is_attached = [this](const std::string& id) {
        return is_attached(id);
    };
    hooks.attached_among = [this](const std::vector<std::string>& ids) {
        return attached_among(ids);
    };
    hooks.is_source = [this](const std::string& id) {
        return is_source_volume(id);
    };
    hooks.violation = [this](const std::string& what) {
        record_violation("portworx", what);
    };
    hooks.wait = [this](const std::string& operation) {
        sleep_for(m_latency.of(operation), m_stopping);
    };
    hooks.duration = [this](const std::string& operation) {
        return m_latency.of(operation);
    };
    if (m_options.cluster_id.empty()) {
        throw std::invalid_argument("--cluster-id: an empty cluster id");
    }
    PxOptions px;
    px.cluster_id = m_options.cluster_id;
    if (!m_options.object_store.empty()) {
        px.object_store = make_object_store(m_options.object_store);
    }
    px.authenticated = !m_options.token.empty();
    px.slow_delay = m_faults->slow_delay();
    m_px = std::make_unique<PxApi>(std::move(hooks), std::move(px));
    load_state();
    if (m_options.controllers) {
        m_controllers = std::make_unique<Controllers>(m_store, *m_k8s, *m_px, m_latency, *m_faults);
    }
}

Server::~Server() {
    stop();
}

std::string Server::new_uid() {
    std::uint64_t high = 0;
    std::uint64_t low = 0;
    {
        std::lock_guard lock(m_random_mutex);
        high = m_random();
        low = m_random();
    }
    high = (high & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
    low = (low & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
    char text[40];
    std::snprintf(text, sizeof text, "%08x-%04x-%04x-%04x-%012llx",
                  static_cast<unsigned>(high >> 32), static_cast<unsigned>((high >> 16) & 0xffff),
                  static_cast<unsigned>(high & 0xffff), static_cast<unsigned>(low >> 48),
                  static_cast<unsigned long long>(low & 0xffffffffffffULL));
    return text;
}

void Server::load_state() {
    for (const char* name : {"default", "kube-node-lease", "kube-public", "kube-system"}) {
        m_k8s->load({{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}});
    }
    for (const std::string& file : m_options.state_files) {
        std::vector<Json> documents;
        try {
            documents = parse_yaml_documents(read_file(file));
        } catch (const std::runtime_error& error) {
            throw std::runtime_error(file + ": " + error.what());
        }
        std::vector<Json> flat;
        for (Json& document : documents) {
            if (document.is_object() && document.value("kind", "") == "List") {
                for (Json& item : document["items"]) {
                    flat.push_back(std::move(item));
                }
            } else {
                flat.push_back(std::move(document));
            }
        }
        std::stable_partition(flat.begin(), flat.end(), [](const Json& document) {
            return document.is_object() && document.value("kind", "") == "Namespace";
        });
        for (std::size_t i = 0; i < flat.size(); ++i) {
            Json& document = flat[i];
            const std::string where = file + ": object " + std::to_string(i + 1);
            if (!document.is_object()) {
                throw std::runtime_error(where + ": not a mapping");
            }
            try {
                if (document.value("apiVersion", "") == "pxsim/v1" &&
                    document.value("kind", "") == "PortworxVolume") {
                    document.erase("apiVersion");
                    document.erase("kind");
                    m_px->load_volume(document);
                } else if (document.value("kind", "") == "Namespace" &&
                           m_store.transact([&](Store::Txn& txn) {
                               return txn
                                   .get(*find_resource("", "v1", "namespaces"), "",
                                        document["metadata"].value("name", ""))
                                   .has_value();
                           })) {
                    continue; // a built-in namespace restated
                } else {
                    m_k8s->load(document);
                }
            } catch (const std::exception& error) {
                throw std::runtime_error(where + ": " + error.what());
            }
        }
    }
}

int Server::start() {
    if (m_options.tls_cert.empty()) {
        m_http = std::make_unique<httplib::Server>();
    } else {
        auto tls = std::make_unique<httplib::SSLServer>(
            m_options.tls_cert.c_str(), m_options.tls_key.c_str(),
            m_options.client_ca.empty() ? nullptr : m_options.client_ca.c_str());
        if (!tls->is_valid()) {
            throw std::runtime_error("cannot use the TLS certificate " + m_options.tls_cert +
                                     " and key " + m_options.tls_key);
        }
        m_http = std::move(tls);
    }
    const std::size_t threads = m_options.threads;
    m_http->new_task_queue = [threads] {
        return new srv::ConnectionPool(threads);
    };
    m_http->set_tcp_nodelay(true); // no Nagle stalls between a reply's header and body
    m_http->set_keep_alive_timeout(30);
    // A real API server keeps a client's connection as long as it is used; cpp-httplib's
    // default closes it after 5 requests, which made every 6th request pay a new TLS handshake.
    m_http->set_keep_alive_max_count(100000);
    m_http->set_read_timeout(30);
    m_http->set_write_timeout(30);
    m_http->set_payload_max_length(64 * 1024 * 1024);
    const auto handler = [this](const httplib::Request& request, httplib::Response& response) {
        serve(request, response);
    };
    m_http->Get(".*", handler);
    m_http->Post(".*", handler);
    m_http->Put(".*", handler);
    m_http->Patch(".*", handler);
    m_http->Delete(".*", handler);
    m_http->Options(".*", handler);
    if (m_options.port == 0) {
        m_port = m_http->bind_to_any_port(m_options.host);
    } else {
        m_port = m_http->bind_to_port(m_options.host, m_options.port) ? m_options.port : -1;
    }
    if (m_port <= 0) {
        throw std::runtime_error("cannot listen on " + m_options.host + ":" +
                                 std::to_string(m_options.port));
    }
    if (!srv::widen_listen_backlog(m_port)) {
        throw std::runtime_error("cannot find the listening socket of port " +
                                 std::to_string(m_port));
    }
    m_k8s->set_server_address(m_options.host + ":" + std::to_string(m_port));
    if (m_controllers) {
        m_controllers->start();
    }
    m_thread = std::thread([this] { m_http->listen_after_bind(); });
    // stop() is a no-op until the accept loop runs; start() returns only once it does.
    while (!m_http->is_running()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return m_port;
}

void Server::stop() {
    if (m_stopping.exchange(true)) {
        return;
    }
    m_store.shutdown();
    if (m_controllers) {
        m_controllers->stop();
    }
    if (m_http) {
        m_http->stop();
    }
    if (m_thread.joinable()) {
        m_thread.join();
    }
}

std::string Server::url() const {
    return (m_options.tls_cert.empty() ? "http://" : "https://") + m_options.host + ":" +
           std::to_string(m_port);
}

std::string Server::kubeconfig() const {
    std::ostringstream out;
    out << "apiVersion: v1\nkind: Config\nclusters:\n- name: pxsim\n  cluster:\n    server: "
        << url() << "\n";
    if (!m_options.tls_cert.empty()) {
        out << "    certificate-authority-data: " << base64_encode(read_file(m_options.tls_cert))
            << "\n";
    }
    out << "contexts:\n- name: pxsim\n  context:\n    cluster: pxsim\n    user: pxsim\n"
        << "    namespace: default\ncurrent-context: pxsim\nusers:\n- name: pxsim\n  user:";
    if (m_options.token.empty()) {
        out << " {}\n";
    } else {
        out << "\n    token: " << m_options.token << "\n";
    }
    out << "preferences: {}\n";
    return out.str();
}

void Server::record_violation(const std::string& api, const std::string& what) {
    std::lock_guard lock(m_record_mutex);
    m_violations.push_back({{"api", api}, {"what", what}});
}

Json Server::violations() const {
    std::lock_guard lock(m_record_mutex);
    return m_violations;
}

Json Server::requests() const {
    std::lock_guard lock(m_record_mutex);
    return m_requests;
}

void Server::log_request(const SimRequest& request, int status,
                         std::chrono::steady_clock::time_point started) {
    using std::chrono::duration_cast;
    using std::chrono::milliseconds;
    Json query = Json::object();
    for (const auto& [key, value] : request.query) {
        if (!query.contains(key)) {
            query[key] = value;
        } else {
            if (!query[key].is_array()) {
                query[key] = Json::array({query[key]});
            }
            query[key].push_back(value);
        }
    }
    Json body;
    if (!request.body.empty()) {
        try {
            body = Json::parse(request.body);
        } catch (const Json::parse_error&) {
            try {
                const auto documents = parse_yaml_documents(request.body);
                body = documents.empty() ? Json(request.body) : documents.front();
            } catch (const std::exception&) {
                body = request.body;
            }
        }
    }
    redact(body, request.path.find("/secrets") != std::string::npos);
    Json entry = {
        {"method", request.method},
        {"path", request.path},
        {"query", query},
        {"body", body},
        {"status", status},
        // When it arrived, counted from the server's start: a benchmark's timeline.
        {"started_ms", duration_cast<milliseconds>(started - m_started).count()},
        {"duration_ms",
         duration_cast<milliseconds>(std::chrono::steady_clock::now() - started).count()}};
    std::lock_guard lock(m_record_mutex);
    if (m_log.is_open()) {
        m_log << entry.dump() << "\n" << std::flush;
    }
    m_requests.push_back(std::move(entry));
}

std::optional<SimReply> Server::authenticate(const SimRequest& request, bool px, bool client_cert) {
    if (m_options.token.empty() || client_cert) {
        return std::nullopt;
    }
    const auto found = request.headers.find("authorization");
    const std::string value = found == request.headers.end() ? "" : found->second;
    const auto space = value.find(' ');
    const bool bearer = space != std::string::npos && lower(value.substr(0, space)) == "bearer";
    const bool valid = bearer && (value.substr(space + 1) == m_options.token ||
                                  m_authorizer.knows_token(value.substr(space + 1)));
    if (valid) {
        return std::nullopt;
    }
    if (px) {
        if (request.path == "/v1/identities/version") {
            return std::nullopt; // answers without a token on the real gateway
        }
        if (value.empty()) {
            return px_error(401, 16, "Access denied without authentication token");
        }
        if (!bearer) {
            return px_error(401, 16, "Unable to obtain token issuer from authorization token");
        }
        return px_error(403, 7, "Unable to authenticate token");
    }
    return json_reply(401, status_failure(401, "Unauthorized", "Unauthorized"));
}

std::optional<SimReply> Server::authorize(const SimRequest& request, bool px) const {
    // The gateway's own token checks (authenticate) are all it has; through the service proxy a
    // ServiceAccount is authorized by the API server first.
    const bool service_account = m_authorizer.service_account_user(request).has_value();
    if (px && (!service_account || request.path.rfind("/api/", 0) != 0)) {
        return std::nullopt;
    }
    const RequestAttributes attributes = request_attributes(request);
    if (auto denied = m_authorizer.deny(request, attributes)) {
        return json_reply(403, *denied);
    }
    return std::nullopt;
}

SimReply Server::route(const SimRequest& request, std::optional<WatchSpec>& watch, bool& px) {
    if (px) {
        return m_px->handle(request);
    }
    if (request.method == "POST" &&
        request.path == "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews") {
        return m_authorizer.access_review(request);
    }
    K8sApi::Outcome outcome = m_k8s->handle(request);
    watch = std::move(outcome.watch);
    return outcome.reply;
}

SimReply Server::dispatch(const SimRequest& request) {
    if (auto reply = admin(request)) {
        return *reply;
    }
    SimRequest routed = request;
    bool px = to_portworx(routed);
    if (auto denied = authenticate(routed, px, false)) {
        return *denied;
    }
    if (auto denied = authorize(request, px)) {
        return *denied;
    }
    std::optional<WatchSpec> watch;
    SimReply reply = route(routed, watch, px);
    if (watch) {
        return json_reply(400, status_failure(400, "BadRequest", "watch needs the HTTP server"));
    }
    return reply;
}

bool Server::is_attached(const std::string& volume_id) {
    return !attached_among({volume_id}).empty();
}

std::set<std::string> Server::attached_among(const std::vector<std::string>& volume_ids) {
    const std::set<std::string> wanted(volume_ids.begin(), volume_ids.end());
    return m_store.transact([&](Store::Txn& txn) {
        const ResourceType& pvs = *find_resource("", "v1", "persistentvolumes");
        const ResourceType& pods = *find_resource("", "v1", "pods");
        // namespace -> claims mounted by its running pods, each namespace listed once.
        std::map<std::string, std::set<std::string>> mounted;
        const auto claims_in = [&](const std::string& ns) -> const std::set<std::string>& {
            const auto found = mounted.find(ns);
            if (found != mounted.end()) {
                return found->second;
            }
            std::set<std::string>& claims = mounted[ns];
            txn.for_each(pods, ns, [&claims](const Json& pod) {
                if (pod["metadata"].contains("deletionTimestamp") ||
                    pod.value("status", Json::object()).value("phase", "") != "Running") {
                    return;
                }
                for (const Json& volume : spec_of(pod).value("volumes", Json::array())) {
                    const std::string claim = volume.value("persistentVolumeClaim", Json::object())
                                                  .value("claimName", "");
                    if (!claim.empty()) {
                        claims.insert(claim);
                    }
                }
            });
            return claims;
        };
        std::set<std::string> attached;
        txn.for_each(pvs, "", [&](const Json& pv) {
            const Json& spec = spec_of(pv);
            const std::string handle = handle_of(spec);
            if (wanted.count(handle) == 0 || !spec.contains("claimRef")) {
                return;
            }
            if (claims_in(spec["claimRef"].value("namespace", ""))
                    .count(spec["claimRef"].value("name", "")) != 0) {
                attached.insert(handle);
            }
        });
        return attached;
    });
}

bool Server::is_source_volume(const std::string& volume_id) {
    return m_store.transact([&](Store::Txn& txn) {
        const ResourceType& pvs = *find_resource("", "v1", "persistentvolumes");
        bool source = false;
        txn.for_each(pvs, "", [&](const Json& pv) {
            source =
                source || (handle_of(spec_of(pv)) == volume_id && m_k8s->is_source_object(pvs, pv));
        });
        return source;
    });
}

} // namespace pxsim
