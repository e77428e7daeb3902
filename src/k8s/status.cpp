#include "pxclone/k8s/status.hpp"

#include "pxclone/util/json.hpp"
#include "pxclone/util/text.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace pxclone::k8s {

namespace {

using nlohmann::json;

std::string string_at(const json& object, const char* key) {
    const auto it = object.find(key);
    if (it == object.end() || !it->is_string()) {
        return {};
    }
    return it->get<std::string>();
}

ExitCode exit_code_for(int http_status, const std::string& reason) {
    if (reason == "NotFound") {
        return ExitCode::not_found;
    }
    if (reason == "Timeout" || reason == "ServerTimeout" || http_status == 504) {
        return ExitCode::timed_out;
    }
    return ExitCode::failed;
}

// The RBAC verbs and subresource behind one of make_api_error's verbs.
struct RbacRequest {
    std::vector<std::string_view> verbs;
    std::string_view subresource;
};

RbacRequest rbac_request(std::string_view verb) {
    if (verb == "apply") {
        // Server-side apply creates the object when it is missing: the server checks create too.
        return {{"create", "patch"}, {}};
    }
    if (verb == "get scale") {
        return {{"get"}, "scale"};
    }
    if (verb == "scale") {
        return {{"patch"}, "scale"};
    }
    if (verb == "get log") {
        return {{"get"}, "log"};
    }
    return {{verb}, {}};
}

// What a 403 means, in RBAC's terms: the verbs pxclone needed on which resource (a subresource
// as "statefulsets/scale"), where, and the kubectl command that checks it.
std::string forbidden_hint(const Resource& resource, std::string_view ns, std::string_view verb) {
    const auto request = rbac_request(verb);
    std::string rbac_resource = resource.plural;
    if (!request.subresource.empty()) {
        rbac_resource += "/" + std::string(request.subresource);
    }
    std::string where;
    std::string scope;
    if (!resource.namespaced) {
        where = "at the cluster scope";
    } else if (ns.empty()) {
        where = "in all namespaces";
        scope = " -A";
    } else {
        where = fmt::format("in namespace \"{}\"", ns);
        scope = fmt::format(" -n {}", ns);
    }
    std::string verbs;
    std::string checks;
    for (std::size_t i = 0; i < request.verbs.size(); ++i) {
        verbs += (i == 0                          ? ""
                  : i + 1 == request.verbs.size() ? " and "
                                                  : ", ") +
                 fmt::format("`{}`", request.verbs[i]);
        checks += fmt::format(
            "{}`kubectl auth can-i {} {}{}{}`", i == 0 ? "" : ", ", request.verbs[i],
            resource.qualified_plural(),
            request.subresource.empty() ? "" : " --subresource=" + std::string(request.subresource),
            scope);
    }
    return fmt::format(
        "pxclone needs RBAC permission to {} {}{} {}{}; check with {}", verbs, rbac_resource,
        resource.group.empty() ? "" : fmt::format(" (API group \"{}\")", resource.group), where,
        verb == "apply" ? " (server-side apply creates what is missing)" : "", checks);
}

std::string hint_for(int http_status, const std::string& reason, const Resource& resource,
                     std::string_view ns, std::string_view verb) {
    if (http_status == 401 || reason == "Unauthorized") {
        return "the cluster did not accept the credentials: check the kubeconfig user (or refresh "
               "an expired token)";
    }
    if (http_status == 403 || reason == "Forbidden") {
        return forbidden_hint(resource, ns, verb);
    }
    if (reason == "AlreadyExists") {
        return "an object with this name already exists";
    }
    if (reason == "Conflict") {
        return "the object changed while pxclone was updating it; run again";
    }
    return {};
}

// The first line of a non-JSON body, with control characters removed and cut to a readable size.
std::string body_excerpt(std::string_view body) {
    std::string out;
    for (const char ch : body) {
        const auto c = static_cast<unsigned char>(ch);
        if (ch == '\n' || ch == '\r') {
            if (!out.empty()) {
                break;
            }
            continue;
        }
        out += std::iscntrl(c) ? ' ' : ch;
        if (out.size() >= 120) {
            out += "...";
            break;
        }
    }
    return out;
}

} // namespace

std::optional<Status> parse_status(std::string_view body) {
    const auto parsed = util::parse_json(body);
    if (parsed.is_discarded() || !parsed.is_object() || string_at(parsed, "kind") != "Status") {
        return std::nullopt;
    }
    Status status;
    if (const auto it = parsed.find("code"); it != parsed.end() && it->is_number_integer()) {
        status.code = it->get<int>();
    }
    status.reason = string_at(parsed, "reason");
    status.message = string_at(parsed, "message");
    if (const auto details = parsed.find("details");
        details != parsed.end() && details->is_object()) {
        status.details_name = string_at(*details, "name");
        status.details_kind = string_at(*details, "kind");
        if (const auto causes = details->find("causes");
            causes != details->end() && causes->is_array()) {
            for (const auto& cause : *causes) {
                if (cause.is_object()) {
                    status.causes.push_back({string_at(cause, "reason"),
                                             string_at(cause, "message"),
                                             string_at(cause, "field")});
                }
            }
        }
        if (const auto retry = details->find("retryAfterSeconds");
            retry != details->end() && retry->is_number_integer()) {
            status.retry_after_seconds = retry->get<int>();
        }
    }
    return status;
}

std::string describe_object(const Resource& resource, std::string_view ns, std::string_view name) {
    std::string out = resource.qualified_plural();
    if (!name.empty()) {
        out += fmt::format(" \"{}\"", name);
    }
    if (resource.namespaced && !ns.empty()) {
        out += fmt::format(" in namespace \"{}\"", ns);
    }
    return out;
}

ApiError::ApiError(int http_status, Status status, std::string what, std::string hint,
                   std::vector<std::string> details)
    : Error(exit_code_for(http_status, status.reason), std::move(what), std::move(hint),
            std::move(details)),
      m_http_status(http_status), m_status(std::move(status)) {}

bool ApiError::is_gone() const noexcept {
    return m_http_status == 410 || m_status.code == 410 || m_status.reason == "Expired" ||
           m_status.reason == "Gone";
}

ApiError make_api_error(const http::Response& response, const Resource& resource,
                        std::string_view ns, std::string_view name, std::string_view verb) {
    const auto object = describe_object(resource, ns, name);
    if (auto status = parse_status(response.body)) {
        if (status->code == 0) {
            status->code = response.status;
        }
        std::vector<std::string> details;
        for (const auto& cause : status->causes) {
            // The top-level message already quotes the first cause; the list is for the rest.
            details.push_back(util::one_line(
                cause.field.empty() ? cause.message : cause.field + ": " + cause.message));
        }
        // RBAC's denial of a create by server-side apply has an empty reason after its colon
        // ("services \"mongo\" is forbidden: "): the colon and spaces go, the hint says more.
        auto message = util::one_line(status->message.empty() ? status->reason : status->message);
        while (!message.empty() && (message.back() == ' ' || message.back() == ':')) {
            message.pop_back();
        }
        auto what = fmt::format("{}: {}: {}", object, verb, message);
        if (!status->reason.empty()) {
            what += fmt::format(" ({})", util::one_line(status->reason, 80));
        }
        auto hint = hint_for(response.status, status->reason, resource, ns, verb);
        return ApiError(response.status, std::move(*status), std::move(what), std::move(hint),
                        std::move(details));
    }

    Status status;
    status.code = response.status;
    const auto content_type = response.header("Content-Type").value_or("");
    const auto excerpt = body_excerpt(response.body);
    auto what =
        fmt::format("{}: {}: HTTP {} with a reply that is not a Kubernetes Status{}{}", object,
                    verb, response.status, content_type.empty() ? "" : " (" + content_type + ")",
                    excerpt.empty() ? "" : ": \"" + excerpt + "\"");
    std::string hint;
    if (response.status == 404) {
        // A bare 404 is what an API server says for a group/version it does not serve (a CRD that
        // is not installed); there is no object-level "not found" without a Status.
        hint = "the API server does not serve " + resource.api_version() + " " + resource.plural +
               " (is the CRD or API group installed?)";
    } else {
        status.message = excerpt;
        hint = "something between pxclone and the API server (a proxy or load balancer) answered "
               "instead of the API server";
    }
    // reason stays empty: a missing resource type is a failure (exit 1), not an absent object.
    return ApiError(response.status, std::move(status), std::move(what), std::move(hint));
}

} // namespace pxclone::k8s
