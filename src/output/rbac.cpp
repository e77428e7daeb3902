#include "pxclone/output/rbac.hpp"

#include "pxclone/output/format.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace pxclone::output {

namespace {

using nlohmann::ordered_json;

constexpr std::string_view k_rbac_api = "rbac.authorization.k8s.io/v1";
constexpr std::string_view k_cluster_label = "pxclone.io/cluster";

// "the staging cluster (context pxsim-b)".
std::string cluster_text(const plan::RbacPolicy& policy) {
    const auto side = plan::side_name(policy.cluster.value_or(plan::Side::source));
    return policy.context.empty()
               ? fmt::format("the {} cluster", side)
               : fmt::format("the {} cluster (context {})", side, policy.context);
}

ordered_json metadata(const std::string& name, const std::string& ns,
                      const plan::RbacPolicy& policy) {
    ordered_json meta;
    meta["name"] = name;
    if (!ns.empty()) {
        meta["namespace"] = ns;
    }
    meta["labels"] = {{"app.kubernetes.io/name", "pxclone"},
                      {"app.kubernetes.io/component", "rbac"}};
    if (policy.cluster) {
        // The cluster it is for: `kubectl apply -l pxclone.io/cluster=staging` takes that part.
        meta["labels"][std::string(k_cluster_label)] = plan::side_name(*policy.cluster);
    }
    meta["annotations"] = {
        {"pxclone.io/commands", fmt::format("{}", fmt::join(policy.commands, ","))}};
    return meta;
}

ordered_json role_object(const plan::RbacRole& role, const plan::RbacPolicy& policy) {
    ordered_json object;
    object["apiVersion"] = k_rbac_api;
    object["kind"] = role.cluster ? "ClusterRole" : "Role";
    object["metadata"] = metadata(role.name, role.ns, policy);
    object["rules"] = ordered_json::array();
    for (const auto& rule : role.rules) {
        ordered_json item;
        item["apiGroups"] = {rule.group};
        item["resources"] = {rule.resource};
        if (!rule.names.empty()) {
            item["resourceNames"] = rule.names;
        }
        item["verbs"] = rule.verbs;
        object["rules"].push_back(std::move(item));
    }
    return object;
}

ordered_json binding_object(const plan::RbacRole& role, const plan::RbacPolicy& policy) {
    ordered_json object;
    object["apiVersion"] = k_rbac_api;
    object["kind"] = role.cluster ? "ClusterRoleBinding" : "RoleBinding";
    object["metadata"] = metadata(role.name, role.ns, policy);
    object["roleRef"] = {{"apiGroup", "rbac.authorization.k8s.io"},
                         {"kind", role.cluster ? "ClusterRole" : "Role"},
                         {"name", role.name}};
    object["subjects"] = ordered_json::array({{{"kind", "ServiceAccount"},
                                               {"name", policy.service_account_name},
                                               {"namespace", policy.service_account_namespace}}});
    return object;
}

ordered_json service_account(const plan::RbacPolicy& policy) {
    ordered_json object;
    object["apiVersion"] = "v1";
    object["kind"] = "ServiceAccount";
    object["metadata"] =
        metadata(policy.service_account_name, policy.service_account_namespace, policy);
    return object;
}

constexpr std::string_view k_admission_api = "admissionregistration.k8s.io/v1";

ordered_json admission_policy(const plan::AdmissionPolicy& admission,
                              const plan::RbacPolicy& policy) {
    ordered_json object;
    object["apiVersion"] = k_admission_api;
    object["kind"] = "ValidatingAdmissionPolicy";
    object["metadata"] = metadata(admission.name, "", policy);
    auto& spec = object["spec"];
    spec["failurePolicy"] = "Fail";
    spec["matchConstraints"]["resourceRules"] = ordered_json::array();
    for (const auto& rule : admission.rules) {
        spec["matchConstraints"]["resourceRules"].push_back({{"apiGroups", {rule.group}},
                                                             {"apiVersions", {"*"}},
                                                             {"operations", rule.operations},
                                                             {"resources", rule.resources}});
    }
    spec["matchConditions"] = ordered_json::array(
        {{{"name", "pxclone-service-account"},
          {"expression", fmt::format("request.userInfo.username == '{}'", admission.username)}}});
    spec["validations"] = ordered_json::array();
    for (const auto& validation : admission.validations) {
        spec["validations"].push_back({{"expression", validation.expression},
                                       {"message", validation.message},
                                       {"reason", "Forbidden"}});
    }
    return object;
}

ordered_json admission_binding(const plan::AdmissionPolicy& admission,
                               const plan::RbacPolicy& policy) {
    ordered_json object;
    object["apiVersion"] = k_admission_api;
    object["kind"] = "ValidatingAdmissionPolicyBinding";
    object["metadata"] = metadata(admission.name, "", policy);
    object["spec"] = {{"policyName", admission.name}, {"validationActions", {"Deny"}}};
    return object;
}

// "  get,create services/proxy (portworx-api:9021): the Portworx SDK [snapshot, list]": the
// reasons once each, then the commands that have them.
std::string rule_line(const plan::RbacRule& rule) {
    auto resource = rule.resource;
    if (!rule.group.empty()) {
        const auto slash = resource.find('/');
        resource.insert(slash == std::string::npos ? resource.size() : slash, "." + rule.group);
    }
    std::vector<std::string> reasons;
    std::vector<std::string> commands;
    for (const auto& why : rule.why) {
        const auto colon = why.find(": ");
        const auto command = why.substr(0, colon);
        const auto reason = colon == std::string::npos ? why : why.substr(colon + 2);
        for (auto* list : {&reasons, &commands}) {
            const auto& item = list == &reasons ? reason : command;
            if (std::find(list->begin(), list->end(), item) == list->end()) {
                list->push_back(item);
            }
        }
    }
    return fmt::format("  {} {}{}: {} [{}]", fmt::join(rule.verbs, ","), resource,
                       rule.names.empty() ? "" : fmt::format(" ({})", fmt::join(rule.names, ", ")),
                       fmt::join(reasons, "; "), fmt::join(commands, ", "));
}

void comment(std::ostream& out, const std::string& text) {
    out << "# " << text << '\n';
}

} // namespace

std::vector<ordered_json> rbac_objects(const plan::RbacPolicy& policy) {
    std::vector<ordered_json> objects{service_account(policy)};
    for (const auto& role : policy.roles) {
        objects.push_back(role_object(role, policy));
        if (role.bound) {
            objects.push_back(binding_object(role, policy));
        }
    }
    if (policy.admission) {
        objects.push_back(admission_policy(*policy.admission, policy));
        objects.push_back(admission_binding(*policy.admission, policy));
    }
    return objects;
}

void print_rbac_yaml(const plan::RbacPolicy& policy, std::ostream& out) {
    if (policy.cluster) {
        comment(out, std::string(72, '='));
        comment(out, fmt::format("For {} only: every object below, up to the next such header, "
                                 "is labelled {}={}.",
                                 cluster_text(policy), k_cluster_label,
                                 plan::side_name(*policy.cluster)));
        comment(out, fmt::format("Apply to that cluster alone: pxclone rbac --cluster {} ... | "
                                 "kubectl{} apply -f -",
                                 plan::side_name(*policy.cluster),
                                 policy.context.empty() ? "" : " --context " + policy.context));
        comment(out, std::string(72, '='));
    }
    comment(out, fmt::format("Least-privilege RBAC for pxclone {} (generated by `pxclone rbac` "
                             "from the requests these commands send).",
                             fmt::join(policy.commands, ", ")));
    comment(out, fmt::format("The namespace {} must exist. validate --online's access reviews "
                             "need nothing here: the default ClusterRole system:basic-user "
                             "allows them to every authenticated user.",
                             policy.service_account_namespace));
    for (const auto& line : policy.comments) {
        comment(out, line);
    }
    out << "---\n";
    print_yaml(service_account(policy), out);
    for (const auto& role : policy.roles) {
        out << "---\n";
        for (const auto& line : role.comments) {
            comment(out, line);
        }
        comment(out, "Rules, and who needs them:");
        for (const auto& rule : role.rules) {
            comment(out, rule_line(rule));
        }
        print_yaml(role_object(role, policy), out);
        if (role.bound) {
            out << "---\n";
            print_yaml(binding_object(role, policy), out);
        }
    }
    if (policy.admission) {
        out << "---\n";
        for (const auto& line : policy.admission->comments) {
            comment(out, line);
        }
        print_yaml(admission_policy(*policy.admission, policy), out);
        out << "---\n";
        print_yaml(admission_binding(*policy.admission, policy), out);
    }
}

namespace {

ordered_json list_of(const plan::RbacPolicy& policy) {
    ordered_json list;
    list["apiVersion"] = "v1";
    list["kind"] = "List";
    list["items"] = rbac_objects(policy);
    return list;
}

} // namespace

void print_rbac_json(const plan::RbacPolicy& policy, std::ostream& out) {
    print_json(list_of(policy), out);
}

void print_rbac_yaml(const std::vector<plan::RbacPolicy>& policies, std::ostream& out) {
    // Each part's header comments lead into its first document ("---"): no empty document
    // between the parts.
    for (const auto& policy : policies) {
        print_rbac_yaml(policy, out);
    }
}

void print_rbac_json(const std::vector<plan::RbacPolicy>& policies, std::ostream& out) {
    ordered_json document;
    document["clusters"] = ordered_json::array();
    for (const auto& policy : policies) {
        ordered_json cluster;
        cluster["cluster"] = plan::side_name(policy.cluster.value_or(plan::Side::source));
        cluster["context"] = policy.context;
        cluster["list"] = list_of(policy);
        document["clusters"].push_back(std::move(cluster));
    }
    print_json(document, out);
}

} // namespace pxclone::output
