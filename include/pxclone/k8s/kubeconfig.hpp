// Where the cluster is and how to authenticate to it, found as kubectl (client-go) finds it.
#pragma once

#include "pxclone/http/curl_transport.hpp"
#include "pxclone/util/environment.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pxclone::k8s {

// A kubeconfig `user.exec` entry (client.authentication.k8s.io), validated at load time.
struct ExecConfig {
    std::string api_version; // client.authentication.k8s.io/v1 or /v1beta1
    std::string command;     // a PATH name, or a path (relative ones resolved against the file)
    std::vector<std::string> args;
    std::vector<std::pair<std::string, std::string>> env;
    std::string install_hint;
    bool provide_cluster_info = false;
    std::string interactive_mode = "IfAvailable"; // Never, IfAvailable or Always
};

// How requests prove who they are (client certificates live in ClusterConfig::tls). At most one
// of token/token_file, username/password and exec is set (client-go's rule); none = anonymous.
struct AuthConfig {
    std::string token;
    std::string token_file; // re-read when it changes (projected service-account tokens rotate)
    std::string username;
    std::string password;
    std::optional<ExecConfig> exec;
};

struct ClusterConfig {
    std::string server; // "https://host:port", possibly with a path prefix
    http::TlsConfig tls;
    std::string proxy_url;
    AuthConfig auth;
    std::string default_namespace = "default";
    std::string context;      // the context used; empty in-cluster
    std::string cluster_name; // names for messages
    std::string user_name;
    // Where this came from, for messages: the kubeconfig file(s) or "in-cluster service account".
    std::string origin;
    bool in_cluster = false;
};

// The most of one kubeconfig file read: far above any real one (thousands of contexts fit in a
// few MiB), far below what would exhaust memory; a larger file (or /dev/zero) is a UsageError.
inline constexpr std::size_t k_max_kubeconfig_bytes = 16 * 1024 * 1024;
// What profile::check_events lets a kubeconfig have: documents (only the first is read, as
// client-go does) and levels of nesting (a kubeconfig has about six).
inline constexpr int k_max_kubeconfig_documents = 16;
inline constexpr int k_max_kubeconfig_depth = 64;

struct KubeconfigOptions {
    std::string explicit_path; // --kubeconfig: this file only, no merging, must exist
    std::string context;       // --context or the profile's cluster.context; empty = current
    const util::Environment* env = nullptr; // KUBECONFIG, HOME, KUBERNETES_SERVICE_HOST/PORT
    // Root under which the in-cluster service-account files are looked up ("/" in production).
    std::filesystem::path in_cluster_root = "/";
};

// The files the loading rules consider, in precedence order: the explicit path alone; else the
// KUBECONFIG entries (`:`-separated, empty entries and duplicates dropped); else ~/.kube/config.
std::vector<std::filesystem::path> kubeconfig_paths(const KubeconfigOptions& options);

// Loads and resolves the cluster to talk to:
// 1. --kubeconfig FILE (no merging; NotFoundError when it does not exist);
// 2. else the KUBECONFIG files that exist, merged: for clusters, users and contexts the first
//    file that defines a name wins, and so does the first current-context; relative paths
//    (certificate-authority, client-certificate, client-key, tokenFile, an exec command with a
//    slash) are resolved against the directory of the file that defined the entry;
// 3. else ~/.kube/config;
// 4. else, when none of those exist and no context was asked for, the pod's service account
//    (token, ca.crt and namespace under in_cluster_root, KUBERNETES_SERVICE_HOST/PORT).
// The context is options.context or current-context; its namespace (else "default") is the
// default namespace. Throws NotFoundError (exit 3) for an unknown context or a missing
// --kubeconfig file, UsageError (exit 2) for every other problem, naming the file, the
// context/cluster/user and the key.
ClusterConfig load_cluster_config(const KubeconfigOptions& options);

} // namespace pxclone::k8s
