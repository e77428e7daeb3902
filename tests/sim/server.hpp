// pxsim's server: one loopback HTTP(S) port for the Kubernetes API, the OpenStorage SDK gateway
// (directly under /v1 and through the API server's service proxy path), and the /_sim admin
// endpoints; authentication, faults, latency, the request log and the production guard.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "authz.hpp"
#include "faults.hpp"
#include "k8s_api.hpp"
#include "k8s_store.hpp"
#include "px_api.hpp"
#include "sim_http.hpp"

namespace httplib {
class Server;
struct Request;
struct Response;
} // namespace httplib

namespace pxsim {

class Controllers;

struct ServerOptions {
    std::string host = "127.0.0.1";
    int port = 0; // 0: a free port chosen by the OS
    std::string tls_cert;
    std::string tls_key;
    std::string client_ca;
    std::string token; // empty: no authentication
    // Who the token (or anyone, without one) is, in authorization messages.
    std::string user = "system:serviceaccount:ci:pxclone";
    // Deny rules (authz.hpp), changed at run time by PUT /_sim/deny.
    std::vector<std::string> deny;
    // Bearer tokens of ServiceAccounts, token -> "NS/NAME": authorized by the RBAC objects
    // applied to pxsim (rbac.hpp), while `token` stays the unrestricted admin's.
    std::map<std::string, std::string> service_account_tokens;
    std::vector<std::string> state_files;
    std::string log_file;
    std::string latency;
    std::vector<std::string> faults;
    std::uint64_t seed = 1;
    std::vector<std::string> source_namespaces;
    // The Portworx cluster id (PxOptions::cluster_id).
    std::string cluster_id = PxOptions{}.cluster_id;
    // The directory standing for the cloud backups' bucket, shared with other pxsims; "": a
    // bucket in memory, this pxsim's own.
    std::string object_store;
    // A label selector: objects in a source namespace that match it are the client's own, and
    // writing them is no violation (K8sOptions::client_labels). Must not be empty.
    std::string client_labels = k_pxclone_labels;
    // Request threads started at once; more start whenever a connection finds every one busy
    // (srv::ConnectionPool), so this is no limit on connections.
    std::size_t threads = 64;
    std::size_t history = 4096;
    bool controllers = true;
};

class Server {
public:
    // Loads the state files and prepares everything; throws std::runtime_error or
    // std::invalid_argument naming the bad option or file.
    explicit Server(ServerOptions options);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds and serves on a background thread; returns the port. Throws when the port is taken.
    int start();
    // Stops serving, ends every watch and joins every thread. Idempotent.
    void stop();
    // "http://127.0.0.1:PORT" or https.
    std::string url() const;
    // A kubeconfig (YAML) pointing at this server, with the token when one is required.
    std::string kubeconfig() const;

    // One request through the whole pipeline except HTTP itself (watches answer 400 here).
    SimReply dispatch(const SimRequest& request);
    nlohmann::json violations() const;
    nlohmann::json requests() const;
    // The PxHooks the Portworx side gets: a running pod mounts the volume's PV; the volume is
    // behind a PV bound to a --source-namespace claim.
    bool is_attached(const std::string& volume_id);
    std::set<std::string> attached_among(const std::vector<std::string>& volume_ids);
    bool is_source_volume(const std::string& volume_id);
    Store& store() { return m_store; }
    K8sApi& k8s() { return *m_k8s; }
    PxApi& px() { return *m_px; }

private:
    ServerOptions m_options;
    Latency m_latency;
    std::unique_ptr<FaultPlan> m_faults;
    Authorizer m_authorizer;
    Store m_store;
    std::unique_ptr<K8sApi> m_k8s;
    std::unique_ptr<PxApi> m_px;
    std::unique_ptr<Controllers> m_controllers;
    std::unique_ptr<httplib::Server> m_http;
    std::thread m_thread;
    int m_port = 0;
    std::atomic<bool> m_stopping{false};

    mutable std::mutex m_random_mutex;
    std::mt19937_64 m_random;
    const std::chrono::steady_clock::time_point m_started = std::chrono::steady_clock::now();
    mutable std::mutex m_record_mutex;
    std::vector<nlohmann::json> m_requests;
    std::vector<nlohmann::json> m_violations;
    std::ofstream m_log;
    // Requests being handled (admin ones aside; a watch only until its stream starts), so that
    // GET /_sim/idle can wait until what a killed client had sent has landed.
    std::mutex m_busy_mutex;
    std::condition_variable m_busy_changed;
    int m_busy = 0;

    void load_state();
    std::string new_uid();
    void record_violation(const std::string& api, const std::string& what);
    void log_request(const SimRequest& request, int status,
                     std::chrono::steady_clock::time_point started);
    void serve(const httplib::Request& http_request, httplib::Response& http_response);
    // Routes an authenticated, fault-free request; sets `watch` when the reply is a stream.
    SimReply route(const SimRequest& request, std::optional<WatchSpec>& watch, bool& px);
    std::optional<SimReply> admin(const SimRequest& request);
    std::optional<SimReply> authenticate(const SimRequest& request, bool px, bool client_cert);
    // The 403 of a Kubernetes request a deny rule (or, for a ServiceAccount, RBAC) forbids;
    // nullopt when allowed. `request` as received: through the service proxy a ServiceAccount
    // needs services/proxy on the Portworx API's Service.
    std::optional<SimReply> authorize(const SimRequest& request, bool px) const;
};

} // namespace pxsim
