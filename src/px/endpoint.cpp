#include "pxclone/px/endpoint.hpp"

#include "pxclone/error.hpp"
#include "pxclone/util/names.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

namespace pxclone::px {

namespace {

bool valid_port(std::string_view port) {
    if (port.empty()) {
        return false;
    }
    if (std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return port.size() <= 5 && std::stoi(std::string(port)) >= 1 &&
               std::stoi(std::string(port)) <= 65535;
    }
    return !util::check_dns1123_label(port); // a named port
}

ParsedEndpoint failure(std::string problem) {
    return {std::nullopt, std::move(problem)};
}

ParsedEndpoint parse_direct(std::string_view text) {
    Endpoint out;
    out.text = std::string(text);
    out.kind = Endpoint::Kind::direct;
    auto url = std::string(text);
    const auto host_start = url.find("://") + 3;
    while (url.size() > host_start && url.back() == '/') {
        url.pop_back();
    }
    const auto host = url.substr(host_start, url.find('/', host_start) - host_start);
    if (host.empty() || host.front() == ':') {
        return failure("no host");
    }
    if (url.find_first_of("?# \t\"'<>\\") != std::string::npos) {
        return failure("a query, fragment, space or quote has no place in an endpoint");
    }
    if (const auto colon = host.rfind(':');
        colon != std::string::npos && host.back() != ']' && !valid_port(host.substr(colon + 1))) {
        return failure("bad port");
    }
    out.url = std::move(url);
    return {std::move(out), {}};
}

ParsedEndpoint parse_service(std::string_view text, std::string_view rest) {
    Endpoint out;
    out.text = std::string(text);
    out.kind = Endpoint::Kind::service_proxy;
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos) {
        return failure("missing NAMESPACE/ before the service name");
    }
    out.ns = std::string(rest.substr(0, slash));
    auto target = rest.substr(slash + 1);
    if (target.starts_with("https:")) {
        out.scheme = "https";
        target.remove_prefix(6);
    } else if (target.starts_with("http:")) {
        target.remove_prefix(5);
    }
    const auto colon = target.find(':');
    out.service = std::string(target.substr(0, colon));
    out.port = colon == std::string_view::npos ? "9021" : std::string(target.substr(colon + 1));
    if (const auto problem = util::check_dns1123_label(out.ns)) {
        return failure(fmt::format("\"{}\" is not a namespace name: {}", out.ns, *problem));
    }
    if (const auto problem = util::check_dns1123_label(out.service)) {
        return failure(fmt::format("\"{}\" is not a service name: {}", out.service, *problem));
    }
    if (!valid_port(out.port)) {
        return failure(fmt::format("\"{}\" is not a port", out.port));
    }
    return {std::move(out), {}};
}

} // namespace

ParsedEndpoint try_parse_endpoint(std::string_view text) {
    if (text.empty()) {
        return failure("empty");
    }
    if (text.starts_with("https://") || text.starts_with("http://")) {
        return parse_direct(text);
    }
    constexpr std::string_view k_service = "service:";
    if (text.starts_with(k_service)) {
        return parse_service(text, text.substr(k_service.size()));
    }
    return failure("unknown form");
}

Endpoint parse_endpoint(std::string_view text) {
    auto parsed = try_parse_endpoint(text);
    if (!parsed.endpoint) {
        throw UsageError(fmt::format("portworx.endpoint \"{}\": {}", text, parsed.problem),
                         std::string(k_endpoint_forms));
    }
    return std::move(*parsed.endpoint);
}

Endpoint default_endpoint() {
    return parse_endpoint(k_default_endpoint);
}

std::string base_url(const Endpoint& endpoint, std::string_view kubernetes_server) {
    if (endpoint.kind == Endpoint::Kind::direct) {
        return endpoint.url;
    }
    if (kubernetes_server.empty()) {
        throw std::invalid_argument("base_url: a service proxy endpoint needs the API server URL");
    }
    auto server = std::string(kubernetes_server);
    while (!server.empty() && server.back() == '/') {
        server.pop_back();
    }
    return fmt::format("{}/api/v1/namespaces/{}/services/{}{}:{}/proxy", server, endpoint.ns,
                       endpoint.scheme.empty() ? "" : endpoint.scheme + ":", endpoint.service,
                       endpoint.port);
}

std::optional<std::string> token_route_problem(const Endpoint& endpoint, bool has_token) {
    if (!has_token || endpoint.kind == Endpoint::Kind::direct) {
        return std::nullopt;
    }
    return fmt::format("portworx.token cannot be sent through {}: the Kubernetes API server takes "
                       "the Authorization header for itself; use a direct endpoint "
                       "(https://HOST:9021) with PX-Security",
                       endpoint.text);
}

} // namespace pxclone::px
