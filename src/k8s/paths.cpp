#include "pxclone/k8s/paths.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace pxclone::k8s {

namespace {

bool unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

// A path segment may also keep ':' and '@' (RFC 3986 pchar); the service proxy's "name:port"
// relies on the colon staying as it is.
std::string encode_segment(std::string_view segment) {
    std::string out;
    for (const char ch : segment) {
        const auto c = static_cast<unsigned char>(ch);
        if (unreserved(c) || c == ':' || c == '@') {
            out += ch;
        } else {
            out += fmt::format("%{:02X}", c);
        }
    }
    return out;
}

} // namespace

std::string percent_encode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (unreserved(c)) {
            out += ch;
        } else {
            out += fmt::format("%{:02X}", c);
        }
    }
    return out;
}

std::string group_version_path(const Resource& resource) {
    if (resource.group.empty()) {
        return "/api/" + resource.version;
    }
    return "/apis/" + resource.group + "/" + resource.version;
}

std::string collection_path(const Resource& resource, std::string_view ns) {
    if (resource.namespaced && !ns.empty()) {
        return group_version_path(resource) + "/namespaces/" + encode_segment(ns) + "/" +
               resource.plural;
    }
    return group_version_path(resource) + "/" + resource.plural;
}

std::string item_path(const Resource& resource, std::string_view ns, std::string_view name) {
    if (name.empty()) {
        throw std::invalid_argument("item_path: empty name for " + resource.plural);
    }
    if (resource.namespaced && ns.empty()) {
        throw std::invalid_argument("item_path: " + resource.plural + " \"" + std::string(name) +
                                    "\" needs a namespace");
    }
    return collection_path(resource, ns) + "/" + encode_segment(name);
}

std::string subresource_path(const Resource& resource, std::string_view ns, std::string_view name,
                             std::string_view subresource) {
    return item_path(resource, ns, name) + "/" + encode_segment(subresource);
}

std::string label_selector(const std::map<std::string, std::string>& labels) {
    std::string out;
    for (const auto& [key, value] : labels) {
        if (!out.empty()) {
            out += ',';
        }
        out += key + "=" + value;
    }
    return out;
}

Query& Query::add(std::string key, std::string value) {
    m_params.emplace_back(std::move(key), std::move(value));
    return *this;
}

Query& Query::add_if(std::string key, std::string value) {
    if (!value.empty()) {
        add(std::move(key), std::move(value));
    }
    return *this;
}

std::string Query::str() const {
    std::string out;
    for (const auto& [key, value] : m_params) {
        out += out.empty() ? '?' : '&';
        out += percent_encode(key) + "=" + percent_encode(value);
    }
    return out;
}

} // namespace pxclone::k8s
