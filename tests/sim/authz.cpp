#include "authz.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "k8s_store.hpp"
#include "k8s_util.hpp"
#include "rbac.hpp"

namespace pxsim {

namespace {

std::vector<std::string> path_parts(const std::string& path) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= path.size()) {
        const std::size_t end = std::min(path.find('/', start), path.size());
        if (end > start) {
            parts.push_back(path.substr(start, end - start));
        }
        start = end + 1;
    }
    return parts;
}

std::string query_value(const SimRequest& request, const std::string& key) {
    const auto found = request.query.find(key);
    return found == request.query.end() ? "" : found->second;
}

// The name a field selector pins (`metadata.name=X` or `==X` among its terms), or "".
std::string name_from_field_selector(const std::string& selector) {
    std::size_t start = 0;
    while (start <= selector.size()) {
        const std::size_t end = std::min(selector.find(',', start), selector.size());
        const std::string term = selector.substr(start, end - start);
        for (const std::string prefix : {"metadata.name==", "metadata.name="}) {
            if (term.rfind(prefix, 0) == 0 && term.find('=', prefix.size()) == std::string::npos) {
                return term.substr(prefix.size());
            }
        }
        start = end + 1;
    }
    return "";
}

bool matches(const DenyRule& rule, const RequestAttributes& attributes) {
    const auto field = [](const std::string& wanted, const std::string& actual) {
        return wanted == "*" || wanted == actual;
    };
    return field(rule.verb, attributes.verb) &&
           (rule.resource == "*" ||
            (rule.resource == attributes.resource && rule.group == attributes.group)) &&
           field(rule.subresource, attributes.subresource) &&
           (!rule.ns || *rule.ns == attributes.ns);
}

// "persistentvolumes" or "statefulsets.apps", as schema.GroupResource prints.
std::string group_resource(const std::string& group, const std::string& resource) {
    return group.empty() ? resource : resource + "." + group;
}

// apierrors.NewForbidden: the message and details of a 403 Status.
nlohmann::json forbidden_status(const std::string& group, const std::string& resource,
                                const std::string& name, const std::string& why) {
    const std::string subject = group_resource(group, resource);
    nlohmann::json details = nlohmann::json::object();
    if (!name.empty()) {
        details["name"] = name;
    }
    if (!group.empty()) {
        details["group"] = group;
    }
    details["kind"] = resource;
    const std::string message = name.empty() ? subject + " is forbidden: " + why
                                             : subject + " \"" + name + "\" is forbidden: " + why;
    return status_failure(403, "Forbidden", message, details);
}

// The bearer token of a request, "" without one.
std::string bearer_token(const SimRequest& request) {
    const auto found = request.headers.find("authorization");
    if (found == request.headers.end()) {
        return "";
    }
    const std::string& value = found->second;
    const auto space = value.find(' ');
    if (space == std::string::npos) {
        return "";
    }
    std::string scheme = value.substr(0, space);
    std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return scheme == "bearer" ? value.substr(space + 1) : "";
}

const ResourceType* type_of(const std::string& group, const std::string& plural) {
    for (const ResourceType& type : resource_types()) {
        if (type.group == group && type.plural == plural) {
            return &type;
        }
    }
    return nullptr;
}

SimReply json_reply(int status, const nlohmann::json& body) {
    SimReply reply;
    reply.status = status;
    reply.body = body.dump();
    return reply;
}

} // namespace

DenyRule parse_deny_rule(const std::string& text) {
    const auto fail = [&](const std::string& why) {
        return std::invalid_argument("deny rule '" + text + "': " + why +
                                     " (VERB:RESOURCE[.GROUP][/SUBRESOURCE][@NAMESPACE])");
    };
    DenyRule rule;
    rule.text = text;
    const auto colon = text.find(':');
    if (colon == std::string::npos || colon == 0) {
        throw fail("no verb");
    }
    rule.verb = text.substr(0, colon);
    static const std::vector<std::string> k_verbs = {
        "*", "get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"};
    if (std::find(k_verbs.begin(), k_verbs.end(), rule.verb) == k_verbs.end()) {
        throw fail("unknown verb '" + rule.verb + "'");
    }
    std::string rest = text.substr(colon + 1);
    if (const auto at = rest.find('@'); at != std::string::npos) {
        rule.ns = rest.substr(at + 1);
        rest.erase(at);
        if (rule.ns->empty()) {
            throw fail("empty namespace after '@'");
        }
    }
    if (const auto slash = rest.find('/'); slash != std::string::npos) {
        rule.subresource = rest.substr(slash + 1);
        rest.erase(slash);
        if (rule.subresource.empty()) {
            throw fail("empty subresource after '/'");
        }
    }
    if (const auto dot = rest.find('.'); dot != std::string::npos) {
        rule.group = rest.substr(dot + 1);
        rest.erase(dot);
    }
    rule.resource = rest;
    if (rule.resource.empty()) {
        throw fail("no resource");
    }
    return rule;
}

RequestAttributes request_attributes(const SimRequest& request) {
    RequestAttributes attributes;
    attributes.path = request.path;
    const std::vector<std::string> parts = path_parts(request.path);
    std::size_t first = 0; // where the resource part starts
    if (parts.size() >= 3 && parts[0] == "api") {
        first = 2;
    } else if (parts.size() >= 4 && parts[0] == "apis") {
        attributes.group = parts[1];
        first = 3;
    } else {
        return attributes;
    }
    std::vector<std::string> rest(parts.begin() + static_cast<std::ptrdiff_t>(first), parts.end());
    attributes.resource_request = true;
    const std::string& method = request.method;
    attributes.verb = method == "POST"                      ? "create"
                      : method == "GET" || method == "HEAD" ? "get"
                      : method == "PUT"                     ? "update"
                      : method == "PATCH"                   ? "patch"
                      : method == "DELETE"                  ? "delete"
                                                            : "";
    if (rest[0] == "namespaces" && rest.size() > 1) {
        attributes.ns = rest[1];
        // status and finalize are the Namespace's own subresources, anything else is a resource
        // in that namespace.
        if (rest.size() > 2 && rest[2] != "status" && rest[2] != "finalize") {
            rest.erase(rest.begin(), rest.begin() + 2);
        }
    }
    attributes.resource = rest[0];
    attributes.name = rest.size() > 1 ? rest[1] : "";
    attributes.subresource = rest.size() > 2 ? rest[2] : "";
    if (attributes.name.empty() && attributes.verb == "get") {
        const std::string watch = query_value(request, "watch");
        attributes.verb = watch == "1" || watch == "true" ? "watch" : "list";
        attributes.name = name_from_field_selector(query_value(request, "fieldSelector"));
    }
    if (attributes.name.empty() && attributes.verb == "delete") {
        attributes.verb = "deletecollection";
    }
    return attributes;
}

Authorizer::Authorizer(std::string user, std::vector<DenyRule> rules)
    : m_user(std::move(user)), m_rules(std::move(rules)) {}

void Authorizer::set_rules(std::vector<DenyRule> rules) {
    std::lock_guard lock(m_mutex);
    m_rules = std::move(rules);
}

std::vector<DenyRule> Authorizer::rules() const {
    std::lock_guard lock(m_mutex);
    return m_rules;
}

bool Authorizer::allowed(const RequestAttributes& attributes) const {
    if (!attributes.resource_request) {
        return true;
    }
    std::lock_guard lock(m_mutex);
    return std::none_of(m_rules.begin(), m_rules.end(),
                        [&](const DenyRule& rule) { return matches(rule, attributes); });
}

void Authorizer::use_service_accounts(Store& store, std::map<std::string, std::string> tokens) {
    for (const auto& [token, account] : tokens) {
        if (token.empty()) {
            throw std::invalid_argument("service account token for '" + account + "' is empty");
        }
        parse_service_account(account);
    }
    m_store = &store;
    m_service_accounts = std::move(tokens);
}

bool Authorizer::knows_token(const std::string& token) const {
    return m_service_accounts.count(token) != 0;
}

std::optional<std::string> Authorizer::service_account_user(const SimRequest& request) const {
    const auto found = m_service_accounts.find(bearer_token(request));
    if (found == m_service_accounts.end()) {
        return std::nullopt;
    }
    return parse_service_account(found->second).user();
}

std::optional<nlohmann::json> Authorizer::deny(const SimRequest& request,
                                               const RequestAttributes& attributes) const {
    const auto account = m_service_accounts.find(bearer_token(request));
    if (account == m_service_accounts.end() || m_store == nullptr) {
        if (allowed(attributes)) {
            return std::nullopt;
        }
        return forbidden(attributes);
    }
    const auto who = parse_service_account(account->second);
    if (!rbac_decide(*m_store, who, attributes).allowed) {
        return forbidden(attributes, who.user());
    }
    // Writing a RoleBinding: the escalation check (bind, or hold what the role grants).
    if (attributes.group == "rbac.authorization.k8s.io" && attributes.resource == "rolebindings" &&
        attributes.subresource.empty() &&
        (attributes.verb == "create" || attributes.verb == "update")) {
        const auto binding = nlohmann::json::parse(request.body, nullptr, false);
        if (binding.is_object()) {
            std::string name = attributes.name;
            if (const auto meta = binding.find("metadata");
                meta != binding.end() && meta->is_object()) {
                name = meta->value("name", name);
            }
            if (const auto why = rbac_binding_escalation(*m_store, who, binding, attributes.ns)) {
                return forbidden_status(attributes.group, attributes.resource, name, *why);
            }
        }
    }
    // Server-side apply that would create: the patch handler asks for `create` too.
    const auto type = request.headers.find("content-type");
    const ResourceType* resource = type_of(attributes.group, attributes.resource);
    if (attributes.verb == "patch" && attributes.subresource.empty() && resource != nullptr &&
        type != request.headers.end() && type->second.rfind("application/apply-patch", 0) == 0) {
        const bool exists = m_store->transact([&](Store::Txn& txn) {
            return txn.get(*resource, attributes.ns, attributes.name).has_value();
        });
        RequestAttributes create = attributes;
        create.verb = "create";
        if (!exists && !rbac_decide(*m_store, who, create).allowed) {
            return forbidden_status(attributes.group, attributes.resource, attributes.name, "");
        }
    }
    return std::nullopt;
}

nlohmann::json Authorizer::forbidden(const RequestAttributes& attributes) const {
    return forbidden(attributes, m_user);
}

nlohmann::json Authorizer::forbidden(const RequestAttributes& attributes,
                                     const std::string& user) const {
    // responsewriters.Forbidden with RBAC's (empty) reason.
    std::string message;
    if (!attributes.resource_request) {
        message =
            "User \"" + user + "\" cannot " + attributes.verb + " path \"" + attributes.path + "\"";
        return status_failure(403, "Forbidden", "forbidden: " + message, nlohmann::json::object());
    }
    std::string resource = attributes.resource;
    if (!attributes.subresource.empty()) {
        resource += "/" + attributes.subresource;
    }
    message = "User \"" + user + "\" cannot " + attributes.verb + " resource \"" + resource +
              "\" in API group \"" + attributes.group + "\"";
    message += attributes.ns.empty() ? " at the cluster scope"
                                     : " in the namespace \"" + attributes.ns + "\"";
    return forbidden_status(attributes.group, attributes.resource, attributes.name, message);
}

std::optional<nlohmann::json> Authorizer::deny_create_on_apply(const std::string& group,
                                                               const std::string& resource,
                                                               const std::string& ns,
                                                               const std::string& name) const {
    RequestAttributes create;
    create.resource_request = true;
    create.verb = "create";
    create.group = group;
    create.resource = resource;
    create.ns = ns;
    create.name = name;
    if (allowed(create)) {
        return std::nullopt;
    }
    return forbidden_status(group, resource, name, "");
}

SimReply Authorizer::access_review(const SimRequest& request) const {
    // As for every other body (k8s_api_writes.cpp): JSON only, protobuf is a known difference
    // (415).
    const auto type = request.headers.find("content-type");
    const std::string media =
        type == request.headers.end() ? "" : type->second.substr(0, type->second.find(';'));
    if (!media.empty() && media != "application/json") {
        return json_reply(415, status_failure(415, "UnsupportedMediaType",
                                              "the body of the request was in an unknown format - "
                                              "accepted media types include: application/json, "
                                              "application/yaml, "
                                              "application/vnd.kubernetes.protobuf"));
    }
    nlohmann::json review;
    try {
        review = nlohmann::json::parse(request.body);
    } catch (const nlohmann::json::parse_error& error) {
        return json_reply(400, status_failure(400, "BadRequest",
                                              std::string("error decoding body: ") + error.what()));
    }
    if (!review.is_object() || review.value("kind", "") != "SelfSubjectAccessReview" ||
        review.value("apiVersion", "") != "authorization.k8s.io/v1") {
        return json_reply(400, status_failure(400, "BadRequest",
                                              "the body must be a SelfSubjectAccessReview of "
                                              "authorization.k8s.io/v1"));
    }
    const nlohmann::json spec = review.value("spec", nlohmann::json::object());
    const bool resource = spec.contains("resourceAttributes");
    if (resource == spec.contains("nonResourceAttributes")) {
        const std::string field =
            resource ? "spec.nonResourceAttributes" : "spec.resourceAttributes";
        return json_reply(
            422, status_failure(
                     422, "Invalid",
                     "SelfSubjectAccessReview.authorization.k8s.io \"\" is invalid: " + field +
                         ": Invalid value: \"null\": exactly one of "
                         "nonResourceAttributes or resourceAttributes must be "
                         "specified",
                     {{"group", "authorization.k8s.io"},
                      {"kind", "SelfSubjectAccessReview"},
                      {"causes",
                       {{{"reason", "FieldValueInvalid"},
                         {"message", "Invalid value: \"null\": exactly one of "
                                     "nonResourceAttributes or resourceAttributes must "
                                     "be specified"},
                         {"field", field}}}}}));
    }
    RequestAttributes attributes;
    if (resource) {
        const nlohmann::json& asked = spec["resourceAttributes"];
        attributes.resource_request = true;
        attributes.verb = asked.value("verb", "");
        attributes.group = asked.value("group", "");
        attributes.resource = asked.value("resource", "");
        attributes.subresource = asked.value("subresource", "");
        attributes.ns = asked.value("namespace", "");
        attributes.name = asked.value("name", "");
    }
    // The reply echoes the review with the server's metadata and the decision; RBAC denies by
    // having no opinion, so a denial carries neither `denied` nor a reason.
    nlohmann::json reply = review;
    reply["metadata"] = {{"creationTimestamp", nullptr}};
    const auto account = m_service_accounts.find(bearer_token(request));
    if (account != m_service_accounts.end() && m_store != nullptr) {
        const auto decision =
            rbac_decide(*m_store, parse_service_account(account->second), attributes);
        reply["status"] = {{"allowed", decision.allowed}};
        if (decision.allowed) {
            reply["status"]["reason"] = decision.reason;
        }
        return json_reply(201, reply);
    }
    if (allowed(attributes)) {
        reply["status"] = {{"allowed", true},
                           {"reason", "RBAC: allowed by ClusterRoleBinding \"pxsim\" of "
                                      "ClusterRole \"cluster-admin\" to User \"" +
                                          m_user + "\""}};
    } else {
        reply["status"] = {{"allowed", false}};
    }
    return json_reply(201, reply);
}

} // namespace pxsim
