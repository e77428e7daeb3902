#include "rbac.hpp"

#include <algorithm>
#include <stdexcept>

#include "k8s_store.hpp"

namespace pxsim {

namespace {

using Json = nlohmann::json;

bool contains(const Json& list, const std::string& value) {
    if (!list.is_array()) {
        return false;
    }
    return std::any_of(list.begin(), list.end(), [&value](const Json& item) {
        return item.is_string() && item.get<std::string>() == value;
    });
}

bool contains_or_all(const Json& list, const std::string& value) {
    return contains(list, "*") || contains(list, value);
}

// rbac/v1 ResourceMatches: "*", the combined "resource/subresource", or "*/subresource".
bool resource_matches(const Json& resources, const RequestAttributes& attributes) {
    if (!resources.is_array()) {
        return false;
    }
    const std::string combined = attributes.subresource.empty()
                                     ? attributes.resource
                                     : attributes.resource + "/" + attributes.subresource;
    for (const Json& item : resources) {
        if (!item.is_string()) {
            continue;
        }
        const auto& resource = item.get_ref<const std::string&>();
        if (resource == "*" || resource == combined ||
            (!attributes.subresource.empty() && resource == "*/" + attributes.subresource)) {
            return true;
        }
    }
    return false;
}

// The subject names this ServiceAccount (directly, or one of its groups). A RoleBinding's
// ServiceAccount subject without a namespace is in the binding's namespace.
bool subject_matches(const Json& subject, const ServiceAccountIdentity& who,
                     const std::string& binding_ns) {
    const std::string kind = subject.value("kind", "");
    const std::string name = subject.value("name", "");
    if (kind == "ServiceAccount") {
        const std::string ns = subject.value("namespace", binding_ns);
        return name == who.name && ns == who.ns;
    }
    if (kind == "User") {
        return name == who.user();
    }
    if (kind == "Group") {
        const auto groups = who.groups();
        return std::find(groups.begin(), groups.end(), name) != groups.end();
    }
    return false;
}

std::string describe_subject(const Json& subject, const std::string& binding_ns) {
    const std::string kind = subject.value("kind", "");
    const std::string name = subject.value("name", "");
    if (kind == "ServiceAccount") {
        return kind + " \"" + name + "/" + subject.value("namespace", binding_ns) + "\"";
    }
    return kind + " \"" + name + "\"";
}

const ResourceType& rbac_type(const std::string& plural) {
    return *find_resource("rbac.authorization.k8s.io", "v1", plural);
}

// The first rule of `role` allowing the request, if any.
bool role_allows(const std::optional<Json>& role, const RequestAttributes& attributes) {
    if (!role) {
        return false;
    }
    const Json rules = role->value("rules", Json::array());
    return std::any_of(rules.begin(), rules.end(),
                       [&](const Json& rule) { return rbac_rule_allows(rule, attributes); });
}

} // namespace

std::string ServiceAccountIdentity::user() const {
    return "system:serviceaccount:" + ns + ":" + name;
}

std::vector<std::string> ServiceAccountIdentity::groups() const {
    return {"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"};
}

ServiceAccountIdentity parse_service_account(const std::string& text) {
    const auto slash = text.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == text.size() ||
        text.find('/', slash + 1) != std::string::npos) {
        throw std::invalid_argument("service account '" + text + "': expected NAMESPACE/NAME");
    }
    return {text.substr(0, slash), text.substr(slash + 1)};
}

bool rbac_rule_allows(const Json& rule, const RequestAttributes& attributes) {
    if (!rule.is_object() ||
        !contains_or_all(rule.value("verbs", Json::array()), attributes.verb)) {
        return false;
    }
    if (!attributes.resource_request) {
        // nonResourceURLs: exact, or a prefix ending in '*'.
        for (const Json& url : rule.value("nonResourceURLs", Json::array())) {
            const std::string pattern = url.is_string() ? url.get<std::string>() : "";
            if (pattern == attributes.path ||
                (!pattern.empty() && pattern.back() == '*' &&
                 attributes.path.rfind(pattern.substr(0, pattern.size() - 1), 0) == 0)) {
                return true;
            }
        }
        return false;
    }
    if (!contains_or_all(rule.value("apiGroups", Json::array()), attributes.group) ||
        !resource_matches(rule.value("resources", Json::array()), attributes)) {
        return false;
    }
    const Json names = rule.value("resourceNames", Json::array());
    return names.empty() || (!attributes.name.empty() && contains(names, attributes.name));
}

RbacDecision rbac_decide(Store& store, const ServiceAccountIdentity& who,
                         const RequestAttributes& attributes) {
    // The bootstrap policy every authenticated user has.
    if (!attributes.resource_request) {
        return {true, "RBAC: allowed by ClusterRoleBinding \"system:discovery\" of ClusterRole "
                      "\"system:discovery\" to Group \"system:authenticated\""};
    }
    if (attributes.verb == "create" && attributes.group == "authorization.k8s.io" &&
        (attributes.resource == "selfsubjectaccessreviews" ||
         attributes.resource == "selfsubjectrulesreviews")) {
        return {true, "RBAC: allowed by ClusterRoleBinding \"system:basic-user\" of ClusterRole "
                      "\"system:basic-user\" to Group \"system:authenticated\""};
    }
    return store.transact([&](Store::Txn& txn) -> RbacDecision {
        const auto cluster_role = [&](const std::string& name) {
            return txn.get(rbac_type("clusterroles"), "", name);
        };
        for (const Json& binding : txn.list(rbac_type("clusterrolebindings"), "")) {
            const Json ref = binding.value("roleRef", Json::object());
            if (ref.value("kind", "") != "ClusterRole" ||
                !role_allows(cluster_role(ref.value("name", "")), attributes)) {
                continue;
            }
            for (const Json& subject : binding.value("subjects", Json::array())) {
                if (subject_matches(subject, who, "")) {
                    return {true, "RBAC: allowed by ClusterRoleBinding \"" +
                                      binding["metadata"].value("name", "") +
                                      "\" of ClusterRole \"" + ref.value("name", "") + "\" to " +
                                      describe_subject(subject, "")};
                }
            }
        }
        if (attributes.ns.empty()) {
            return {};
        }
        for (const Json& binding : txn.list(rbac_type("rolebindings"), attributes.ns)) {
            const Json ref = binding.value("roleRef", Json::object());
            const std::string kind = ref.value("kind", "");
            const std::string name = ref.value("name", "");
            const auto role = kind == "Role" ? txn.get(rbac_type("roles"), attributes.ns, name)
                              : kind == "ClusterRole" ? cluster_role(name)
                                                      : std::nullopt;
            if (!role_allows(role, attributes)) {
                continue;
            }
            for (const Json& subject : binding.value("subjects", Json::array())) {
                if (subject_matches(subject, who, attributes.ns)) {
                    return {true, "RBAC: allowed by RoleBinding \"" +
                                      binding["metadata"].value("name", "") + "/" + attributes.ns +
                                      "\" of " + kind + " \"" + name + "\" to " +
                                      describe_subject(subject, attributes.ns)};
                }
            }
        }
        return {};
    });
}

std::optional<std::string> rbac_binding_escalation(Store& store, const ServiceAccountIdentity& who,
                                                   const Json& binding, const std::string& ns) {
    const Json ref = binding.value("roleRef", Json::object());
    const std::string kind = ref.value("kind", "");
    const std::string name = ref.value("name", "");
    RequestAttributes bind;
    bind.resource_request = true;
    bind.verb = "bind";
    bind.group = "rbac.authorization.k8s.io";
    bind.resource = kind == "ClusterRole" ? "clusterroles" : "roles";
    bind.ns = ns;
    bind.name = name;
    if (rbac_decide(store, who, bind).allowed) {
        return std::nullopt;
    }
    const auto role = store.transact([&](Store::Txn& txn) -> std::optional<Json> {
        if (kind == "ClusterRole") {
            return txn.get(rbac_type("clusterroles"), "", name);
        }
        return kind == "Role" ? txn.get(rbac_type("roles"), ns, name) : std::nullopt;
    });
    if (!role) {
        return std::nullopt;
    }
    // Every (group, resource, verb, name) the role grants, asked as a request in `ns`.
    std::string missing;
    for (const Json& rule : role->value("rules", Json::array())) {
        Json names = rule.value("resourceNames", Json::array());
        if (names.empty()) {
            names = Json::array({""});
        }
        for (const Json& group : rule.value("apiGroups", Json::array())) {
            for (const Json& resource : rule.value("resources", Json::array())) {
                for (const Json& verb : rule.value("verbs", Json::array())) {
                    for (const Json& object : names) {
                        if (!group.is_string() || !resource.is_string() || !verb.is_string() ||
                            !object.is_string()) {
                            continue;
                        }
                        RequestAttributes held;
                        held.resource_request = true;
                        held.verb = verb.get<std::string>();
                        held.group = group.get<std::string>();
                        const auto text = resource.get<std::string>();
                        const auto slash = text.find('/');
                        held.resource = text.substr(0, slash);
                        held.subresource = slash == std::string::npos ? "" : text.substr(slash + 1);
                        held.ns = ns;
                        held.name = object.get<std::string>();
                        if (rbac_decide(store, who, held).allowed) {
                            continue;
                        }
                        missing +=
                            "\n{APIGroups:[\"" + held.group + "\"], Resources:[\"" + text + "\"]" +
                            (held.name.empty() ? "" : ", ResourceNames:[\"" + held.name + "\"]") +
                            ", Verbs:[\"" + held.verb + "\"]}";
                    }
                }
            }
        }
    }
    if (missing.empty()) {
        return std::nullopt;
    }
    std::string groups;
    for (const auto& group : who.groups()) {
        groups += (groups.empty() ? "\"" : " \"") + group + "\"";
    }
    return "user \"" + who.user() + "\" (groups=[" + groups +
           "]) is attempting to grant RBAC permissions not currently held:" + missing;
}

} // namespace pxsim
