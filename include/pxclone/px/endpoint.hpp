// Where the profile's `portworx.endpoint` points: the one parser of its forms, used by the
// profile loader (as a diagnostic) and by the commands (to build the client). Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pxclone::px {

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
// The accepted forms, for messages and hints.
inline constexpr std::string_view k_endpoint_forms =
    "expected https://HOST:PORT, http://HOST:PORT or service:NAMESPACE/NAME:PORT, e.g. "
    "service:kube-system/portworx-api:9021";

// Parses `https://HOST[:PORT]`, `http://HOST[:PORT]`, or `service:NAMESPACE/NAME[:PORT]` (port
// 9021 when omitted, a number or a port name; `service:NS/https:NAME:PORT` makes the proxy use
// TLS). Returns the endpoint, or why `text` is not one ("unknown form", "bad port", ...).
struct ParsedEndpoint {
    std::optional<Endpoint> endpoint;
    std::string problem; // set when endpoint is nullopt
};
ParsedEndpoint try_parse_endpoint(std::string_view text);

// try_parse_endpoint, throwing UsageError `portworx.endpoint "TEXT": PROBLEM` with the accepted
// forms as the hint.
Endpoint parse_endpoint(std::string_view text);

// The endpoint a profile that names none uses (k_default_endpoint).
Endpoint default_endpoint();

// The gateway's base URL: the direct URL, or
// `<kubernetes_server>/api/v1/namespaces/NS/services/[https:]NAME:PORT/proxy` (send it through the
// Kubernetes transport, which authenticates to the API server). Throws std::invalid_argument for
// a service proxy without a server.
std::string base_url(const Endpoint& endpoint, std::string_view kubernetes_server);

// Why a Portworx token cannot travel this route, or nullopt when it can. Through the service proxy
// the request's Authorization header is the Kubernetes credential; the API server consumes it and
// does not pass it on, so PX-Security (a bearer token) needs a direct endpoint.
std::optional<std::string> token_route_problem(const Endpoint& endpoint, bool has_token);

} // namespace pxclone::px
