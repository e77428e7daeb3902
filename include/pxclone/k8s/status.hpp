// Kubernetes `Status` error bodies and the typed error they become.
#pragma once

#include "pxclone/error.hpp"
#include "pxclone/http/transport.hpp"
#include "pxclone/k8s/resource.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pxclone::k8s {

// One entry of `details.causes`: which field was refused and why.
struct StatusCause {
    std::string reason; // "FieldValueInvalid"
    std::string message;
    std::string field; // "metadata.name"; may be empty
};

// A decoded `kind: Status` body.
struct Status {
    int code = 0;        // HTTP status the server put in the body
    std::string reason;  // "NotFound", "AlreadyExists", "Conflict", "Invalid", "Expired", ...
    std::string message; // the server's sentence
    std::string details_name;
    std::string details_kind;
    std::vector<StatusCause> causes;
    std::optional<int> retry_after_seconds;
};

// Decodes a Status body; nullopt when the body is not JSON or not `kind: Status` (an HTML page from
// a proxy, "404 page not found" for an API group that is not served). Never throws.
std::optional<Status> parse_status(std::string_view body);

// Names an object the way the API server does: `persistentvolumeclaims "x" in namespace "y"`,
// `deployments.apps "db" in namespace "y"`, `persistentvolumes "pv1"`. An empty name names the
// collection: `persistentvolumeclaims in namespace "y"`.
std::string describe_object(const Resource& resource, std::string_view ns, std::string_view name);

// An error reply from the API server, for a request that cannot go on. Exit code: NotFound -> 3,
// Timeout/ServerTimeout/504 -> 4, anything else -> 1.
class ApiError : public Error {
public:
    ApiError(int http_status, Status status, std::string what, std::string hint = {},
             std::vector<std::string> details = {});

    int http_status() const noexcept { return m_http_status; }
    const std::string& reason() const noexcept { return m_status.reason; }
    // The server's own message (without the object prefix pxclone adds in what()).
    const std::string& server_message() const noexcept { return m_status.message; }
    const std::vector<StatusCause>& causes() const noexcept { return m_status.causes; }
    const Status& status() const noexcept { return m_status; }

    bool is_not_found() const noexcept { return m_status.reason == "NotFound"; }
    bool is_already_exists() const noexcept { return m_status.reason == "AlreadyExists"; }
    bool is_conflict() const noexcept { return m_status.reason == "Conflict"; }
    // 410 Gone / reason Expired or Gone: a watch or continue token that is too old.
    bool is_gone() const noexcept;

private:
    int m_http_status;
    Status m_status;
};

// Builds the ApiError for a non-2xx reply to `verb` ("get", "create", "list", ...) on the named
// object. The message is one line: `<object>: <verb>: <server message>`; causes become detail
// lines. A body that is not a Status (HTML from a proxy, plain text) gives a one-line message with
// the HTTP status and the start of the body, never a parse exception.
ApiError make_api_error(const http::Response& response, const Resource& resource,
                        std::string_view ns, std::string_view name, std::string_view verb);

} // namespace pxclone::k8s
