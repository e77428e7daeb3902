// pxsim's Kubernetes API server: discovery, CRUD, patch (merge, JSON, server-side apply), delete
// with finalizers and propagation, dry run, list paging and watch, with a real v1.26 server's
// paths, Status bodies and codes (API.md §2, reference/k8s-rest*.txt).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "k8s_store.hpp"
#include "k8s_util.hpp"
#include "sim_http.hpp"

namespace pxsim {

// The label selector that marks an object as the client's own by default: pxclone's label.
inline const std::string k_pxclone_labels = "app.kubernetes.io/managed-by=pxclone";

struct K8sOptions {
    std::function<std::chrono::system_clock::time_point()> now = [] {
        return std::chrono::system_clock::now();
    };
    // A new metadata.uid (deterministic under --seed).
    std::function<std::string()> new_uid;
    // Records a production-guard violation; the request is still answered normally.
    std::function<void(const std::string& what)> violation = [](const std::string&) {
    };
    // Server-side apply that would create asks this whether `create` is allowed too (as
    // kube-apiserver's patch handler does): the 403 Status to answer, or nullopt.
    std::function<std::optional<nlohmann::json>(const std::string& group,
                                                const std::string& resource, const std::string& ns,
                                                const std::string& name)>
        deny_create_on_apply =
            [](const std::string&, const std::string&, const std::string&, const std::string&) {
                return std::optional<nlohmann::json>();
            };
    std::set<std::string> source_namespaces;
    // Objects in a source namespace whose labels match this selector are the client's own (as
    // the VolumeSnapshots of pxclone's method csi are): creating one that matches, and updating
    // or deleting one that matched, is no violation. An empty selector would match every object.
    std::vector<LabelRequirement> client_labels = *parse_label_selector(k_pxclone_labels);
    std::string server_address = "127.0.0.1";
};

// One watch to stream (the reply to a `?watch=1` request).
struct WatchSpec {
    const ResourceType* type = nullptr;
    std::string ns; // "" = every namespace
    std::vector<LabelRequirement> labels;
    std::vector<FieldRequirement> fields;
    std::optional<std::uint64_t> since; // nullopt: the current objects first, as ADDED
    bool bookmarks = false;
    std::chrono::milliseconds timeout{std::chrono::minutes(30)};
    bool table = false;         // events carry one-row Tables (kubectl get -w)
    std::string include_object; // the Table rows' includeObject
};

class K8sApi {
public:
    K8sApi(Store& store, K8sOptions options);

    struct Outcome {
        SimReply reply;
        std::optional<WatchSpec> watch; // set: stream this watch instead of sending `reply`
    };
    // Handles one request under /api, /apis, /version or /openapi. `internal` requests come from
    // pxsim's own controllers: never production-guard violations.
    Outcome handle(const SimRequest& request, bool internal = false);

    // Streams a watch as newline-delimited JSON events. Stops when `write` returns false, when
    // `stopping` returns true, at the timeout, or after `close_after` events (a fault).
    void stream_watch(const WatchSpec& watch, const std::function<bool(const std::string&)>& write,
                      const std::function<bool()>& stopping,
                      std::optional<std::size_t> close_after = std::nullopt);

    // Seeds one object from a state file: defaults filled, status kept. Throws std::runtime_error
    // for an unknown kind or an invalid object.
    void load(nlohmann::json object);

    bool is_source_namespace(const std::string& ns) const;
    // True when the object is a production object (in a source namespace, or a PV bound to a PVC
    // there).
    bool is_source_object(const ResourceType& type, const nlohmann::json& object) const;
    const K8sOptions& options() const { return m_options; }
    // Where clients reach this server (for /api's serverAddressByClientCIDRs); set before serving.
    void set_server_address(std::string address) { m_options.server_address = std::move(address); }

private:
    Store& m_store;
    K8sOptions m_options;
    std::uint32_t m_next_cluster_ip = 10;

    struct Target;
    Outcome handle_resource(const SimRequest& request, const Target& target, bool internal);
    SimReply list(const SimRequest& request, const Target& target);
    SimReply create(const SimRequest& request, const Target& target, bool internal);
    SimReply update(const SimRequest& request, const Target& target, bool internal);
    SimReply patch(const SimRequest& request, const Target& target, bool internal);
    SimReply remove(const SimRequest& request, const Target& target, bool internal);
    SimReply scale(const SimRequest& request, const Target& target, bool internal);
    // GET pods/NAME/log (text/plain): what the simulated container printed, which is the value
    // of its PXSIM_LOG environment variable (empty without one); `container` (required when the
    // pod has several), `tailLines`, `limitBytes`.
    SimReply pod_log(const SimRequest& request, const Target& target);
    // PUT namespaces/NAME/finalize: replaces spec.finalizers (only); a deleted namespace left
    // with no finalizers at all goes.
    SimReply finalize_namespace(const SimRequest& request, const Target& target, bool internal);
    SimReply create_object(Store::Txn& txn, const Target& target, nlohmann::json object,
                           bool dry_run, bool internal);
    SimReply finish_update(Store::Txn& txn, const Target& target, const nlohmann::json& existing,
                           nlohmann::json incoming, bool dry_run, bool internal);
    void guard(const std::string& verb, const ResourceType& type, const nlohmann::json& object,
               bool internal);
};

} // namespace pxsim
