// The Portworx (OpenStorage SDK REST gateway) client: every call pxclone makes (one method each),
// reached directly or through the Kubernetes API server's service proxy. Stateless after
// construction, so one Client serves every worker thread.
#pragma once

#include "pxclone/error.hpp"
#include "pxclone/http/transport.hpp"
#include "pxclone/px/endpoint.hpp"
#include "pxclone/px/types.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pxclone::px {

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

    // The one request path of every typed call (also those in other files, e.g. cloud_backup.cpp):
    // `path` (encoded, with its query) below the base URL; returns the 2xx reply object. Throws
    // SdkError for an SDK error body (what = "portworx: <what>: <server message>"), Error when the
    // answer is not the SDK's (another server, the API server's Status), TransportError.
    nlohmann::json call(http::Method method, const std::string& path, const nlohmann::json* body,
                        bool idempotent, std::string_view what) const;
    // The endpoint as messages name it (the profile's value).
    const std::string& endpoint_text() const noexcept { return m_endpoint_text; }

private:
    http::Transport& m_transport;
    std::string m_base_url;
    std::string m_token;
    std::string m_endpoint_text;
};

} // namespace pxclone::px
