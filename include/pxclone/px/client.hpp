// The Portworx (OpenStorage SDK REST gateway) client: every call pxclone makes (API.md §1), reached
// directly or through the Kubernetes API server's service proxy. Stateless after construction, so
// one Client serves every worker thread.
#pragma once

#include "pxclone/error.hpp"
#include "pxclone/http/transport.hpp"
#include "pxclone/px/types.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pxclone::px {

// Where the profile's `portworx.endpoint` points.
struct Endpoint {
    enum class Kind { direct, service_proxy };
    Kind kind = Kind::direct;
    std::string url;     // direct: "https://px.example:9021" (no trailing slash)
    std::string ns;      // service_proxy: the Service's namespace
    std::string service; // service_proxy: its name
    std::string port;    // service_proxy: port number or name
    std::string scheme;  // service_proxy: "" (http) or "https" (the proxy speaks TLS to it)
    std::string text;    // as written, for messages
};

inline constexpr std::string_view k_default_endpoint = "service:kube-system/portworx-api:9021";

// Parses `https://HOST[:PORT]`, `http://HOST[:PORT]`, or `service:NAMESPACE/NAME[:PORT]` (port
// 9021 when omitted; `service:NS/https:NAME:PORT` makes the proxy use TLS). Pure. Throws
// UsageError naming the value and the accepted forms.
Endpoint parse_endpoint(std::string_view text);

// The gateway's base URL: the direct URL, or
// `<kubernetes_server>/api/v1/namespaces/NS/services/[https:]NAME:PORT/proxy` (send it through the
// Kubernetes transport, which authenticates to the API server).
std::string base_url(const Endpoint& endpoint, std::string_view kubernetes_server);

// Why a Portworx token cannot travel this route, or nullopt when it can. Through the service proxy
// the request's Authorization header is the Kubernetes credential; the API server consumes it and
// does not pass it on, so PX-Security (a bearer token) needs a direct endpoint. Pure, for the
// profile's validation.
std::optional<std::string> token_route_problem(const Endpoint& endpoint, bool has_token);

// An error body from the gateway: `{"error", "code", "message"}` with the gRPC code kept.
// Exit code: NotFound -> 3, DeadlineExceeded -> 4, anything else -> 1.
class SdkError : public Error {
public:
    SdkError(int http_status, int grpc_code, std::string server_message, std::string what,
             std::string hint = {});
    int http_status() const noexcept { return m_http_status; }
    int grpc_code() const noexcept { return m_grpc_code; }
    const std::string& server_message() const noexcept { return m_server_message; }

private:
    int m_http_status;
    int m_grpc_code;
    std::string m_server_message;
};

class Client {
public:
    // base_url from base_url(); token empty = no Authorization header (guest). The transport must
    // outlive the client. endpoint_text names the endpoint in messages (the profile's value).
    Client(http::Transport& transport, std::string base_url, std::string token = {},
           std::string endpoint_text = {});

    // Identity.
    VersionInfo version() const;
    // The SDK services offered ("VOLUME", "CLUSTER", ...).
    std::vector<std::string> capabilities() const;
    // version(), with a clear Error when the endpoint is not an OpenStorage SDK gateway or cannot
    // be reached (the first call every command makes).
    VersionInfo check_endpoint() const;

    // Volumes. create and clone return the new volume id; both are idempotent by name on the
    // server but slow to repeat: look for your own volume first.
    std::string create_volume(const CreateVolumeRequest& request) const;
    std::string clone_volume(const CloneRequest& request) const;
    // Deleting an id that does not exist succeeds (the server says so too).
    void delete_volume(const std::string& volume_id) const;
    // nullopt when the volume does not exist (404, code NotFound).
    std::optional<Volume> inspect(const std::string& volume_id) const;
    std::vector<Volume> inspect_with_filters(const VolumeFilter& filter) const;
    std::vector<std::string> enumerate() const;
    std::vector<std::string> enumerate_with_filters(const VolumeFilter& filter) const;
    // Merges labels into the volume's; a value "" deletes that key.
    void update_labels(const std::string& volume_id, const Labels& labels) const;

    // Snapshots. Names are not unique: find your own snapshot by labels before creating one.
    std::string snapshot_create(const SnapshotCreateRequest& request) const;
    // Restores volume_id in place; it must be detached. The server does not check the snapshot:
    // verify it (inspect: exists, parent == volume_id) first.
    void snapshot_restore(const std::string& volume_id, const std::string& snapshot_id) const;
    // That volume's snapshots; every snapshot when volume_id is empty.
    std::vector<std::string> snapshot_list(const std::string& volume_id = {}) const;
    // volume_id is required (std::invalid_argument when empty): the route has it in its path.
    std::vector<std::string> snapshot_list_by_labels(const std::string& volume_id,
                                                     const Labels& labels) const;

private:
    nlohmann::json call(http::Method method, const std::string& path, const nlohmann::json* body,
                        bool idempotent, std::string_view what) const;

    http::Transport& m_transport;
    std::string m_base_url;
    std::string m_token;
    std::string m_endpoint_text;
};

} // namespace pxclone::px
