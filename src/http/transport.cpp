#include "pxclone/http/transport.hpp"

#include <algorithm>
#include <cctype>

namespace pxclone::http {

std::string_view method_name(Method method) {
    switch (method) {
    case Method::get:
        return "GET";
    case Method::post:
        return "POST";
    case Method::put:
        return "PUT";
    case Method::patch:
        return "PATCH";
    case Method::del:
        return "DELETE";
    }
    return "GET";
}

std::string_view transport_hint(TransportError::Kind kind) {
    switch (kind) {
    case TransportError::Kind::tls:
        return "TLS is verified: give the server's CA (kubeconfig certificate-authority, or "
               "portworx.ca_file in the profile)";
    case TransportError::Kind::timeout:
        return "the server took longer than --request-timeout (default 30s) to answer, or stalled "
               "mid-reply, on every attempt: check it, or raise --request-timeout";
    case TransportError::Kind::connect:
    case TransportError::Kind::reset:
    case TransportError::Kind::other:
        break;
    }
    return "the connection failed before the server answered: check the server address, proxy "
           "and network";
}

// No answer is a failed operation whatever the kind; only the hint differs.
TransportError::TransportError(Kind kind, const std::string& what)
    : Error(ExitCode::failed, what, std::string(transport_hint(kind))), m_kind(kind) {}

std::optional<std::string> find_header(const Headers& headers, std::string_view name) {
    const auto same = [name](const auto& header) {
        return std::equal(header.first.begin(), header.first.end(), name.begin(), name.end(),
                          [](char a, char b) {
                              return std::tolower(static_cast<unsigned char>(a)) ==
                                     std::tolower(static_cast<unsigned char>(b));
                          });
    };
    const auto it = std::find_if(headers.begin(), headers.end(), same);
    if (it == headers.end()) {
        return std::nullopt;
    }
    return it->second;
}

} // namespace pxclone::http
