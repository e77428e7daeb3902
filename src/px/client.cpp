#include "pxclone/px/client.hpp"

#include "pxclone/util/json.hpp"
#include "pxclone/util/text.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include <fmt/format.h>

#include "sdk_json.hpp"

namespace pxclone::px {

namespace {

using nlohmann::json;

using detail::decoded;
using detail::encode_segment;
using detail::string_list;
using detail::text_at;

std::string hint_for_code(int grpc_code) {
    switch (grpc_code) {
    case 16:
        return "the Portworx API did not accept the token (malformed, or an issuer it does not "
               "trust): check portworx.token";
    case 7:
        return "the token lacks the permission, has a wrong signature or has expired: check "
               "portworx.token and its role";
    case 14:
        return "Portworx is unavailable: check `pxctl status` on a node";
    default:
        return {};
    }
}

ExitCode exit_code_for(int grpc_code) {
    switch (grpc_code) {
    case 5:
        return ExitCode::not_found;
    case 4:
        return ExitCode::timed_out;
    default:
        return ExitCode::failed;
    }
}

// The first line of a body, control characters dropped, cut short.
std::string excerpt(std::string_view body) {
    std::string out;
    for (const char ch : body) {
        if (ch == '\n' || ch == '\r') {
            if (!out.empty()) {
                break;
            }
            continue;
        }
        out += std::iscntrl(static_cast<unsigned char>(ch)) ? ' ' : ch;
        if (out.size() >= 100) {
            out += "...";
            break;
        }
    }
    return out;
}

} // namespace

SdkError::SdkError(int http_status, int grpc_code, std::string server_message, std::string what,
                   std::string hint)
    : Error(exit_code_for(grpc_code), std::move(what), std::move(hint)), m_http_status(http_status),
      m_grpc_code(grpc_code), m_server_message(std::move(server_message)) {}

Client::Client(http::Transport& transport, std::string base_url, std::string token,
               std::string endpoint_text)
    : m_transport(transport), m_base_url(std::move(base_url)), m_token(std::move(token)),
      m_endpoint_text(std::move(endpoint_text)) {
    while (!m_base_url.empty() && m_base_url.back() == '/') {
        m_base_url.pop_back();
    }
    if (m_endpoint_text.empty()) {
        m_endpoint_text = m_base_url;
    }
}

json Client::call(http::Method method, const std::string& path, const json* body, bool idempotent,
                  std::string_view what) const {
    http::Request request;
    request.method = method;
    request.url = m_base_url + path;
    request.api = "px";
    request.idempotent = idempotent;
    request.headers.emplace_back("Accept", "application/json");
    if (body != nullptr) {
        request.headers.emplace_back("Content-Type", "application/json");
        request.body = body->dump();
    }
    if (!m_token.empty()) {
        request.headers.emplace_back("Authorization", "bearer " + m_token);
    }
    const auto response = m_transport.send(request);
    const auto parsed = util::parse_json(response.body);
    const auto is_object = !parsed.is_discarded() && parsed.is_object();
    const auto not_sdk = [&](const std::string& why) {
        return Error(ExitCode::failed,
                     fmt::format("portworx endpoint {}: this endpoint is not an OpenStorage SDK "
                                 "gateway ({} {} answered {})",
                                 m_endpoint_text, http::method_name(method), path, why),
                     "portworx.endpoint must point at the Portworx REST gateway (port 9021), "
                     "e.g. service:kube-system/portworx-api:9021");
    };

    if (response.status >= 200 && response.status < 300) {
        if (!is_object) {
            throw not_sdk(fmt::format("HTTP {} with a body that is not a JSON object: \"{}\"",
                                      response.status, excerpt(response.body)));
        }
        return parsed;
    }
    if (is_object && text_at(parsed, "kind") == "Status") {
        // The Kubernetes API server answered for the service proxy: no such service, no ready
        // endpoints, or RBAC refusing services/proxy.
        throw Error(ExitCode::failed,
                    fmt::format("portworx endpoint {}: {}: the Kubernetes API server answered "
                                "HTTP {}: {}",
                                m_endpoint_text, what, response.status,
                                util::one_line(text_at(parsed, "message"))),
                    "check that the Service exists, has ready endpoints, and that you may "
                    "`get services/proxy` in its namespace");
    }
    if (is_object && parsed.contains("code") && parsed["code"].is_number_integer()) {
        const auto code = parsed["code"].get<int>();
        auto message = util::one_line(text_at(parsed, "message"));
        if (message.empty()) {
            message = util::one_line(text_at(parsed, "error"));
        }
        throw SdkError(response.status, code, message,
                       fmt::format("portworx: {}: {} ({})", what, message, grpc_code_name(code)),
                       hint_for_code(code));
    }
    if (response.status == 404 || response.status == 405) {
        throw not_sdk(fmt::format("HTTP {} \"{}\"", response.status, excerpt(response.body)));
    }
    throw Error(ExitCode::failed,
                fmt::format("portworx endpoint {}: {}: HTTP {} with a reply that is not an SDK "
                            "error: \"{}\"",
                            m_endpoint_text, what, response.status, excerpt(response.body)),
                "something between pxclone and Portworx (a proxy or load balancer) answered");
}

VersionInfo Client::version() const {
    const auto reply = call(http::Method::get, "/v1/identities/version", nullptr, true, "version");
    return decoded(m_endpoint_text, "version", [&] { return parse_version(reply); });
}

std::vector<std::string> Client::capabilities() const {
    const auto reply =
        call(http::Method::get, "/v1/identities/capabilities", nullptr, true, "capabilities");
    std::vector<std::string> out;
    if (const auto it = reply.find("capabilities"); it != reply.end() && it->is_array()) {
        for (const auto& capability : *it) {
            if (!capability.is_object()) {
                continue;
            }
            const auto service = capability.find("service");
            if (service != capability.end() && service->is_object()) {
                const auto type = text_at(*service, "type");
                out.push_back(type.empty() ? "UNKNOWN" : type);
            }
        }
    }
    return out;
}

VersionInfo Client::check_endpoint() const {
    VersionInfo info;
    try {
        info = version();
    } catch (const http::TransportError& error) {
        throw Error(
            ExitCode::failed,
            fmt::format("portworx endpoint {}: cannot reach it: {}", m_endpoint_text, error.what()),
            "check portworx.endpoint, and that the network allows the connection");
    } catch (const std::invalid_argument& error) {
        throw Error(ExitCode::failed,
                    fmt::format("portworx endpoint {}: this endpoint is not an OpenStorage SDK "
                                "gateway (version reply: {})",
                                m_endpoint_text, error.what()));
    }
    if (info.sdk_version.empty() && info.sdk_major == 0 && info.sdk_minor == 0) {
        throw Error(ExitCode::failed,
                    fmt::format("portworx endpoint {}: this endpoint is not an OpenStorage SDK "
                                "gateway (GET /v1/identities/version has no sdk_version)",
                                m_endpoint_text),
                    "portworx.endpoint must point at the Portworx REST gateway (port 9021)");
    }
    return info;
}

std::string Client::create_volume(const CreateVolumeRequest& request) const {
    const auto body = to_json(request);
    const auto reply = call(http::Method::post, "/v1/volumes", &body, false,
                            fmt::format("create volume \"{}\"", request.name));
    return text_at(reply, "volume_id");
}

std::string Client::clone_volume(const CloneRequest& request) const {
    const auto body = to_json(request);
    const auto reply = call(http::Method::post, "/v1/volumes/clone", &body, false,
                            fmt::format("clone \"{}\" from {}", request.name, request.parent_id));
    return text_at(reply, "volume_id");
}

void Client::delete_volume(const std::string& volume_id) const {
    call(http::Method::del, "/v1/volumes/" + encode_segment(volume_id), nullptr, true,
         fmt::format("delete volume {}", volume_id));
}

std::optional<Volume> Client::inspect(const std::string& volume_id) const {
    try {
        const auto what = fmt::format("inspect volume {}", volume_id);
        const auto reply =
            call(http::Method::get, "/v1/volumes/inspect/" + encode_segment(volume_id), nullptr,
                 true, what);
        return decoded(m_endpoint_text, what, [&] { return parse_volume(reply); });
    } catch (const SdkError& error) {
        if (error.grpc_code() == 5) {
            return std::nullopt;
        }
        throw;
    }
}

std::vector<Volume> Client::inspect_with_filters(const VolumeFilter& filter) const {
    const auto body = to_json(filter);
    const auto reply = call(http::Method::post, "/v1/volumes/inspectwithfilters", &body, true,
                            "inspect volumes with filters");
    return decoded(m_endpoint_text, "inspect volumes with filters", [&] {
        std::vector<Volume> out;
        const auto it = reply.find("volumes");
        if (it == reply.end() || it->is_null()) {
            return out;
        }
        if (!it->is_array()) {
            throw std::invalid_argument("field volumes is not a list");
        }
        for (const auto& entry : *it) {
            out.push_back(parse_volume(entry));
        }
        return out;
    });
}

std::vector<std::string> Client::enumerate() const {
    const auto reply = call(http::Method::get, "/v1/volumes", nullptr, true, "enumerate volumes");
    return decoded(m_endpoint_text, "enumerate volumes",
                   [&] { return string_list(reply, "volume_ids"); });
}

std::vector<std::string> Client::enumerate_with_filters(const VolumeFilter& filter) const {
    const auto body = to_json(filter);
    const auto reply = call(http::Method::post, "/v1/volumes/filters", &body, true,
                            "enumerate volumes with filters");
    return decoded(m_endpoint_text, "enumerate volumes with filters",
                   [&] { return string_list(reply, "volume_ids"); });
}

void Client::update_labels(const std::string& volume_id, const Labels& labels) const {
    const json body = {{"labels", labels}};
    call(http::Method::put, "/v1/volumes/" + encode_segment(volume_id), &body, true,
         fmt::format("update labels of volume {}", volume_id));
}

std::string Client::snapshot_create(const SnapshotCreateRequest& request) const {
    const auto body = to_json(request);
    const auto reply =
        call(http::Method::post, "/v1/volumes/snapshots", &body, false,
             fmt::format("snapshot volume {} as \"{}\"", request.volume_id, request.name));
    return text_at(reply, "snapshot_id");
}

void Client::snapshot_restore(const std::string& volume_id, const std::string& snapshot_id) const {
    const json body = {{"volume_id", volume_id}, {"snapshot_id", snapshot_id}};
    call(http::Method::post, "/v1/volumes/snapshots/restore", &body, false,
         fmt::format("restore volume {} from snapshot {}", volume_id, snapshot_id));
}

std::vector<std::string> Client::snapshot_list(const std::string& volume_id) const {
    auto path = std::string("/v1/volumes/snapshots");
    if (!volume_id.empty()) {
        path += "?volume_id=" + encode_segment(volume_id);
    }
    const auto what =
        volume_id.empty() ? std::string("list snapshots") : "list snapshots of volume " + volume_id;
    const auto reply = call(http::Method::get, path, nullptr, true, what);
    return decoded(m_endpoint_text, what,
                   [&] { return string_list(reply, "volume_snapshot_ids"); });
}

std::vector<std::string> Client::snapshot_list_by_labels(const std::string& volume_id,
                                                         const Labels& labels) const {
    if (volume_id.empty()) {
        throw std::invalid_argument("snapshot_list_by_labels: the gateway needs a volume id");
    }
    json body = json::object();
    if (!labels.empty()) {
        body["labels"] = labels;
    }
    const auto what = "list snapshots of volume " + volume_id + " by labels";
    const auto reply =
        call(http::Method::post, "/v1/volumes/snapshots/filters/" + encode_segment(volume_id),
             &body, true, what);
    return decoded(m_endpoint_text, what,
                   [&] { return string_list(reply, "volume_snapshot_ids"); });
}

} // namespace pxclone::px
