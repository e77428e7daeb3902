#include "pxclone/profile/loader.hpp"

#include "pxclone/profile/yaml_text.hpp"
#include "pxclone/util/duration.hpp"
#include "pxclone/util/names.hpp"
#include "pxclone/util/text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <map>
#include <set>
#include <span>
#include <tuple>

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

namespace pxclone::profile {

namespace {

using Keys = std::span<const std::string_view>;

constexpr std::array<std::string_view, 8> k_top_keys{"version", "name",     "cluster", "portworx",
                                                     "source",  "snapshot", "staging", "transfer"};
constexpr std::array<std::string_view, 2> k_cluster_keys{"context", "kubeconfig"};
constexpr std::array<std::string_view, 4> k_portworx_keys{"endpoint", "token", "ca_file",
                                                          "insecure"};
constexpr std::array<std::string_view, 4> k_source_keys{"namespace", "pvcs", "selector", "hooks"};
constexpr std::array<std::string_view, 2> k_hooks_keys{"pre", "post"};
constexpr std::array<std::string_view, 2> k_hook_keys{"run", "timeout"};
constexpr std::array<std::string_view, 4> k_snapshot_keys{"method", "class", "keep", "timeout"};
constexpr std::array<std::string_view, 2> k_methods{"portworx", "csi"};
constexpr std::array<std::string_view, 11> k_staging_keys{
    "namespace", "ttl",  "storage_class", "role_binding", "pool",   "volumes",
    "manifests", "mask", "images",        "wait",         "cluster"};
constexpr std::array<std::string_view, 3> k_staging_cluster_keys{"context", "kubeconfig",
                                                                 "portworx"};
constexpr std::array<std::string_view, 4> k_transfer_keys{"method", "credential", "backup_timeout",
                                                          "restore_timeout"};
constexpr std::array<std::string_view, 1> k_transfer_methods{"cloudsnap"};
constexpr std::array<std::string_view, 2> k_credential_sides{"source", "staging"};
constexpr std::array<std::string_view, 6> k_mask_keys{"after", "image", "command",
                                                      "env",   "files", "timeout"};
constexpr std::array<std::string_view, 1> k_wait_keys{"timeout"};
constexpr std::array<std::string_view, 4> k_secret_keys{"env", "file", "secret", "key"};

constexpr std::string_view k_secret_forms =
    "write {env: NAME}, {file: PATH} or {secret: NAMESPACE/NAME, key: KEY}";

using Position = TextPosition;

std::string indexed(const std::string& path, std::size_t index) {
    return fmt::format("{}[{}]", path, index);
}

std::string_view kind_of(const YAML::Node& node) {
    switch (node.Type()) {
    case YAML::NodeType::Map:
        return "a mapping";
    case YAML::NodeType::Sequence:
        return "a list";
    case YAML::NodeType::Scalar:
        return "a single value";
    default:
        return "nothing";
    }
}

// ---- checks on the raw text, before yaml-cpp sees it ----------------------------------------

// The offset of the first byte that cannot be in a UTF-8 YAML text file, if any.
std::optional<std::size_t> find_binary(std::string_view text) {
    const auto control = find_control_byte(text);
    const auto malformed = util::find_invalid_utf8(text);
    if (control && malformed) {
        return std::min(*control, *malformed);
    }
    return control ? control : malformed;
}

// The quoted scalar (value or key) that starts last in the text. yaml-cpp 0.7 accepts a quoted
// string that runs to the end of the input; such a string can only be the last one.
void find_last_quoted(const YAML::Node& node, std::string_view text, std::size_t& budget,
                      std::optional<YAML::Mark>& last) {
    if (budget == 0) {
        return;
    }
    --budget;
    if (node.IsScalar()) {
        const auto mark = node.Mark();
        if (node.Tag() == "!" && mark.pos >= 0 &&
            static_cast<std::size_t>(mark.pos) < text.size() &&
            (text[static_cast<std::size_t>(mark.pos)] == '"' ||
             text[static_cast<std::size_t>(mark.pos)] == '\'') &&
            (!last || mark.pos > last->pos)) {
            last = mark;
        }
    } else if (node.IsMap()) {
        for (auto it = node.begin(); it != node.end(); ++it) {
            find_last_quoted(it->first, text, budget, last);
            find_last_quoted(it->second, text, budget, last);
        }
    } else if (node.IsSequence()) {
        for (auto it = node.begin(); it != node.end(); ++it) {
            find_last_quoted(*it, text, budget, last);
        }
    }
}

// The first key of `node` (a mapping) that holds an object store's key material rather than a
// Portworx credential's name (access_key, secret_key, account_key, json_key, ...).
std::optional<YAML::Node> object_store_key(const YAML::Node& node) {
    for (auto it = node.begin(); it != node.end(); ++it) {
        if (!it->first.IsScalar()) {
            continue;
        }
        std::string key = it->first.Scalar();
        std::transform(key.begin(), key.end(), key.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        for (const std::string_view part : {"key", "secret", "password", "token"}) {
            if (key.find(part) != std::string::npos) {
                return it->first;
            }
        }
    }
    return std::nullopt;
}

// ---- the schema walk ---------------------------------------------------------------------------

struct Entry {
    YAML::Node key;
    YAML::Node value;
};

// The known keys of one mapping (null values count as absent).
struct MapView {
    std::string path;
    YAML::Node node;
    std::map<std::string, Entry, std::less<>> entries;

    const Entry* find(std::string_view key) const {
        const auto it = entries.find(key);
        return it == entries.end() || it->second.value.IsNull() ? nullptr : &it->second;
    }
    bool has(std::string_view key) const { return find(key) != nullptr; }
};

enum class Required { no, yes };

class Loader {
public:
    explicit Loader(const LoadOptions& options) : m_options(options) {
        m_context = options.substitution;
        static const util::MapEnvironment k_empty;
        if (m_context.environment == nullptr) {
            m_context.environment = &k_empty;
        }
    }

    LoadResult run(std::string_view text);

private:
    // -- reporting
    void report(Position position, std::string path, std::string message) {
        ++m_problems;
        if (m_diagnostics.size() < k_max_diagnostics) {
            m_diagnostics.push_back({m_options.file, position.line, position.column,
                                     std::move(path), std::move(message)});
        }
    }
    void report(const YAML::Node& node, std::string path, std::string message) {
        report(position_of(node.Mark()), std::move(path), std::move(message));
    }
    // Legal but probably not meant; never stops the profile from loading.
    void warn(const YAML::Node& node, std::string path, std::string message) {
        const auto position = position_of(node.Mark());
        m_warnings.push_back(
            {m_options.file, position.line, position.column, std::move(path), std::move(message)});
    }

    // -- generic readers
    std::optional<MapView> map(const YAML::Node& node, const std::string& path, Keys known);
    std::optional<std::string> text(const YAML::Node& node, const std::string& path,
                                    bool substitute = true);
    std::optional<std::string> string(const MapView& map, std::string_view key, Required required,
                                      bool substitute = true);
    std::optional<int> integer(const MapView& map, std::string_view key, int minimum, int maximum);
    std::optional<bool> boolean(const MapView& map, std::string_view key);
    std::optional<milliseconds> duration(const MapView& map, std::string_view key);
    std::optional<std::vector<std::string>> strings(const MapView& map, std::string_view key,
                                                    Required required);
    std::optional<std::map<std::string, std::string>>
    string_map(const MapView& map, std::string_view key,
               const std::function<std::optional<std::string>(std::string_view)>& check_key,
               std::string_view key_kind);
    std::optional<SecretRef> secret(const MapView& map, std::string_view key);
    void check_name(const YAML::Node& node, const std::string& path, const std::string& value,
                    std::string_view kind, std::optional<std::string> (*check)(std::string_view));
    void check_file(const YAML::Node& node, const std::string& path, const std::string& value);

    // -- sections
    void read_cluster(const MapView& root, Cluster& cluster);
    void read_portworx(const YAML::Node& node, const std::string& path, Portworx& portworx);
    void read_source(const MapView& root, Source& source);
    std::vector<Hook> read_hook_list(const MapView& hooks, std::string_view key);
    void read_snapshot(const MapView& root, Snapshot& snapshot);
    void read_staging(const MapView& root, const Source& source, Staging& staging);
    std::optional<Mask> read_mask(const MapView& staging,
                                  const std::vector<std::string>& manifests);
    std::optional<StagingCluster> read_staging_cluster(const MapView& staging);
    std::optional<std::string> credential_name(const YAML::Node& node, const std::string& path);
    void read_transfer(const MapView& root, Profile& profile);

    const LoadOptions& m_options;
    SubstitutionContext m_context;
    std::string m_base_dir;
    std::vector<Diagnostic> m_diagnostics;
    std::vector<Diagnostic> m_warnings;
    std::size_t m_problems = 0;
    bool m_name_ok = false; // the profile's name is valid, so defaults may be built from it
};

std::optional<MapView> Loader::map(const YAML::Node& node, const std::string& path, Keys known) {
    if (!node.IsMap()) {
        report(node, path, fmt::format("expected a mapping (key: value), got {}", kind_of(node)));
        return std::nullopt;
    }
    MapView view{path, node, {}};
    for (auto it = node.begin(); it != node.end(); ++it) {
        const YAML::Node key = it->first;
        if (!key.IsScalar()) {
            report(key, path, "keys must be plain names");
            continue;
        }
        const auto& name = key.Scalar();
        if (const auto seen = view.entries.find(name); seen != view.entries.end()) {
            report(key, join_path(path, name),
                   fmt::format("duplicate key (first given at line {})",
                               position_of(seen->second.key.Mark()).line));
            continue;
        }
        if (!known.empty() && std::find(known.begin(), known.end(), name) == known.end()) {
            report(key, join_path(path, name), "unknown key" + util::did_you_mean(name, known));
        }
        view.entries.emplace(name, Entry{key, it->second});
    }
    return view;
}

std::optional<std::string> Loader::text(const YAML::Node& node, const std::string& path,
                                        bool substitute) {
    if (!node.IsScalar()) {
        report(node, path, fmt::format("expected a single value, got {}", kind_of(node)));
        return std::nullopt;
    }
    if (!substitute) {
        return node.Scalar();
    }
    auto result = profile::substitute(node.Scalar(), m_context);
    for (auto& error : result.errors) {
        report(node, path, std::move(error));
    }
    if (!result.errors.empty()) {
        return std::nullopt;
    }
    return std::move(result.value);
}

std::optional<std::string> Loader::string(const MapView& map, std::string_view key,
                                          Required required, bool substitute) {
    const auto* entry = map.find(key);
    if (entry == nullptr) {
        if (required == Required::yes) {
            const auto it = map.entries.find(key);
            report(it != map.entries.end() ? it->second.key : map.node, join_path(map.path, key),
                   it != map.entries.end() ? "must not be empty" : "required key is missing");
        }
        return std::nullopt;
    }
    return text(entry->value, join_path(map.path, key), substitute);
}

std::optional<int> Loader::integer(const MapView& map, std::string_view key, int minimum,
                                   int maximum) {
    const auto* entry = map.find(key);
    if (entry == nullptr) {
        return std::nullopt;
    }
    const auto path = join_path(map.path, key);
    const auto& node = entry->value;
    const bool plain = node.IsScalar() && node.Tag() == "?";
    int value = 0;
    if (!plain || !YAML::convert<int>::decode(node, value)) {
        report(node, path,
               node.IsScalar() ? fmt::format("expected a whole number, got '{}'", node.Scalar())
                               : fmt::format("expected a whole number, got {}", kind_of(node)));
        return std::nullopt;
    }
    if (value < minimum || value > maximum) {
        report(node, path,
               fmt::format("must be between {} and {} (is {})", minimum, maximum, value));
        return std::nullopt;
    }
    return value;
}

std::optional<bool> Loader::boolean(const MapView& map, std::string_view key) {
    const auto* entry = map.find(key);
    if (entry == nullptr) {
        return std::nullopt;
    }
    const auto& node = entry->value;
    if (node.IsScalar() && node.Tag() == "?") {
        const auto& value = node.Scalar();
        if (value == "true" || value == "True" || value == "TRUE") {
            return true;
        }
        if (value == "false" || value == "False" || value == "FALSE") {
            return false;
        }
    }
    report(node, join_path(map.path, key),
           node.IsScalar() ? fmt::format("expected true or false, got '{}'", node.Scalar())
                           : fmt::format("expected true or false, got {}", kind_of(node)));
    return std::nullopt;
}

std::optional<milliseconds> Loader::duration(const MapView& map, std::string_view key) {
    const auto* entry = map.find(key);
    if (entry == nullptr) {
        return std::nullopt;
    }
    const auto path = join_path(map.path, key);
    const auto value = text(entry->value, path);
    if (!value) {
        return std::nullopt;
    }
    const auto parsed = util::parse_duration(*value);
    if (!parsed) {
        report(entry->value, path,
               fmt::format("'{}' is not a duration (write e.g. 90s, 10m, 1h30m, 24h)", *value));
        return std::nullopt;
    }
    if (parsed->count() <= 0) {
        report(entry->value, path, "must be longer than 0s");
        return std::nullopt;
    }
    return parsed;
}

std::optional<std::vector<std::string>> Loader::strings(const MapView& map, std::string_view key,
                                                        Required required) {
    const auto* entry = map.find(key);
    const auto path = join_path(map.path, key);
    if (entry == nullptr) {
        if (required == Required::yes) {
            const auto it = map.entries.find(key);
            report(it != map.entries.end() ? it->second.key : map.node, path,
                   it != map.entries.end() ? "must not be empty" : "required key is missing");
        }
        return std::nullopt;
    }
    const auto& node = entry->value;
    if (!node.IsSequence()) {
        report(node, path,
               fmt::format("expected a list (e.g. [a, b] or '- a' lines), got {}", kind_of(node)));
        return std::nullopt;
    }
    std::vector<std::string> values;
    bool ok = true;
    for (std::size_t i = 0; i < node.size(); ++i) {
        if (auto value = text(node[i], indexed(path, i))) {
            values.push_back(std::move(*value));
        } else {
            ok = false;
        }
    }
    if (!ok) {
        return std::nullopt;
    }
    return values;
}

std::optional<std::map<std::string, std::string>>
Loader::string_map(const MapView& parent, std::string_view key,
                   const std::function<std::optional<std::string>(std::string_view)>& check_key,
                   std::string_view key_kind) {
    const auto* entry = parent.find(key);
    if (entry == nullptr) {
        return std::nullopt;
    }
    const auto view = map(entry->value, join_path(parent.path, key), {});
    if (!view) {
        return std::nullopt;
    }
    std::map<std::string, std::string> values;
    bool ok = true;
    for (const auto& [name, item] : view->entries) {
        const auto path = join_path(view->path, name);
        if (const auto problem = check_key(name)) {
            report(item.key, path,
                   fmt::format("'{}' is not a valid {}: {}", name, key_kind, *problem));
            ok = false;
        }
        if (item.value.IsNull()) {
            report(item.key, path, "must have a value");
            ok = false;
            continue;
        }
        if (auto value = text(item.value, path)) {
            values.emplace(name, std::move(*value));
        } else {
            ok = false;
        }
    }
    if (!ok) {
        return std::nullopt;
    }
    return values;
}

std::optional<SecretRef> Loader::secret(const MapView& parent, std::string_view key) {
    const auto* entry = parent.find(key);
    if (entry == nullptr) {
        return std::nullopt;
    }
    const auto path = join_path(parent.path, key);
    if (entry->value.IsScalar()) {
        // Never echo the value: it is probably the secret itself.
        report(entry->value, path, fmt::format("inline secrets are refused; {}", k_secret_forms));
        return std::nullopt;
    }
    const auto view = map(entry->value, path, k_secret_keys);
    if (!view) {
        return std::nullopt;
    }
    const int forms =
        (view->has("env") ? 1 : 0) + (view->has("file") ? 1 : 0) + (view->has("secret") ? 1 : 0);
    if (forms != 1) {
        report(entry->value, path,
               fmt::format("give exactly one of env, file or secret; {}", k_secret_forms));
        return std::nullopt;
    }
    if (view->has("key") && !view->has("secret")) {
        report(view->find("key")->key, join_path(path, "key"), "is only used with secret");
        return std::nullopt;
    }
    if (view->has("env")) {
        auto name = string(*view, "env", Required::yes);
        if (name && !util::is_shell_variable_name(*name)) {
            report(view->find("env")->value, join_path(path, "env"),
                   fmt::format("'{}' is not an environment variable name", *name));
            return std::nullopt;
        }
        return name ? std::optional<SecretRef>(EnvSecret{*name}) : std::nullopt;
    }
    if (view->has("file")) {
        auto file = string(*view, "file", Required::yes);
        return file ? std::optional<SecretRef>(FileSecret{*file}) : std::nullopt;
    }
    const auto reference = string(*view, "secret", Required::yes);
    const auto secret_key = string(*view, "key", Required::yes);
    if (!reference || !secret_key) {
        return std::nullopt;
    }
    const auto& node = view->find("secret")->value;
    const auto slash = reference->find('/');
    if (slash == std::string::npos) {
        report(node, join_path(path, "secret"),
               fmt::format("'{}' must be NAMESPACE/NAME", *reference));
        return std::nullopt;
    }
    KubeSecret result{reference->substr(0, slash), reference->substr(slash + 1), *secret_key};
    bool ok = true;
    if (const auto problem = util::check_dns1123_label(result.secret_namespace)) {
        report(node, join_path(path, "secret"),
               fmt::format("'{}' is not a valid namespace: {}", result.secret_namespace, *problem));
        ok = false;
    }
    if (const auto problem = util::check_dns1123_subdomain(result.name)) {
        report(node, join_path(path, "secret"),
               fmt::format("'{}' is not a valid Secret name: {}", result.name, *problem));
        ok = false;
    }
    const bool key_ok = std::all_of(result.key.begin(), result.key.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    });
    if (!key_ok || result.key.empty()) {
        report(view->find("key")->value, join_path(path, "key"),
               fmt::format("'{}' is not a valid Secret key", result.key));
        ok = false;
    }
    return ok ? std::optional<SecretRef>(result) : std::nullopt;
}

void Loader::check_name(const YAML::Node& node, const std::string& path, const std::string& value,
                        std::string_view kind,
                        std::optional<std::string> (*check)(std::string_view)) {
    if (const auto problem = check(value)) {
        report(node, path, fmt::format("'{}' is not a valid {}: {}", value, kind, *problem));
    }
}

void Loader::check_file(const YAML::Node& node, const std::string& path, const std::string& value) {
    if (value.empty()) {
        report(node, path, "must not be empty");
        return;
    }
    if (!m_options.file_problem) {
        return;
    }
    const auto resolved =
        std::filesystem::path(value).is_absolute()
            ? value
            : (std::filesystem::path(m_base_dir) / value).lexically_normal().string();
    if (const auto problem = m_options.file_problem(resolved)) {
        const auto hint = resolved == value ? std::string()
                                            : fmt::format(" (relative paths start at the "
                                                          "profile's directory, '{}')",
                                                          m_base_dir);
        report(node, path, fmt::format("file '{}' {}{}", value, *problem, hint));
    }
}

void Loader::read_cluster(const MapView& root, Cluster& cluster) {
    const auto* entry = root.find("cluster");
    if (entry == nullptr) {
        return;
    }
    const auto view = map(entry->value, "cluster", k_cluster_keys);
    if (!view) {
        return;
    }
    if (auto context = string(*view, "context", Required::no)) {
        cluster.context = *context;
    }
    if (auto kubeconfig = string(*view, "kubeconfig", Required::no)) {
        cluster.kubeconfig = *kubeconfig;
        check_file(view->find("kubeconfig")->value, "cluster.kubeconfig", *kubeconfig);
    }
}

void Loader::read_portworx(const YAML::Node& node, const std::string& path, Portworx& portworx) {
    const auto view = map(node, path, k_portworx_keys);
    if (!view) {
        return;
    }
    if (auto endpoint = string(*view, "endpoint", Required::no)) {
        const auto& value = view->find("endpoint")->value;
        const std::string_view text = *endpoint;
        if (auto parsed = px::try_parse_endpoint(text); parsed.endpoint) {
            portworx.endpoint = std::move(*parsed.endpoint);
        } else {
            report(value, join_path(path, "endpoint"),
                   fmt::format("'{}' is not an endpoint: {}; {}", text, parsed.problem,
                               px::k_endpoint_forms));
        }
    }
    portworx.token = secret(*view, "token");
    if (auto ca_file = string(*view, "ca_file", Required::no)) {
        portworx.ca_file = *ca_file;
        check_file(view->find("ca_file")->value, join_path(path, "ca_file"), *ca_file);
    }
    if (auto insecure = boolean(*view, "insecure")) {
        portworx.insecure = *insecure;
    }
}

std::vector<Hook> Loader::read_hook_list(const MapView& hooks, std::string_view key) {
    std::vector<Hook> result;
    const auto* entry = hooks.find(key);
    if (entry == nullptr) {
        return result;
    }
    const auto path = join_path(hooks.path, key);
    if (!entry->value.IsSequence()) {
        report(entry->value, path,
               fmt::format("expected a list of hooks ('- run: [...]'), got {}",
                           kind_of(entry->value)));
        return result;
    }
    for (std::size_t i = 0; i < entry->value.size(); ++i) {
        const auto item_path = indexed(path, i);
        const auto view = map(entry->value[i], item_path, k_hook_keys);
        if (!view) {
            continue;
        }
        Hook hook;
        if (const auto* run = view->find("run"); run != nullptr && run->value.IsScalar()) {
            report(run->value, join_path(item_path, "run"),
                   "expected a list of arguments, e.g. [./scripts/lock.sh, --wait]; no shell is "
                   "involved");
            continue;
        }
        if (auto argv = strings(*view, "run", Required::yes)) {
            if (argv->empty()) {
                report(view->find("run")->value, join_path(item_path, "run"),
                       "must name a command");
            } else {
                if (argv->front().find('/') != std::string::npos) {
                    check_file(view->find("run")->value, join_path(item_path, "run"),
                               argv->front());
                }
                hook.run = std::move(*argv);
            }
        }
        if (auto timeout = duration(*view, "timeout")) {
            hook.timeout = *timeout;
        }
        result.push_back(std::move(hook));
    }
    return result;
}

void Loader::read_source(const MapView& root, Source& source) {
    const auto* entry = root.find("source");
    if (entry == nullptr) {
        const auto it = root.entries.find("source");
        report(it != root.entries.end() ? it->second.key : root.node, "source",
               it != root.entries.end() ? "must not be empty" : "required key is missing");
        return;
    }
    const auto view = map(entry->value, "source", k_source_keys);
    if (!view) {
        return;
    }
    if (auto ns = string(*view, "namespace", Required::yes)) {
        source.source_namespace = *ns;
        check_name(view->find("namespace")->value, "source.namespace", *ns, "namespace",
                   util::check_dns1123_label);
    }
    if (view->has("pvcs") && view->has("selector")) {
        report(view->find("selector")->key, "source.selector",
               "give either pvcs or selector, not both");
    } else if (!view->has("pvcs") && !view->has("selector")) {
        report(entry->value, "source",
               "name the volumes: pvcs: [NAME, ...] or selector: {LABEL: VALUE}");
    }
    if (auto pvcs = strings(*view, "pvcs", Required::no)) {
        const auto& node = view->find("pvcs")->value;
        if (pvcs->empty()) {
            report(node, "source.pvcs", "must list at least one PVC");
        }
        std::set<std::string> seen;
        for (std::size_t i = 0; i < pvcs->size(); ++i) {
            const auto& pvc = (*pvcs)[i];
            check_name(node[i], indexed("source.pvcs", i), pvc, "PVC name",
                       util::check_dns1123_subdomain);
            if (!seen.insert(pvc).second) {
                report(node[i], indexed("source.pvcs", i),
                       fmt::format("'{}' is listed twice", pvc));
            }
        }
        source.pvcs = std::move(*pvcs);
    }
    if (auto selector = string_map(*view, "selector", util::check_label_key, "label key")) {
        const auto& node = view->find("selector")->value;
        if (selector->empty()) {
            report(node, "source.selector",
                   "must have at least one label (an empty selector would match every PVC)");
        }
        for (const auto& [key, value] : *selector) {
            if (const auto problem = util::check_label_value(value)) {
                report(node[key], join_path("source.selector", key),
                       fmt::format("'{}' is not a valid label value: {}", value, *problem));
            }
        }
        source.selector = std::move(*selector);
    }
    if (const auto* hooks = view->find("hooks")) {
        if (const auto hooks_view = map(hooks->value, "source.hooks", k_hooks_keys)) {
            source.hooks.pre = read_hook_list(*hooks_view, "pre");
            source.hooks.post = read_hook_list(*hooks_view, "post");
        }
    }
}

void Loader::read_snapshot(const MapView& root, Snapshot& snapshot) {
    const auto* entry = root.find("snapshot");
    if (entry == nullptr) {
        return;
    }
    const auto view = map(entry->value, "snapshot", k_snapshot_keys);
    if (!view) {
        return;
    }
    if (auto method = string(*view, "method", Required::no)) {
        if (*method == "portworx") {
            snapshot.method = SnapshotMethod::portworx;
        } else if (*method == "csi") {
            snapshot.method = SnapshotMethod::csi;
        } else {
            report(view->find("method")->value, "snapshot.method",
                   fmt::format("unknown method '{}'{}; use portworx or csi", *method,
                               util::did_you_mean(*method, k_methods)));
        }
    }
    if (auto snapshot_class = string(*view, "class", Required::no)) {
        snapshot.snapshot_class = *snapshot_class;
        check_name(view->find("class")->value, "snapshot.class", *snapshot_class,
                   "VolumeSnapshotClass name", util::check_dns1123_subdomain);
        if (snapshot.method != SnapshotMethod::csi) {
            report(view->find("class")->key, "snapshot.class", "is only used with method: csi");
        }
    } else if (snapshot.method == SnapshotMethod::csi) {
        report(view->find("method")->value, "snapshot.class",
               "method csi needs class: the VolumeSnapshotClass to use");
    }
    if (auto keep = integer(*view, "keep", 1, 1000)) {
        snapshot.keep = *keep;
    }
    if (auto timeout = duration(*view, "timeout")) {
        snapshot.timeout = *timeout;
    }
}

std::optional<Mask> Loader::read_mask(const MapView& staging,
                                      const std::vector<std::string>& manifests) {
    const auto* entry = staging.find("mask");
    if (entry == nullptr) {
        return std::nullopt;
    }
    const auto view = map(entry->value, "staging.mask", k_mask_keys);
    if (!view) {
        return std::nullopt;
    }
    Mask mask;
    if (auto after = string(*view, "after", Required::no)) {
        if (std::find(manifests.begin(), manifests.end(), *after) == manifests.end()) {
            std::vector<std::string_view> names(manifests.begin(), manifests.end());
            report(view->find("after")->value, "staging.mask.after",
                   fmt::format("'{}' is not one of staging.manifests{}", *after,
                               util::did_you_mean(*after, names)));
        }
        mask.after = *after;
    }
    if (auto image = string(*view, "image", Required::yes)) {
        if (image->find_first_of(" \t") != std::string::npos) {
            report(view->find("image")->value, "staging.mask.image",
                   fmt::format("'{}' is not an image reference", *image));
        }
        mask.image = *image;
    }
    if (const auto* command = view->find("command");
        command != nullptr && command->value.IsScalar()) {
        report(command->value, "staging.mask.command",
               "expected a list of arguments, e.g. [mongosh, /masking/mask.js]");
    } else if (auto argv = strings(*view, "command", Required::yes)) {
        if (argv->empty()) {
            report(command->value, "staging.mask.command", "must name a command");
        }
        mask.command = std::move(*argv);
    }
    if (auto env =
            string_map(*view, "env", util::check_env_var_name, "environment variable name")) {
        mask.env = std::move(*env);
    }
    if (auto files = strings(*view, "files", Required::no)) {
        const auto& node = view->find("files")->value;
        std::set<std::string> names;
        for (std::size_t i = 0; i < files->size(); ++i) {
            const auto& file = (*files)[i];
            check_file(node[i], indexed("staging.mask.files", i), file);
            const auto name = std::filesystem::path(file).filename().string();
            if (!names.insert(name).second) {
                report(node[i], indexed("staging.mask.files", i),
                       fmt::format("another file is also mounted as /masking/{}", name));
            }
        }
        mask.files = std::move(*files);
    }
    if (auto timeout = duration(*view, "timeout")) {
        mask.timeout = *timeout;
    }
    return mask;
}

namespace {

// Why staging.pool excludes `key`.
std::string_view pool_conflict(std::string_view key) {
    if (key == "namespace") {
        return "the namespace is claimed from the pool";
    }
    if (key == "role_binding") {
        return "an admin binds the staging role in each pool namespace, pxclone binds nothing";
    }
    return "pools in a separate staging cluster are not supported yet";
}

} // namespace

void Loader::read_staging(const MapView& root, const Source& source, Staging& staging) {
    const auto* entry = root.find("staging");
    std::optional<MapView> view;
    if (entry != nullptr) {
        view = map(entry->value, "staging", k_staging_keys);
        if (!view) {
            return;
        }
    }
    const YAML::Node anchor = entry != nullptr ? entry->value : root.node;
    if (auto pool = view ? string(*view, "pool", Required::no) : std::nullopt) {
        staging.pool = *pool;
        check_name(view->find("pool")->value, "staging.pool", *pool, "pool name (a label value)",
                   util::check_dns1123_label);
        // The pool's namespaces are the admin's, with the staging role bound already: pxclone
        // neither names, creates nor binds one. A pool in a separate staging cluster is not
        // supported yet.
        for (const auto* other : {"namespace", "role_binding", "cluster"}) {
            if (const auto* found = view->find(other)) {
                report(found->value, std::string("staging.") + other,
                       fmt::format("cannot be set with staging.pool: {}", pool_conflict(other)));
            }
        }
    } else if (auto ns = view ? string(*view, "namespace", Required::no) : std::nullopt) {
        staging.staging_namespace = *ns;
        check_name(view->find("namespace")->value, "staging.namespace", *ns, "namespace",
                   util::check_dns1123_label);
    } else if ((!view || !view->has("namespace")) && m_name_ok) {
        staging.staging_namespace =
            fmt::format("{}-stg-{}", m_context.profile_name, m_context.run_id);
        check_name(anchor, "staging.namespace", staging.staging_namespace,
                   "namespace (the default <name>-stg-<run id>)", util::check_dns1123_label);
    }
    if (!source.source_namespace.empty() && staging.pool.empty() &&
        staging.staging_namespace == source.source_namespace) {
        report(view && view->has("namespace") ? view->find("namespace")->value : anchor,
               "staging.namespace",
               "must differ from source.namespace: staging never runs in the production namespace");
    }
    if (!view) {
        return;
    }
    staging.cluster = read_staging_cluster(*view);
    if (auto ttl = duration(*view, "ttl")) {
        staging.ttl = *ttl;
    }
    if (auto storage_class = string(*view, "storage_class", Required::no)) {
        staging.storage_class = *storage_class;
        check_name(view->find("storage_class")->value, "staging.storage_class", *storage_class,
                   "StorageClass name", util::check_dns1123_subdomain);
    }
    if (auto account = string(*view, "role_binding", Required::no)) {
        const auto& node = view->find("role_binding")->value;
        const auto slash = account->find('/');
        if (slash == std::string::npos) {
            report(node, "staging.role_binding",
                   fmt::format("'{}' must be the ServiceAccount NAMESPACE/NAME", *account));
        } else {
            ServiceAccountRef ref{account->substr(0, slash), account->substr(slash + 1)};
            check_name(node, "staging.role_binding", ref.ns, "namespace",
                       util::check_dns1123_label);
            check_name(node, "staging.role_binding", ref.name, "ServiceAccount name",
                       util::check_dns1123_subdomain);
            staging.role_binding = std::move(ref);
        }
    }
    if (auto volumes = string_map(*view, "volumes", util::check_dns1123_subdomain, "PVC name")) {
        const auto& node = view->find("volumes")->value;
        std::map<std::string, std::string> targets;
        std::vector<std::string_view> pvcs(source.pvcs.begin(), source.pvcs.end());
        for (const auto& [from, to] : *volumes) {
            const auto path = join_path("staging.volumes", from);
            if (!source.pvcs.empty() &&
                std::find(source.pvcs.begin(), source.pvcs.end(), from) == source.pvcs.end()) {
                report(node[from].IsDefined() ? node[from] : node, path,
                       fmt::format("'{}' is not one of source.pvcs{}", from,
                                   util::did_you_mean(from, pvcs)));
            }
            check_name(node[from], path, to, "PVC name", util::check_dns1123_subdomain);
            if (const auto [it, inserted] = targets.emplace(to, from); !inserted) {
                report(node[from], path,
                       fmt::format("'{}' is also the staging name of '{}'", to, it->second));
            }
        }
        staging.volumes = std::move(*volumes);
    }
    if (auto manifests = strings(*view, "manifests", Required::no)) {
        const auto& node = view->find("manifests")->value;
        std::set<std::string> seen;
        for (std::size_t i = 0; i < manifests->size(); ++i) {
            const auto& manifest = (*manifests)[i];
            check_file(node[i], indexed("staging.manifests", i), manifest);
            if (!seen.insert(manifest).second) {
                report(node[i], indexed("staging.manifests", i),
                       fmt::format("'{}' is listed twice", manifest));
            }
        }
        staging.manifests = std::move(*manifests);
    }
    if (auto images = string_map(*view, "images", util::check_dns1123_label, "container name")) {
        const auto& node = view->find("images")->value;
        for (const auto& [container, image] : *images) {
            if (image.empty() || image.find_first_of(" \t\n") != std::string::npos) {
                report(node[container], join_path("staging.images", container),
                       fmt::format("'{}' is not an image reference", image));
            }
        }
        staging.images = std::move(*images);
    }
    staging.mask = read_mask(*view, staging.manifests);
    if (const auto* wait = view->find("wait")) {
        if (const auto wait_view = map(wait->value, "staging.wait", k_wait_keys)) {
            if (auto timeout = duration(*wait_view, "timeout")) {
                staging.wait.timeout = *timeout;
            }
        }
    }
}

std::optional<StagingCluster> Loader::read_staging_cluster(const MapView& staging) {
    const auto* entry = staging.find("cluster");
    if (entry == nullptr) {
        return std::nullopt;
    }
    const auto view = map(entry->value, "staging.cluster", k_staging_cluster_keys);
    if (!view) {
        return std::nullopt;
    }
    StagingCluster result;
    if (auto context = string(*view, "context", Required::yes)) {
        result.cluster.context = *context;
    }
    if (auto kubeconfig = string(*view, "kubeconfig", Required::no)) {
        result.cluster.kubeconfig = *kubeconfig;
        check_file(view->find("kubeconfig")->value, "staging.cluster.kubeconfig", *kubeconfig);
    }
    if (const auto* portworx = view->find("portworx")) {
        read_portworx(portworx->value, "staging.cluster.portworx", result.portworx);
    }
    return result;
}

// One side's credential: the name or uuid of a Portworx cloud credential on that cluster. The
// object store's keys stay in Portworx; a mapping of them here is refused without echoing it.
std::optional<std::string> Loader::credential_name(const YAML::Node& node,
                                                   const std::string& path) {
    auto value = text(node, path);
    if (!value) {
        return std::nullopt;
    }
    if (value->empty()) {
        report(node, path, "must name a Portworx cloud credential (its name or uuid)");
        return std::nullopt;
    }
    if (value->find_first_of("/ \t\n") != std::string::npos) {
        report(node, path,
               fmt::format("'{}' is not a Portworx credential name or uuid (no '/' or spaces)",
                           *value));
        return std::nullopt;
    }
    return value;
}

void Loader::read_transfer(const MapView& root, Profile& profile) {
    const auto* entry = root.find("transfer");
    const auto* staging_cluster = [&]() -> const YAML::Node* {
        const auto* staging = root.find("staging");
        if (staging == nullptr || !staging->value.IsMap() || !staging->value["cluster"] ||
            staging->value["cluster"].IsNull()) {
            return nullptr;
        }
        return &staging->value;
    }();
    if (entry == nullptr) {
        if (profile.staging.cluster && staging_cluster != nullptr) {
            report((*staging_cluster)["cluster"], "staging.cluster",
                   "a staging cluster of its own needs transfer (how the snapshots get there): "
                   "add transfer: { method: cloudsnap, credential: NAME }");
        }
        return;
    }
    const auto view = map(entry->value, "transfer", k_transfer_keys);
    if (!view) {
        return;
    }
    Transfer transfer;
    if (auto method = string(*view, "method", Required::no)) {
        if (*method != "cloudsnap") {
            report(view->find("method")->value, "transfer.method",
                   fmt::format("unknown method '{}'{}; use cloudsnap", *method,
                               util::did_you_mean(*method, k_transfer_methods)));
        }
    }
    if (const auto* credential = view->find("credential"); credential == nullptr) {
        report(entry->value, "transfer.credential",
               view->entries.count("credential") != 0
                   ? "must not be empty"
                   : "required key is missing: the Portworx cloud credential (name or uuid) "
                     "to use, one for both clusters or { source: NAME, staging: NAME }");
    } else if (credential->value.IsMap()) {
        if (const auto key = object_store_key(credential->value)) {
            report(*key, join_path("transfer.credential", key->Scalar()),
                   "pxclone never takes object-store keys: create a Portworx cloud credential "
                   "on each cluster (pxctl credentials create) and name it here");
        } else if (const auto sides =
                       map(credential->value, "transfer.credential", k_credential_sides)) {
            for (const auto side : k_credential_sides) {
                const auto path = join_path("transfer.credential", side);
                const auto* item = sides->find(side);
                if (item == nullptr) {
                    report(credential->value, path, "required key is missing");
                    continue;
                }
                if (auto name = credential_name(item->value, path)) {
                    (side == "source" ? transfer.source_credential : transfer.staging_credential) =
                        *name;
                }
            }
        }
    } else if (auto name = credential_name(credential->value, "transfer.credential")) {
        transfer.source_credential = *name;
        transfer.staging_credential = *name;
    }
    if (auto timeout = duration(*view, "backup_timeout")) {
        transfer.backup_timeout = *timeout;
    }
    if (auto timeout = duration(*view, "restore_timeout")) {
        transfer.restore_timeout = *timeout;
    }
    const auto& source = profile.cluster;
    if (!profile.staging.cluster) {
        warn(entry->key, "transfer",
             "no staging.cluster: the snapshots go through the object store into the same "
             "cluster, which a clone does faster (add staging.cluster, or remove transfer)");
    } else if (!source.context.empty() &&
               profile.staging.cluster->cluster.context == source.context &&
               profile.staging.cluster->cluster.kubeconfig == source.kubeconfig &&
               staging_cluster != nullptr) {
        warn((*staging_cluster)["cluster"]["context"], "staging.cluster.context",
             "the same context as cluster.context: the staging cluster is the source cluster, "
             "and the transfer only makes it slower");
    }
    profile.transfer = std::move(transfer);
}

LoadResult Loader::run(std::string_view text) {
    LoadResult result;
    const auto finish = [&]() {
        if (m_problems > m_diagnostics.size()) {
            m_diagnostics.push_back(
                {m_options.file, 0, 0, "",
                 fmt::format("... and {} more problems", m_problems - m_diagnostics.size())});
        }
        result.diagnostics = std::move(m_diagnostics);
        result.warnings = std::move(m_warnings);
        return result;
    };

    if (text.size() > k_max_profile_bytes) {
        report(Position{}, "", too_large_message());
        return finish();
    }
    if (text.starts_with("\xEF\xBB\xBF")) {
        text.remove_prefix(3);
    }
    if (const auto offset = find_binary(text)) {
        report(position_at(text, *offset), "",
               fmt::format("not a YAML text file (byte 0x{:02X} here; profiles are UTF-8 text)",
                           static_cast<unsigned char>(text[*offset])));
        return finish();
    }
    const auto lines = split_lines(text);
    for (const auto& line : lines) {
        const auto first = line.text.find_first_not_of(" \t");
        const auto tab = line.text.find('\t');
        if (first != std::string_view::npos && tab != std::string_view::npos && tab < first) {
            report(Position{line.number, static_cast<int>(tab) + 1}, "",
                   "tab character in indentation (YAML indents with spaces)");
        }
    }
    if (!m_diagnostics.empty()) {
        return finish();
    }
    const auto scan = scan_lines(lines, k_max_nesting_depth);
    if (scan.too_deep) {
        report(Position{scan.too_deep->number, 1}, "",
               fmt::format("nested more than {} levels deep; a profile is much flatter",
                           k_max_nesting_depth));
        return finish();
    }
    if (scan.block_comma) {
        report(*scan.block_comma, "",
               "invalid YAML: ',' cannot start a value here (quote the text, or put the list "
               "in [ ])");
        return finish();
    }

    std::vector<YAML::Node> documents;
    try {
        const auto copy = std::string(text);
        // The profile's own nesting limit, plus the root's level (scan_lines counts collections).
        if (const auto problem = check_events(copy, {16, k_max_nesting_depth + 1})) {
            using Kind = EventProblem::Kind;
            const auto message =
                problem->kind == Kind::documents
                    ? "invalid YAML: more than 16 documents, or text the YAML parser cannot get "
                      "past (a profile is one document)"
                : problem->kind == Kind::depth
                    ? fmt::format("nested more than {} levels deep, counting what aliases expand "
                                  "to; a profile is much flatter",
                                  k_max_nesting_depth)
                    : problem->message;
            report(problem->position, "", message);
            return finish();
        }
        documents = YAML::LoadAll(copy);
    } catch (const YAML::DeepRecursion& error) {
        report(position_of(error.mark), "",
               fmt::format("nested more than {} levels deep; a profile is much flatter",
                           k_max_nesting_depth));
        return finish();
    } catch (const YAML::ParserException& error) {
        report(position_of(error.mark), "", describe_syntax_error(error.msg));
        return finish();
    } catch (const YAML::Exception& error) {
        report(position_of(error.mark), "", "invalid YAML syntax");
        return finish();
    }
    std::optional<YAML::Mark> last_quoted;
    std::size_t budget = 100000;
    for (const auto& document : documents) {
        find_last_quoted(document, text, budget, last_quoted);
    }
    if (last_quoted && !quote_is_closed(text, static_cast<std::size_t>(last_quoted->pos))) {
        report(position_of(*last_quoted), "", "invalid YAML: a quoted string is never closed");
        return finish();
    }
    if (documents.empty() || documents.front().IsNull()) {
        report(Position{}, "", "the profile is empty (start with 'version: 1')");
        return finish();
    }
    if (documents.size() > 1) {
        report(documents[1], "", "more than one YAML document ('---'); a profile is one document");
        return finish();
    }
    const auto root = map(documents.front(), "", k_top_keys);
    if (!root) {
        return finish();
    }

    Profile profile;
    profile.file = m_options.file;
    const auto parent = std::filesystem::path(m_options.file).parent_path();
    profile.base_dir = parent.empty() ? "." : parent.string();
    m_base_dir = profile.base_dir;

    if (root->has("version")) {
        if (auto version = integer(*root, "version", 0, 1000)) {
            if (*version != 1) {
                report(
                    root->find("version")->value, "version",
                    fmt::format("unsupported version {} (this pxclone reads version 1)", *version));
            }
        }
    } else {
        report(root->node, "version", "required key is missing (write 'version: 1')");
    }
    if (auto name = string(*root, "name", Required::yes, false)) {
        const auto& node = root->find("name")->value;
        if (has_references(*name)) {
            report(node, "name", "cannot use ${...}: it is what ${profile.name} refers to");
        } else {
            m_name_ok = !util::check_dns1123_label(*name);
            check_name(node, "name", *name, "profile name", util::check_dns1123_label);
        }
        profile.name = *name;
        m_context.profile_name = *name;
    }

    read_cluster(*root, profile.cluster);
    if (const auto* portworx = root->find("portworx")) {
        read_portworx(portworx->value, "portworx", profile.portworx);
    }
    read_source(*root, profile.source);
    read_snapshot(*root, profile.snapshot);
    read_staging(*root, profile.source, profile.staging);
    read_transfer(*root, profile);

    if (m_problems == 0) {
        result.profile = std::move(profile);
    }
    std::stable_sort(m_diagnostics.begin(), m_diagnostics.end(),
                     [](const Diagnostic& a, const Diagnostic& b) {
                         return std::tie(a.line, a.column) < std::tie(b.line, b.column);
                     });
    return finish();
}

} // namespace

std::string too_large_message() {
    return fmt::format("file is too large (a profile may have at most {} bytes)",
                       k_max_profile_bytes);
}

LoadResult load_profile(std::string_view text, const LoadOptions& options) {
    return Loader(options).run(text);
}

std::string resolve_path(const Profile& profile, const std::string& path) {
    if (std::filesystem::path(path).is_absolute()) {
        return path;
    }
    return (std::filesystem::path(profile.base_dir) / path).lexically_normal().string();
}

} // namespace pxclone::profile
