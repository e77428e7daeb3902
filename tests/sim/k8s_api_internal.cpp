#include "k8s_api_internal.hpp"

namespace pxsim::k8s {

SimReply json_reply(int status, const Json& body) {
    SimReply reply;
    reply.status = status;
    reply.body = body.dump();
    return reply;
}

SimReply status_reply(const Json& status) {
    return json_reply(status.value("code", 500), status);
}

Json details_of(const ResourceType& type, const std::string& name) {
    Json details = {{"name", name}};
    if (!type.group.empty()) {
        details["group"] = type.group;
    }
    details["kind"] = type.plural;
    return details;
}

SimReply not_found(const ResourceType& type, const std::string& name) {
    return status_reply(status_failure(404, "NotFound",
                                       type.qualified_plural() + " \"" + name + "\" not found",
                                       details_of(type, name)));
}

SimReply generic_not_found() {
    return status_reply(status_failure(
        404, "NotFound", "the server could not find the requested resource", Json::object()));
}

SimReply bad_request(const std::string& message) {
    return status_reply(status_failure(400, "BadRequest", message));
}

SimReply conflict(const ResourceType& type, const std::string& name, const std::string& why) {
    return status_reply(status_failure(409, "Conflict",
                                       "Operation cannot be fulfilled on " +
                                           type.qualified_plural() + " \"" + name + "\": " + why,
                                       details_of(type, name)));
}

SimReply invalid(const ResourceType& type, const std::string& name,
                 const std::vector<FieldCause>& causes) {
    Json cause_list = Json::array();
    std::vector<std::string> parts;
    for (const FieldCause& cause : causes) {
        cause_list.push_back(
            {{"reason", cause.reason}, {"message", cause.message}, {"field", cause.field}});
        parts.push_back(cause.field + ": " + cause.message);
    }
    std::string summary = parts.size() == 1 ? parts[0] : "[";
    if (parts.size() != 1) {
        for (std::size_t i = 0; i < parts.size(); ++i) {
            summary += (i == 0 ? "" : ", ") + parts[i];
        }
        summary += "]";
    }
    const std::string kind = type.group.empty() ? type.kind : type.kind + "." + type.group;
    Json details = {{"name", name}, {"kind", type.kind}, {"causes", cause_list}};
    if (!type.group.empty()) {
        details["group"] = type.group;
    }
    return status_reply(
        status_failure(422, "Invalid", kind + " \"" + name + "\" is invalid: " + summary, details));
}

std::string query_value(const SimRequest& request, const std::string& key) {
    const auto found = request.query.find(key);
    return found == request.query.end() ? "" : found->second;
}

std::string header(const SimRequest& request, const std::string& key) {
    const auto found = request.headers.find(key);
    return found == request.headers.end() ? "" : found->second;
}

std::string media_type(const SimRequest& request) {
    std::string type = header(request, "content-type");
    type = type.substr(0, type.find(';'));
    while (!type.empty() && type.back() == ' ') {
        type.pop_back();
    }
    return type;
}

bool is_dry_run(const SimRequest& request, const Json& options) {
    if (query_value(request, "dryRun") == "All") {
        return true;
    }
    return options.is_object() && options.contains("dryRun") && options["dryRun"].is_array() &&
           !options["dryRun"].empty();
}

} // namespace pxsim::k8s
