// Typed operations on Kubernetes objects kept as JSON. Every method is const and the client holds
// no mutable state, so one Client is shared by all worker threads (the Transport is thread-safe).
#pragma once

#include "pxclone/http/transport.hpp"
#include "pxclone/k8s/resource.hpp"
#include "pxclone/k8s/status.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace pxclone::k8s {

using Labels = std::map<std::string, std::string>;

// Options every write takes. dry_run sends `dryRun=All`: the server validates and answers as if it
// had written, and stores nothing.
struct WriteOptions {
    bool dry_run = false;
};

struct ListOptions {
    std::string label_selector; // "app=db,tier!=cache" (see label_selector() in paths.hpp)
    std::string field_selector; // "metadata.name=x"
    int page_size = 500;        // `limit`; pages are followed through `metadata.continue`
};

// A whole list, every page joined. Items carry no apiVersion/kind (the server omits them).
struct ObjectList {
    std::vector<nlohmann::json> items;
    std::string resource_version; // of the first page: where a watch starts
};

enum class CreateOutcome { created, already_exists };

struct CreateResult {
    CreateOutcome outcome = CreateOutcome::created;
    // created: the object as the server stored it. already_exists: null (GET it to look).
    nlohmann::json object;
};

// What create_or_adopt found: the object, and whether this call created it.
struct AdoptResult {
    nlohmann::json object;
    bool created = false;
};

struct DeleteOptions {
    std::string propagation_policy = "Background"; // or "Foreground", "Orphan"
    std::string precondition_uid;                  // delete only this incarnation when set
    bool dry_run = false;
};

class Client {
public:
    // server: the API server's base URL ("https://10.0.0.1:6443", possibly with a path prefix);
    // transport: already authenticating, retrying and logging. The transport must outlive this.
    Client(http::Transport& transport, std::string server);

    const std::string& server() const noexcept { return m_server; }
    http::Transport& transport() const noexcept { return m_transport; }

    // The object; nullopt when it does not exist (404 NotFound). Throws ApiError for any other
    // error, including a 404 without a Status (the resource type is not served).
    std::optional<nlohmann::json> get(const Resource& resource, std::string_view ns,
                                      std::string_view name) const;

    // Like get, but absence is an ApiError NotFound (exit code 3) naming the object.
    nlohmann::json get_required(const Resource& resource, std::string_view ns,
                                std::string_view name) const;

    // Every matching object, following `continue` pages. An empty namespace lists all namespaces
    // for a namespaced resource. Throws ApiError.
    ObjectList list(const Resource& resource, std::string_view ns,
                    const ListOptions& options = {}) const;

    // POST to the collection. 409 AlreadyExists is a value (outcome already_exists), not an error;
    // every other refusal throws ApiError. Never re-sent after a connection error (not idempotent).
    CreateResult create(const Resource& resource, std::string_view ns, const nlohmann::json& object,
                        const WriteOptions& options = {}) const;

    // create, and when the name is taken GET the existing object and accept it only if it carries
    // every label in `ownership` (it is ours, from an earlier attempt whose reply was lost).
    // Throws Error (exit 1) when it exists and is not ours, ApiError for server refusals.
    AdoptResult create_or_adopt(const Resource& resource, std::string_view ns,
                                const nlohmann::json& object, const Labels& ownership,
                                const WriteOptions& options = {}) const;

    // Server-side apply of `object` (named by metadata.name): PATCH application/apply-patch+yaml
    // with `fieldManager=pxclone&force=true`. Creates or updates; returns the stored object.
    nlohmann::json apply(const Resource& resource, std::string_view ns,
                         const nlohmann::json& object, const WriteOptions& options = {}) const;

    // PUT of `object`, which must carry metadata.resourceVersion. A stale one throws ApiError
    // with is_conflict(); see update_with_retry.
    nlohmann::json update(const Resource& resource, std::string_view ns,
                          const nlohmann::json& object, const WriteOptions& options = {}) const;

    // Read-modify-write: GET, call mutate on the object (return false for "nothing to change",
    // and the current object is returned without a PUT), PUT; on Conflict GET again and repeat,
    // up to max_attempts times. Throws ApiError NotFound if the object is missing, and the last
    // Conflict when every attempt raced.
    nlohmann::json update_with_retry(const Resource& resource, std::string_view ns,
                                     std::string_view name,
                                     const std::function<bool(nlohmann::json&)>& mutate,
                                     const WriteOptions& options = {}, int max_attempts = 5) const;

    // JSON merge patch (RFC 7386): PATCH application/merge-patch+json. Returns the stored object.
    nlohmann::json merge_patch(const Resource& resource, std::string_view ns, std::string_view name,
                               const nlohmann::json& patch, const WriteOptions& options = {}) const;

    // DELETE with DeleteOptions (propagationPolicy, optional preconditions.uid). Returns true when
    // the server accepted the deletion (200/202; the object may linger with finalizers), false
    // when it was already gone (404). Throws ApiError otherwise (a precondition mismatch is a
    // Conflict).
    bool remove(const Resource& resource, std::string_view ns, std::string_view name,
                const DeleteOptions& options = {}) const;

    // The `scale` subresource (autoscaling/v1 Scale). Note a Scale at 0 replicas comes back with
    // `"spec": {}`: read it with scale_replicas().
    nlohmann::json get_scale(const Resource& resource, std::string_view ns,
                             std::string_view name) const;
    // Sets spec.replicas through the scale subresource (merge patch); returns the Scale.
    nlohmann::json set_replicas(const Resource& resource, std::string_view ns,
                                std::string_view name, int replicas,
                                const WriteOptions& options = {}) const;

    // The end of a container's log: GET pods/POD/log?container=C&tailLines=N&limitBytes=M
    // (text/plain; limitBytes counts from the start of those lines). An empty container means
    // the pod's only one. Throws ApiError: NotFound without the pod, BadRequest while the
    // container has not started or when it is not the pod's.
    std::string pod_log(std::string_view ns, std::string_view pod, std::string_view container,
                        int tail_lines, int limit_bytes = 16384) const;

    // GET of `path_and_query` (absolute path, encoded query) with the body streamed to on_chunk;
    // the building block of watches (watch.hpp). timeout bounds the whole request.
    http::Response stream_get(const std::string& path_and_query, std::chrono::milliseconds timeout,
                              const http::ChunkHandler& on_chunk) const;

private:
    http::Response send(http::Method method, const std::string& path_and_query,
                        const std::string& content_type, std::string body, bool idempotent,
                        const char* accept = "application/json") const;

    http::Transport& m_transport;
    std::string m_server;
};

// spec.replicas of a Scale, 0 when omitted.
int scale_replicas(const nlohmann::json& scale);

// Whether `object` carries every label in `labels` with the same value.
bool has_labels(const nlohmann::json& object, const Labels& labels);

// The string at `pointer` ("/spec/volumeName") in a server object; empty when it is absent or not
// a string (a reply of an unexpected shape must not become a JSON type error).
std::string string_field(const nlohmann::json& object, std::string_view pointer);

} // namespace pxclone::k8s
