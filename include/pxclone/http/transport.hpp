// The one seam between pxclone and the network. Clients (k8s/, px/) build Requests and read
// Responses; CurlTransport sends them, and decorators add authentication, retries, logging and the
// --record file. Tests substitute a strict fake that records what it was asked.
#pragma once

#include "pxclone/error.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pxclone::http {

enum class Method { get, post, put, patch, del };

std::string_view method_name(Method method); // "GET", ..., "DELETE"

using Headers = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive header lookup; nullopt when absent.
std::optional<std::string> find_header(const Headers& headers, std::string_view name);

struct Request {
    Method method = Method::get;
    std::string url; // absolute, query included and already percent-encoded
    Headers headers; // Content-Type, Accept, ...; authentication is added by a decorator
    std::string body;
    std::string api; // which API this is for in logs and records: "k8s" or "px"
    // Whether sending it twice is harmless. GET, PUT with resourceVersion, DELETE and server-side
    // apply are; POST creates are not, and are never re-sent after a connection error.
    bool idempotent = false;
    // 0 means the transport's default. Watches set a long one and rely on low-speed limits.
    std::chrono::milliseconds timeout{0};
};

struct Response {
    int status = 0;
    Headers headers;
    std::string body;
    // How many times the request was re-sent before this answer (for logs and --record).
    int retries = 0;
    // The protocol the answer came by ("HTTP/1.1", "HTTP/2"); empty when not known (fakes).
    std::string protocol;

    std::optional<std::string> header(std::string_view name) const {
        return find_header(headers, name);
    }
};

// Failure to get any HTTP answer at all: DNS, connect, TLS, reset, timeout. An HTTP error status is
// not a TransportError; it is a Response. It is an Error like every other abort (one family for
// main() to catch): exit 1 (an operation failed), the message names the request and the cause, and
// the hint is transport_hint(kind()).
class TransportError : public Error {
public:
    enum class Kind { connect, tls, timeout, reset, other };
    TransportError(Kind kind, const std::string& what);
    Kind kind() const noexcept { return m_kind; }

private:
    Kind m_kind;
};

// What the user can do about a transport failure of `kind` (the hint of its TransportError).
std::string_view transport_hint(TransportError::Kind kind);

// Receives a streamed body piece by piece; return false to stop reading (the connection closes).
using ChunkHandler = std::function<bool(std::string_view chunk)>;

// Thread-safe: clients call it from several worker threads at once.
class Transport {
public:
    virtual ~Transport() = default;

    // Sends the request and returns the whole answer. Throws TransportError when none came.
    virtual Response send(const Request& request) = 0;

    // Like send(), but a 2xx body is handed to on_chunk as it arrives instead of being kept (the
    // returned Response then has an empty body); a non-2xx body is returned whole. For watches.
    virtual Response stream(const Request& request, const ChunkHandler& on_chunk) = 0;
};

} // namespace pxclone::http
