#include "pxclone/k8s/kubeconfig.hpp"

#include "pxclone/error.hpp"
#include "pxclone/profile/yaml_text.hpp"
#include "pxclone/util/base64.hpp"
#include "pxclone/util/file.hpp"
#include "pxclone/util/text.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

namespace pxclone::k8s {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view k_service_account_dir = "var/run/secrets/kubernetes.io/serviceaccount";

// A named entry (cluster, user or context) and the file that defined it.
struct NamedEntry {
    YAML::Node body;
    fs::path file;
};

struct Merged {
    std::map<std::string, NamedEntry> clusters;
    std::map<std::string, NamedEntry> users;
    std::map<std::string, NamedEntry> contexts;
    std::string current_context;
    fs::path current_context_file;
    std::vector<fs::path> files;
};

// "kubeconfig FILE: user "u"" — the place every message starts with.
std::string place(const fs::path& file, std::string_view kind, std::string_view name) {
    return fmt::format("kubeconfig {}: {} \"{}\"", file.string(), kind, name);
}

std::string read_text(const fs::path& path) {
    auto file = util::read_file(path.string(), k_max_kubeconfig_bytes);
    if (!file) {
        throw UsageError(
            fmt::format("kubeconfig {}: cannot be read: {}", path.string(),
                        util::describe_read_error(file, k_max_kubeconfig_bytes, "a kubeconfig")));
    }
    return std::move(file.text);
}

// The string at `key`, nullopt when absent or null; a non-scalar is a UsageError.
std::optional<std::string> text_at(const YAML::Node& map, const std::string& key,
                                   const std::string& where) {
    const auto node = map[key];
    if (!node || node.IsNull()) {
        return std::nullopt;
    }
    if (!node.IsScalar()) {
        throw UsageError(fmt::format("{}: key '{}' must be a string", where, key));
    }
    return node.as<std::string>();
}

std::string text_or_empty(const YAML::Node& map, const std::string& key, const std::string& where) {
    return text_at(map, key, where).value_or("");
}

bool flag_at(const YAML::Node& map, const std::string& key, const std::string& where) {
    const auto value = text_at(map, key, where);
    if (!value) {
        return false;
    }
    if (*value == "true" || *value == "True" || *value == "TRUE") {
        return true;
    }
    if (*value == "false" || *value == "False" || *value == "FALSE") {
        return false;
    }
    throw UsageError(
        fmt::format("{}: key '{}' must be true or false, not '{}'", where, key, *value));
}

std::string decode_data(const YAML::Node& map, const std::string& key, const std::string& where) {
    const auto encoded = text_at(map, key, where);
    if (!encoded) {
        return {};
    }
    auto decoded = util::base64_decode(*encoded);
    if (!decoded) {
        throw UsageError(fmt::format("{}: key '{}' is not valid base64", where, key),
                         "the *-data keys hold base64 of the PEM file (base64 -w0 FILE)");
    }
    return std::move(*decoded);
}

// A path from the file, made absolute against the file's directory, and required to be a file.
std::string local_path(const YAML::Node& map, const std::string& key, const fs::path& file,
                       const std::string& where, bool must_exist = true) {
    const auto value = text_at(map, key, where);
    if (!value || value->empty()) {
        return {};
    }
    fs::path path(*value);
    if (path.is_relative()) {
        path = fs::absolute(file).parent_path() / path;
    }
    path = path.lexically_normal();
    if (const auto problem = must_exist ? util::file_problem(path.string()) : std::nullopt) {
        throw UsageError(fmt::format("{}: {}: {} {}", where, key, path.string(), *problem));
    }
    return path.string();
}

void merge_list(const YAML::Node& root, const std::string& key, const std::string& body_key,
                const fs::path& file, std::map<std::string, NamedEntry>& into) {
    const auto list = root[key];
    if (!list || list.IsNull()) {
        return;
    }
    if (!list.IsSequence()) {
        throw UsageError(fmt::format("kubeconfig {}: '{}' must be a list", file.string(), key));
    }
    for (std::size_t i = 0; i < list.size(); ++i) {
        const auto item = list[i];
        const auto where = fmt::format("kubeconfig {}: {}[{}]", file.string(), key, i);
        if (!item.IsMap()) {
            throw UsageError(where + ": must be a mapping with 'name' and '" + body_key + "'");
        }
        const auto name = text_at(item, "name", where);
        if (!name || name->empty()) {
            throw UsageError(where + ": missing key 'name'");
        }
        auto body = item[body_key];
        if (body && !body.IsNull() && !body.IsMap()) {
            throw UsageError(fmt::format("{}: key '{}' must be a mapping",
                                         place(file, body_key, *name), body_key));
        }
        // First file to define a name wins (client-go's merge rule).
        into.emplace(*name, NamedEntry{body ? body : YAML::Node(YAML::NodeType::Map), file});
    }
}

void merge_file(const fs::path& file, Merged& merged) {
    const auto text = read_text(file);
    YAML::Node root;
    try {
        // YAML::Load reads the first document only; the guard still bounds the parse of the rest.
        if (const auto problem =
                profile::check_events(text, {k_max_kubeconfig_documents, k_max_kubeconfig_depth})) {
            throw UsageError(fmt::format("kubeconfig {}:{}:{}: {}", file.string(),
                                         problem->position.line, problem->position.column,
                                         problem->message));
        }
        root = YAML::Load(text);
    } catch (const YAML::DeepRecursion& error) {
        throw UsageError(fmt::format("kubeconfig {}:{}:{}: nested more than {} levels deep",
                                     file.string(), error.mark.line + 1, error.mark.column + 1,
                                     k_max_kubeconfig_depth));
    } catch (const YAML::Exception& error) {
        throw UsageError(fmt::format("kubeconfig {}:{}:{}: {}", file.string(), error.mark.line + 1,
                                     error.mark.column + 1,
                                     profile::describe_syntax_error(error.msg)));
    }
    merged.files.push_back(file);
    if (!root || root.IsNull()) {
        return; // an empty file is allowed and contributes nothing
    }
    if (!root.IsMap()) {
        throw UsageError(
            fmt::format("kubeconfig {}: not a kubeconfig (expected a mapping)", file.string()));
    }
    merge_list(root, "clusters", "cluster", file, merged.clusters);
    merge_list(root, "users", "user", file, merged.users);
    merge_list(root, "contexts", "context", file, merged.contexts);
    const auto where = fmt::format("kubeconfig {}", file.string());
    if (const auto current = text_at(root, "current-context", where);
        current && !current->empty() && merged.current_context.empty()) {
        merged.current_context = *current;
        merged.current_context_file = file;
    }
}

std::string joined_files(const Merged& merged) {
    std::vector<std::string> names;
    for (const auto& file : merged.files) {
        names.push_back(file.string());
    }
    return fmt::format("{}", fmt::join(names, ", "));
}

ExecConfig load_exec(const YAML::Node& node, const fs::path& file, const std::string& where_user) {
    const auto where = where_user + ": exec";
    if (!node.IsMap()) {
        throw UsageError(where + ": must be a mapping");
    }
    ExecConfig exec;
    exec.api_version = text_or_empty(node, "apiVersion", where);
    if (exec.api_version == "client.authentication.k8s.io/v1alpha1") {
        throw UsageError(where + ": apiVersion client.authentication.k8s.io/v1alpha1 is no longer "
                                 "supported by Kubernetes clients",
                         "regenerate the entry: for EKS run `aws eks update-kubeconfig --name "
                         "CLUSTER` again (it writes v1beta1)");
    }
    if (exec.api_version != "client.authentication.k8s.io/v1" &&
        exec.api_version != "client.authentication.k8s.io/v1beta1") {
        throw UsageError(
            fmt::format("{}: apiVersion '{}' is not supported", where, exec.api_version),
            "use client.authentication.k8s.io/v1 or client.authentication.k8s.io/v1beta1");
    }
    exec.command = text_or_empty(node, "command", where);
    if (exec.command.empty()) {
        throw UsageError(where + ": missing key 'command'");
    }
    if (exec.command.find('/') != std::string::npos && fs::path(exec.command).is_relative()) {
        exec.command = (fs::absolute(file).parent_path() / exec.command).lexically_normal();
    }
    if (const auto args = node["args"]; args && !args.IsNull()) {
        if (!args.IsSequence()) {
            throw UsageError(where + ": key 'args' must be a list of strings");
        }
        for (const auto& arg : args) {
            if (!arg.IsScalar()) {
                throw UsageError(where + ": key 'args' must be a list of strings");
            }
            exec.args.push_back(arg.as<std::string>());
        }
    }
    if (const auto env = node["env"]; env && !env.IsNull()) {
        if (!env.IsSequence()) {
            throw UsageError(where + ": key 'env' must be a list of {name, value}");
        }
        for (std::size_t i = 0; i < env.size(); ++i) {
            const auto item_where = fmt::format("{}: env[{}]", where, i);
            const auto name = text_at(env[i], "name", item_where);
            if (!name || name->empty()) {
                throw UsageError(item_where + ": missing key 'name'");
            }
            exec.env.emplace_back(*name, text_or_empty(env[i], "value", item_where));
        }
    }
    exec.install_hint = text_or_empty(node, "installHint", where);
    exec.provide_cluster_info = flag_at(node, "provideClusterInfo", where);
    const auto mode = text_at(node, "interactiveMode", where);
    if (mode) {
        if (*mode != "Never" && *mode != "IfAvailable" && *mode != "Always") {
            throw UsageError(fmt::format("{}: interactiveMode '{}' is not one of Never, "
                                         "IfAvailable, Always",
                                         where, *mode));
        }
        exec.interactive_mode = *mode;
    } else if (exec.api_version == "client.authentication.k8s.io/v1") {
        // client-go requires it from v1 on.
        throw UsageError(where + ": missing key 'interactiveMode' (required by "
                                 "client.authentication.k8s.io/v1)",
                         "add `interactiveMode: Never` (or IfAvailable) to the exec entry");
    }
    return exec;
}

void load_user(const std::string& name, const NamedEntry& entry, ClusterConfig& config) {
    const auto where = place(entry.file, "user", name);
    const auto& user = entry.body;
    auto& auth = config.auth;
    auth.token = text_or_empty(user, "token", where);
    auth.token_file = local_path(user, "tokenFile", entry.file, where);
    auth.username = text_or_empty(user, "username", where);
    auth.password = text_or_empty(user, "password", where);
    if (const auto exec = user["exec"]; exec && !exec.IsNull()) {
        auth.exec = load_exec(exec, entry.file, where);
    }
    if (const auto provider = user["auth-provider"]; provider && !provider.IsNull()) {
        throw UsageError(where + ": auth-provider is not supported (kubectl removed it too)",
                         "use the provider's exec plugin instead, e.g. gke-gcloud-auth-plugin "
                         "or kubelogin");
    }
    std::vector<std::string> methods;
    if (!auth.token.empty() || !auth.token_file.empty()) {
        methods.emplace_back("token");
    }
    if (!auth.username.empty() || !auth.password.empty()) {
        methods.emplace_back("username/password");
    }
    if (auth.exec) {
        methods.emplace_back("exec");
    }
    if (methods.size() > 1) {
        throw UsageError(fmt::format("{}: more than one authentication method ({}); only one is "
                                     "allowed",
                                     where, fmt::join(methods, ", ")));
    }
    config.tls.cert_pem = decode_data(user, "client-certificate-data", where);
    if (config.tls.cert_pem.empty()) {
        config.tls.cert_file = local_path(user, "client-certificate", entry.file, where);
    }
    config.tls.key_pem = decode_data(user, "client-key-data", where);
    if (config.tls.key_pem.empty()) {
        config.tls.key_file = local_path(user, "client-key", entry.file, where);
    }
    const bool has_cert = !config.tls.cert_pem.empty() || !config.tls.cert_file.empty();
    const bool has_key = !config.tls.key_pem.empty() || !config.tls.key_file.empty();
    if (has_cert != has_key) {
        throw UsageError(fmt::format("{}: {} is set but {} is not", where,
                                     has_cert ? "client-certificate(-data)" : "client-key(-data)",
                                     has_cert ? "client-key(-data)" : "client-certificate(-data)"));
    }
}

void load_cluster(const std::string& name, const NamedEntry& entry, ClusterConfig& config) {
    const auto where = place(entry.file, "cluster", name);
    const auto& cluster = entry.body;
    config.server = text_or_empty(cluster, "server", where);
    if (config.server.empty()) {
        throw UsageError(where + ": missing key 'server'");
    }
    if (config.server.rfind("https://", 0) != 0 && config.server.rfind("http://", 0) != 0) {
        throw UsageError(fmt::format("{}: server '{}' must start with https:// or http://", where,
                                     config.server));
    }
    while (config.server.size() > 8 && config.server.back() == '/') {
        config.server.pop_back();
    }
    config.tls.ca_pem = decode_data(cluster, "certificate-authority-data", where);
    if (config.tls.ca_pem.empty()) {
        config.tls.ca_file = local_path(cluster, "certificate-authority", entry.file, where);
    }
    config.tls.insecure_skip_verify = flag_at(cluster, "insecure-skip-tls-verify", where);
    if (config.tls.insecure_skip_verify &&
        (!config.tls.ca_pem.empty() || !config.tls.ca_file.empty())) {
        throw UsageError(where + ": insecure-skip-tls-verify is set together with a certificate "
                                 "authority",
                         "remove one of them: a CA is pointless when verification is skipped");
    }
    config.tls.server_name = text_or_empty(cluster, "tls-server-name", where);
    config.proxy_url = text_or_empty(cluster, "proxy-url", where);
}

std::string available(const std::map<std::string, NamedEntry>& entries) {
    std::vector<std::string> names;
    for (const auto& [name, entry] : entries) {
        names.push_back(name);
    }
    return names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "));
}

ClusterConfig resolve(const Merged& merged, const std::string& asked) {
    const auto files = joined_files(merged);
    const auto context_name = asked.empty() ? merged.current_context : asked;
    if (context_name.empty()) {
        throw UsageError(
            fmt::format("kubeconfig {}: no current-context is set", files),
            fmt::format("pass --context NAME (contexts: {})", available(merged.contexts)));
    }
    const auto context_it = merged.contexts.find(context_name);
    if (context_it == merged.contexts.end()) {
        const auto from = asked.empty() ? fmt::format(" (current-context of {})",
                                                      merged.current_context_file.string())
                                        : std::string();
        throw NotFoundError(
            fmt::format("kubeconfig {}: context \"{}\"{} not found", files, context_name, from),
            fmt::format("contexts defined: {}", available(merged.contexts)));
    }
    const auto& context = context_it->second;
    const auto where = place(context.file, "context", context_name);

    ClusterConfig config;
    config.context = context_name;
    config.origin = files;
    config.cluster_name = text_or_empty(context.body, "cluster", where);
    if (config.cluster_name.empty()) {
        throw UsageError(where + ": missing key 'cluster'");
    }
    const auto cluster_it = merged.clusters.find(config.cluster_name);
    if (cluster_it == merged.clusters.end()) {
        throw UsageError(fmt::format("{}: key 'cluster' names \"{}\", which no file defines", where,
                                     config.cluster_name),
                         fmt::format("clusters defined: {}", available(merged.clusters)));
    }
    load_cluster(config.cluster_name, cluster_it->second, config);

    config.user_name = text_or_empty(context.body, "user", where);
    if (!config.user_name.empty()) {
        const auto user_it = merged.users.find(config.user_name);
        if (user_it == merged.users.end()) {
            throw UsageError(fmt::format("{}: key 'user' names \"{}\", which no file defines",
                                         where, config.user_name),
                             fmt::format("users defined: {}", available(merged.users)));
        }
        load_user(config.user_name, user_it->second, config);
    }
    if (const auto ns = text_at(context.body, "namespace", where); ns && !ns->empty()) {
        config.default_namespace = *ns;
    }
    return config;
}

std::optional<ClusterConfig> in_cluster_config(const KubeconfigOptions& options) {
    const auto host = options.env->get("KUBERNETES_SERVICE_HOST");
    const auto port = options.env->get("KUBERNETES_SERVICE_PORT");
    if (!host || host->empty() || !port || port->empty()) {
        return std::nullopt;
    }
    const auto dir = options.in_cluster_root / k_service_account_dir;
    const auto token = dir / "token";
    if (!fs::exists(token)) {
        throw UsageError(fmt::format("in-cluster configuration: KUBERNETES_SERVICE_HOST is set but "
                                     "the service-account token {} does not exist",
                                     token.string()),
                         "mount a service account token (automountServiceAccountToken) or pass "
                         "--kubeconfig");
    }
    ClusterConfig config;
    config.in_cluster = true;
    config.origin = "in-cluster service account";
    // An IPv6 address needs brackets in a URL.
    const auto url_host = host->find(':') != std::string::npos ? "[" + *host + "]" : *host;
    config.server = fmt::format("https://{}:{}", url_host, *port);
    config.auth.token_file = token.string();
    if (const auto ca = dir / "ca.crt"; fs::exists(ca)) {
        config.tls.ca_file = ca.string();
    }
    if (const auto ns = dir / "namespace"; fs::exists(ns)) {
        auto text = read_text(ns);
        text.erase(std::remove_if(text.begin(), text.end(),
                                  [](char c) { return c == '\n' || c == '\r' || c == ' '; }),
                   text.end());
        if (!text.empty()) {
            config.default_namespace = text;
        }
    }
    return config;
}

} // namespace

std::vector<fs::path> kubeconfig_paths(const KubeconfigOptions& options) {
    if (!options.explicit_path.empty()) {
        return {fs::path(options.explicit_path)};
    }
    std::vector<fs::path> paths;
    if (const auto list = options.env->get("KUBECONFIG"); list && !list->empty()) {
        std::size_t start = 0;
        while (start <= list->size()) {
            auto end = list->find(':', start);
            if (end == std::string::npos) {
                end = list->size();
            }
            const fs::path entry = list->substr(start, end - start);
            if (!entry.empty() && std::find(paths.begin(), paths.end(), entry) == paths.end()) {
                paths.push_back(entry);
            }
            start = end + 1;
        }
        return paths;
    }
    if (const auto home = options.env->get("HOME"); home && !home->empty()) {
        paths.push_back(fs::path(*home) / ".kube" / "config");
    }
    return paths;
}

ClusterConfig load_cluster_config(const KubeconfigOptions& options) {
    if (options.env == nullptr) {
        throw std::logic_error("load_cluster_config: no environment given");
    }
    Merged merged;
    if (!options.explicit_path.empty()) {
        if (!fs::exists(options.explicit_path)) {
            throw NotFoundError(
                fmt::format("kubeconfig {} (--kubeconfig) does not exist", options.explicit_path));
        }
        merge_file(options.explicit_path, merged);
        return resolve(merged, options.context);
    }
    const auto paths = kubeconfig_paths(options);
    for (const auto& path : paths) {
        // Missing entries of KUBECONFIG are skipped, as client-go does.
        if (fs::exists(path)) {
            merge_file(path, merged);
        }
    }
    if (merged.files.empty() && options.context.empty()) {
        if (auto config = in_cluster_config(options)) {
            return *config;
        }
    }
    if (merged.files.empty()) {
        std::vector<std::string> looked;
        for (const auto& path : paths) {
            looked.push_back(path.string());
        }
        throw UsageError(fmt::format("no kubeconfig found (looked at: {}) and not running in a pod",
                                     looked.empty() ? std::string("KUBECONFIG and HOME are unset")
                                                    : fmt::format("{}", fmt::join(looked, ", "))),
                         "pass --kubeconfig FILE or set KUBECONFIG");
    }
    return resolve(merged, options.context);
}

} // namespace pxclone::k8s
