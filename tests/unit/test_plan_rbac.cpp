#include "pxclone/error.hpp"
#include "pxclone/method/method.hpp"
#include "pxclone/output/rbac.hpp"
#include "pxclone/plan/rbac.hpp"

#include <algorithm>
#include <set>
#include <sstream>

#include <doctest/doctest.h>

using namespace pxclone;
using namespace pxclone::plan;

namespace {

profile::Profile orders(profile::SnapshotMethod method) {
    profile::Profile profile;
    profile.name = "orders";
    profile.source.source_namespace = "prod";
    profile.source.pvcs = {"mongo-data-mongo-0"};
    profile.snapshot.method = method;
    profile.snapshot.snapshot_class = "px-csi-snapclass";
    profile.staging.staging_namespace = "orders-stg-7";
    profile.staging.mask = profile::Mask{};
    if (method == profile::SnapshotMethod::csi) {
        profile.portworx.token = profile::KubeSecret{"kube-system", "px-token", "token"};
    }
    return profile;
}

const std::vector<k8s::Resource> k_manifests{
    k8s::resource_of("Service"), k8s::resource_of("StatefulSet"), k8s::resource_of("Deployment")};

RbacOptions options_for(std::vector<std::string> commands = {}) {
    RbacOptions options;
    options.service_account_namespace = "ci";
    options.service_account_name = "pxclone";
    options.commands = std::move(commands);
    return options;
}

const RbacRole* role_named(const RbacPolicy& policy, const std::string& name) {
    const auto found = std::find_if(policy.roles.begin(), policy.roles.end(),
                                    [&](const RbacRole& role) { return role.name == name; });
    return found == policy.roles.end() ? nullptr : &*found;
}

bool needed_by_any(const Permission& permission, const std::vector<std::string>& commands) {
    return std::any_of(permission.needed_by.begin(), permission.needed_by.end(),
                       [&](const std::string& c) {
                           return commands.empty() ||
                                  std::find(commands.begin(), commands.end(), c) != commands.end();
                       });
}

} // namespace

TEST_CASE("plan_rbac grants every needed permission, and no verb that nothing needs") {
    for (const auto method : {profile::SnapshotMethod::portworx, profile::SnapshotMethod::csi}) {
        for (const int bind : {0, 1, 2}) { // none, staging.role_binding, staging.pool
            for (const std::vector<std::string>& commands : {std::vector<std::string>{},
                                                             {"snapshot"},
                                                             {"teardown", "list"},
                                                             {"validate"},
                                                             {"deploy-staging"}}) {
                CAPTURE(profile::method_name(method));
                CAPTURE(bind);
                CAPTURE(commands.size());
                auto profile = orders(method);
                if (bind == 1) {
                    profile.staging.role_binding = profile::ServiceAccountRef{"ci", "pxclone"};
                } else if (bind == 2) {
                    profile.staging.staging_namespace.clear();
                    profile.staging.pool = "ci";
                }
                const auto needed = needed_permissions(pxclone::method::of(profile.snapshot.method),
                                                       profile, k_manifests);
                const auto policy = plan_rbac(profile, needed, options_for(commands));
                // Covered: a request a command sends is allowed.
                for (const auto& permission : needed) {
                    if (needed_by_any(permission, commands)) {
                        CAPTURE(permission.describe());
                        CHECK(rbac_allows(policy, permission));
                    }
                }
                // Minimal: without any one verb of any rule, some needed permission is refused.
                for (std::size_t r = 0; r < policy.roles.size(); ++r) {
                    for (std::size_t i = 0; i < policy.roles[r].rules.size(); ++i) {
                        for (std::size_t v = 0; v < policy.roles[r].rules[i].verbs.size(); ++v) {
                            auto less = policy;
                            auto& verbs = less.roles[r].rules[i].verbs;
                            CAPTURE(policy.roles[r].name);
                            CAPTURE(policy.roles[r].rules[i].resource);
                            CAPTURE(verbs[v]);
                            verbs.erase(verbs.begin() + static_cast<std::ptrdiff_t>(v));
                            CHECK(std::any_of(needed.begin(), needed.end(), [&](const auto& p) {
                                return needed_by_any(p, commands) && !rbac_allows(less, p);
                            }));
                        }
                    }
                }
            }
        }
    }
}

TEST_CASE("plan_rbac with staging.role_binding: staging writes are granted in staging only") {
    for (const auto method : {profile::SnapshotMethod::portworx, profile::SnapshotMethod::csi}) {
        CAPTURE(profile::method_name(method));
        auto profile = orders(method);
        profile.staging.role_binding = profile::ServiceAccountRef{"ci", "pxclone"};
        const auto needed =
            needed_permissions(pxclone::method::of(profile.snapshot.method), profile, k_manifests);
        const auto policy = plan_rbac(profile, needed, options_for());
        const auto* staging = role_named(policy, "pxclone-orders-staging");
        REQUIRE(staging != nullptr);
        CHECK_FALSE(staging->bound); // deploy-staging binds it in each staging namespace
        const auto* cluster = role_named(policy, "pxclone-orders");
        REQUIRE(cluster != nullptr);
        for (const auto& role : policy.roles) {
            if (!role.bound || !role.cluster) {
                continue;
            }
            for (const auto& rule : role.rules) {
                CAPTURE(role.name);
                CAPTURE(rule.resource);
                const auto has = [&rule](const char* verb) {
                    return std::find(rule.verbs.begin(), rule.verbs.end(), verb) !=
                           rule.verbs.end();
                };
                // Bound cluster-wide, the only writes: cluster-scoped kinds, creating the
                // staging namespace and its RoleBinding, `bind` on the staging role by name.
                const bool cluster_scoped = rule.resource == "persistentvolumes" ||
                                            rule.resource == "volumesnapshotcontents";
                for (const auto* verb : {"update", "patch", "delete"}) {
                    CAPTURE(verb);
                    CHECK((!has(verb) || cluster_scoped));
                }
                if (has("create")) {
                    CHECK((cluster_scoped || rule.resource == "namespaces" ||
                           rule.resource == "rolebindings"));
                }
                if (has("bind")) {
                    CHECK(rule.resource == "clusterroles");
                    CHECK(rule.names == std::vector<std::string>{"pxclone-orders-staging"});
                }
            }
        }
        // The staging role holds the namespace's own delete (a Namespace is in itself).
        CHECK(std::any_of(staging->rules.begin(), staging->rules.end(), [](const RbacRule& rule) {
            return rule.resource == "namespaces" &&
                   std::find(rule.verbs.begin(), rule.verbs.end(), "delete") != rule.verbs.end();
        }));
        // The printed stream has no binding for it.
        const auto objects = output::rbac_objects(policy);
        CHECK(std::none_of(objects.begin(), objects.end(), [](const auto& object) {
            return object.contains("roleRef") &&
                   object["roleRef"]["name"] == "pxclone-orders-staging";
        }));
    }
}

TEST_CASE("plan_rbac with staging.pool: no namespace create, delete or bind; namespace patches "
          "only through the admin's binding") {
    for (const auto method : {profile::SnapshotMethod::portworx, profile::SnapshotMethod::csi}) {
        CAPTURE(profile::method_name(method));
        auto profile = orders(method);
        profile.staging.staging_namespace.clear();
        profile.staging.pool = "ci";
        const auto needed =
            needed_permissions(pxclone::method::of(profile.snapshot.method), profile, k_manifests);
        auto policy = plan_rbac(profile, needed, options_for());
        const auto* staging = role_named(policy, "pxclone-orders-staging");
        REQUIRE(staging != nullptr);
        CHECK_FALSE(staging->bound); // the admin binds it in each pool namespace
        const auto verbs_on = [](const RbacRole& role, const std::string& resource) {
            std::set<std::string> verbs;
            for (const auto& rule : role.rules) {
                if (rule.resource == resource) {
                    verbs.insert(rule.verbs.begin(), rule.verbs.end());
                }
            }
            return verbs;
        };
        for (const auto& role : policy.roles) {
            CAPTURE(role.name);
            const auto namespaces = verbs_on(role, "namespaces");
            CHECK(namespaces.count("create") == 0);
            CHECK(namespaces.count("delete") == 0);
            CHECK(verbs_on(role, "rolebindings").empty());
            CHECK(verbs_on(role, "clusterroles").empty());
            if (role.bound && role.cluster) {
                // Cluster-wide on namespaces: reads only (finding a free one of the pool).
                CHECK(namespaces.count("patch") == 0);
            }
        }
        CHECK(verbs_on(*staging, "namespaces") == std::set<std::string>{"get", "patch"});
        // No resourceNames: a pool namespace's name is not known in advance.
        for (const auto& rule : staging->rules) {
            CHECK(rule.names.empty());
        }
        // --admission-policy: namespace updates only with the pool label before and after.
        const auto admission = plan_admission_policy(profile, policy);
        CHECK(std::any_of(admission.validations.begin(), admission.validations.end(),
                          [](const AdmissionValidation& validation) {
                              return validation.message ==
                                     "pxclone changes only namespaces of its pool (labelled "
                                     "pxclone.io/pool=ci) and never their pool label";
                          }));
    }
}

TEST_CASE("plan_rbac: production is read-only, nothing is granted that could not be narrowed") {
    for (const auto method : {profile::SnapshotMethod::portworx, profile::SnapshotMethod::csi}) {
        CAPTURE(profile::method_name(method));
        const auto profile = orders(method);
        for (const std::vector<std::string>& commands :
             {std::vector<std::string>{}, {"snapshot"}, {"snapshot", "list", "validate"}}) {
            const auto policy =
                plan_rbac(profile,
                          needed_permissions(pxclone::method::of(profile.snapshot.method), profile,
                                             k_manifests),
                          options_for(commands));
            for (const auto& role : policy.roles) {
                CAPTURE(role.name);
                CHECK(!role.rules.empty());
                for (const auto& rule : role.rules) {
                    CAPTURE(rule.resource);
                    for (const auto& verb : rule.verbs) {
                        CAPTURE(verb);
                        // The source namespace's Role: reads, and only the VolumeSnapshots
                        // method csi takes there are made (create, never update or patch).
                        if (!role.cluster && role.ns == "prod" && is_write_verb(verb)) {
                            CHECK(rule.resource == "volumesnapshots");
                            CHECK(method == profile::SnapshotMethod::csi);
                            CHECK((verb == "create" || verb == "delete"));
                        }
                        // No update of any Kubernetes object (PUT to the Portworx gateway
                        // through the service proxy aside), no wildcard, no collection delete,
                        // no RBAC escalation.
                        CHECK((verb != "update" || rule.resource == "services/proxy"));
                        CHECK(verb != "*");
                        CHECK(verb != "deletecollection");
                        CHECK(verb != "escalate");
                        CHECK(verb != "bind"); // without staging.role_binding
                        CHECK(verb != "impersonate");
                    }
                    CHECK(rule.resource != "*");
                    CHECK(rule.group != "*");
                    CHECK(rule.group != "rbac.authorization.k8s.io");
                    // Secrets and the service proxy only by name.
                    if (rule.resource == "secrets" || rule.resource == "services/proxy") {
                        CHECK(!rule.names.empty());
                        CHECK(!role.cluster);
                    }
                }
            }
            // Nothing of production is written by name: no rule names the source namespace or
            // a source PVC for a write.
            for (const auto& role : policy.roles) {
                for (const auto& rule : role.rules) {
                    for (const auto& name : rule.names) {
                        const bool production =
                            name == "prod" || name == profile.source.pvcs.front();
                        CHECK_FALSE((production && std::any_of(rule.verbs.begin(), rule.verbs.end(),
                                                               is_write_verb)));
                    }
                }
            }
        }
    }
}

TEST_CASE("plan_rbac: the roles, where each rule goes and why") {
    const auto profile = orders(profile::SnapshotMethod::csi);
    const auto policy = plan_rbac(
        profile,
        needed_permissions(pxclone::method::of(profile.snapshot.method), profile, k_manifests),
        options_for());
    CHECK(policy.commands == rbac_commands());
    // The source: only what no ClusterRole already grants everywhere (the snapshots' watch).
    const auto* source = role_named(policy, "pxclone-orders-source");
    REQUIRE(source != nullptr);
    CHECK_FALSE(source->cluster);
    CHECK(source->ns == "prod");
    REQUIRE(source->rules.size() == 1);
    CHECK(source->rules[0].resource == "volumesnapshots");
    CHECK(source->rules[0].verbs == std::vector<std::string>{"watch"});
    // The token Secret, by name, in its namespace.
    const auto* kube_system = role_named(policy, "pxclone-orders-kube-system");
    REQUIRE(kube_system != nullptr);
    const auto secret = std::find_if(kube_system->rules.begin(), kube_system->rules.end(),
                                     [](const RbacRule& r) { return r.resource == "secrets"; });
    REQUIRE(secret != kube_system->rules.end());
    CHECK(secret->names == std::vector<std::string>{"px-token"});
    CHECK(secret->verbs == std::vector<std::string>{"get"});
    // The staging namespaces: the run's name is not in any rule (it changes with each run).
    const auto* staging = role_named(policy, "pxclone-orders-staging");
    REQUIRE(staging != nullptr);
    CHECK(staging->cluster);
    for (const auto& role : policy.roles) {
        for (const auto& rule : role.rules) {
            CHECK(std::find(rule.names.begin(), rule.names.end(), "orders-stg-7") ==
                  rule.names.end());
        }
    }
    const auto scale =
        std::find_if(staging->rules.begin(), staging->rules.end(),
                     [](const RbacRule& r) { return r.resource == "statefulsets/scale"; });
    REQUIRE(scale != staging->rules.end());
    CHECK(scale->group == "apps");
    CHECK(scale->verbs == std::vector<std::string>{"patch"});
    CHECK(scale->why ==
          std::vector<std::string>{"restore: scale the workloads", "refresh: scale the workloads"});
    REQUIRE(role_named(policy, "pxclone-orders") != nullptr);

    // A staging namespace fixed in the profile is named on the Namespace object's rules.
    auto fixed = options_for();
    fixed.staging_name_fixed = true;
    const auto named = plan_rbac(
        profile,
        needed_permissions(pxclone::method::of(profile.snapshot.method), profile, k_manifests),
        fixed);
    const auto* fixed_staging = role_named(named, "pxclone-orders-staging");
    REQUIRE(fixed_staging != nullptr);
    const auto ns_rule = std::find_if(fixed_staging->rules.begin(), fixed_staging->rules.end(),
                                      [](const RbacRule& r) { return r.resource == "namespaces"; });
    REQUIRE(ns_rule != fixed_staging->rules.end());
    CHECK(ns_rule->names == std::vector<std::string>{"orders-stg-7"});
    CHECK(std::find(ns_rule->verbs.begin(), ns_rule->verbs.end(), "delete") !=
          ns_rule->verbs.end());

    // snapshot alone reads the source PVC in prod: a Role there.
    const auto snapshot_only = plan_rbac(
        profile,
        needed_permissions(pxclone::method::of(profile.snapshot.method), profile, k_manifests),
        options_for({"snapshot"}));
    const auto* snapshot_source = role_named(snapshot_only, "pxclone-orders-source");
    REQUIRE(snapshot_source != nullptr);
    CHECK(std::any_of(snapshot_source->rules.begin(), snapshot_source->rules.end(),
                      [](const RbacRule& r) { return r.resource == "persistentvolumeclaims"; }));
    CHECK(role_named(snapshot_only, "pxclone-orders-staging") == nullptr);

    CHECK_THROWS_AS(plan_rbac(profile, {}, options_for({"snapshots"})), UsageError);
}

TEST_CASE("output: pxclone rbac's objects, YAML with reasons, JSON List") {
    auto profile = orders(profile::SnapshotMethod::portworx);
    const auto policy = plan_rbac(
        profile,
        needed_permissions(pxclone::method::of(profile.snapshot.method), profile, k_manifests),
        options_for());
    const auto objects = output::rbac_objects(policy);
    REQUIRE(objects.size() == 1 + 2 * policy.roles.size());
    CHECK(objects[0]["kind"] == "ServiceAccount");
    CHECK(objects[0]["metadata"]["namespace"] == "ci");
    for (std::size_t i = 0; i < policy.roles.size(); ++i) {
        const auto& role = objects[1 + 2 * i];
        const auto& binding = objects[2 + 2 * i];
        CHECK(role["apiVersion"] == "rbac.authorization.k8s.io/v1");
        CHECK(binding["roleRef"]["name"] == role["metadata"]["name"]);
        CHECK(binding["roleRef"]["kind"] == role["kind"]);
        CHECK(binding["subjects"][0] == nlohmann::ordered_json{{"kind", "ServiceAccount"},
                                                               {"name", "pxclone"},
                                                               {"namespace", "ci"}});
    }
    std::ostringstream yaml;
    output::print_rbac_yaml(policy, yaml);
    CHECK(yaml.str().find(
              "#   patch statefulsets.apps/scale: scale the workloads [restore, refresh]\n") !=
          std::string::npos);
    CHECK(yaml.str().find("Bound cluster-wide TODAY") != std::string::npos);
    CHECK(yaml.str().find("kind: ClusterRoleBinding\n") != std::string::npos);
    std::ostringstream json;
    output::print_rbac_json(policy, json);
    const auto list = nlohmann::json::parse(json.str());
    CHECK(list["kind"] == "List");
    CHECK(list["items"].size() == objects.size());
}

TEST_CASE("plan_admission_policy: the kinds written, the ServiceAccount, the expressions") {
    for (const auto method : {profile::SnapshotMethod::portworx, profile::SnapshotMethod::csi}) {
        for (const bool bind : {false, true}) {
            CAPTURE(profile::method_name(method));
            CAPTURE(bind);
            auto profile = orders(method);
            if (bind) {
                profile.staging.role_binding = profile::ServiceAccountRef{"ci", "pxclone"};
            }
            const auto policy =
                plan_rbac(profile,
                          needed_permissions(pxclone::method::of(profile.snapshot.method), profile,
                                             k_manifests),
                          options_for());
            const auto admission = plan_admission_policy(profile, policy);
            CHECK(admission.name == "pxclone-orders");
            CHECK(admission.username == "system:serviceaccount:ci:pxclone");
            // Exactly the (group, resource) pairs the RBAC rules write, the proxy aside.
            std::set<std::pair<std::string, std::string>> written;
            for (const auto& role : policy.roles) {
                for (const auto& rule : role.rules) {
                    for (const auto& verb : rule.verbs) {
                        if (is_write_verb(verb) && verb != "bind" &&
                            rule.resource != "services/proxy") {
                            written.emplace(rule.group, rule.resource);
                        }
                    }
                }
            }
            std::set<std::pair<std::string, std::string>> matched;
            for (const auto& rule : admission.rules) {
                for (const auto& resource : rule.resources) {
                    CHECK(matched.emplace(rule.group, resource).second); // once each
                }
            }
            CHECK(matched == written);
            CHECK(written.count({"apps", "statefulsets/scale"}) == 1);
            CHECK((written.count({"rbac.authorization.k8s.io", "rolebindings"}) == 1) == bind);
            // The label rule: CREATE passes, what exists must carry managed-by=pxclone.
            REQUIRE(admission.validations.size() == (bind ? 3U : 2U));
            const auto& owned = admission.validations[0].expression;
            CHECK(owned.rfind("request.operation == 'CREATE' || (has(request.subResource) && "
                              "request.subResource != '') || (has(oldObject.metadata.labels) && "
                              "'app.kubernetes.io/managed-by' in oldObject.metadata.labels && "
                              "oldObject.metadata.labels['app.kubernetes.io/managed-by'] == "
                              "'pxclone')",
                              0) == 0);
            CHECK(owned.find("oldObject.spec.claimRef.namespace != 'prod'") != std::string::npos);
            CHECK(admission.validations[1].expression.find(
                      "namespaceObject.metadata.labels['pxclone.io/role'] == 'staging'") !=
                  std::string::npos);
            if (bind) {
                CHECK(admission.validations[2].expression.find(
                          "object.roleRef.name == 'pxclone-orders-staging'") != std::string::npos);
            }
            // csi's VolumeSnapshots in the source namespace are created: CREATE is matched
            // (for the reader) and passes the label rule's first term.
            if (method == profile::SnapshotMethod::csi) {
                CHECK(std::any_of(
                    admission.rules.begin(), admission.rules.end(), [](const AdmissionRule& rule) {
                        return rule.resources == std::vector<std::string>{"volumesnapshots"} ||
                               std::find(rule.resources.begin(), rule.resources.end(),
                                         "volumesnapshots") != rule.resources.end();
                    }));
            }
        }
    }
}

TEST_CASE("output: --admission-policy's objects follow the RBAC ones") {
    auto profile = orders(profile::SnapshotMethod::csi);
    profile.staging.role_binding = profile::ServiceAccountRef{"ci", "pxclone"};
    auto policy = plan_rbac(
        profile,
        needed_permissions(pxclone::method::of(profile.snapshot.method), profile, k_manifests),
        options_for());
    const auto without = output::rbac_objects(policy).size();
    policy.admission = plan_admission_policy(profile, policy);
    const auto objects = output::rbac_objects(policy);
    REQUIRE(objects.size() == without + 2);
    const auto& vap = objects[without];
    const auto& binding = objects[without + 1];
    CHECK(vap["apiVersion"] == "admissionregistration.k8s.io/v1");
    CHECK(vap["kind"] == "ValidatingAdmissionPolicy");
    CHECK(vap["spec"]["failurePolicy"] == "Fail");
    CHECK(vap["spec"]["matchConditions"][0]["expression"] ==
          "request.userInfo.username == 'system:serviceaccount:ci:pxclone'");
    CHECK(vap["spec"]["validations"].size() == 3);
    CHECK(binding["kind"] == "ValidatingAdmissionPolicyBinding");
    CHECK(binding["spec"]["policyName"] == vap["metadata"]["name"]);
    CHECK(binding["spec"]["validationActions"] == nlohmann::ordered_json::array({"Deny"}));
    std::ostringstream yaml;
    output::print_rbac_yaml(policy, yaml);
    CHECK(yaml.str().find("1.28-1.29 serve it as v1beta1") != std::string::npos);
    CHECK(yaml.str().find("kind: ValidatingAdmissionPolicyBinding\n") != std::string::npos);
}

namespace {

// orders with a staging cluster of its own (context stg, its Portworx through its own service
// proxy) and a transfer.
profile::Profile two_clusters(profile::SnapshotMethod method) {
    auto profile = orders(method);
    profile::StagingCluster staging;
    staging.cluster.context = "stg";
    staging.portworx.endpoint = px::parse_endpoint("service:portworx/px-api:9021");
    profile.staging.cluster = staging;
    profile.cluster.context = "prod-eks";
    profile.transfer = profile::Transfer{};
    profile.transfer->source_credential = "s3";
    profile.transfer->staging_credential = "s3";
    return profile;
}

} // namespace

TEST_CASE("plan_rbac_per_cluster: each cluster's roles grant what the commands send there, no "
          "verb more, and nothing of the other cluster") {
    for (const auto method : {profile::SnapshotMethod::portworx, profile::SnapshotMethod::csi}) {
        for (const bool bound : {false, true}) {
            for (const std::vector<std::string>& commands : {std::vector<std::string>{},
                                                             {"snapshot"},
                                                             {"deploy-staging", "teardown"},
                                                             {"teardown", "list"},
                                                             {"validate"}}) {
                CAPTURE(profile::method_name(method));
                CAPTURE(bound);
                CAPTURE(commands.size());
                auto profile = two_clusters(method);
                if (bound) {
                    profile.staging.role_binding = profile::ServiceAccountRef{"ci", "pxclone"};
                }
                const auto needed = needed_permissions(pxclone::method::of(profile.snapshot.method),
                                                       profile, k_manifests);
                const auto policies = plan_rbac_per_cluster(profile, needed, options_for(commands));
                REQUIRE(!policies.empty());
                for (const auto& policy : policies) {
                    REQUIRE(policy.cluster);
                    const auto side = *policy.cluster;
                    CAPTURE(side_name(side));
                    CHECK(policy.context == (side == Side::staging ? "stg" : "prod-eks"));
                    const auto here = on_side(needed, side);
                    // Covered: a request a command sends to this cluster is allowed here.
                    for (const auto& permission : here) {
                        if (needed_by_any(permission, commands)) {
                            CAPTURE(permission.describe());
                            CHECK(rbac_allows(policy, permission));
                        }
                    }
                    // Minimal: without any one verb, some permission needed here is refused.
                    for (std::size_t r = 0; r < policy.roles.size(); ++r) {
                        for (std::size_t i = 0; i < policy.roles[r].rules.size(); ++i) {
                            for (std::size_t v = 0; v < policy.roles[r].rules[i].verbs.size();
                                 ++v) {
                                auto less = policy;
                                auto& verbs = less.roles[r].rules[i].verbs;
                                CAPTURE(policy.roles[r].name);
                                CAPTURE(policy.roles[r].rules[i].resource);
                                CAPTURE(verbs[v]);
                                verbs.erase(verbs.begin() + static_cast<std::ptrdiff_t>(v));
                                CHECK(std::any_of(here.begin(), here.end(), [&](const auto& p) {
                                    return needed_by_any(p, commands) && !rbac_allows(less, p);
                                }));
                            }
                        }
                    }
                    for (const auto& role : policy.roles) {
                        CAPTURE(role.name);
                        if (side == Side::staging) {
                            // No production in the staging cluster: no rule for the source
                            // namespace, nor for the source cluster's Portworx Service.
                            CHECK(role.ns != "prod");
                            CHECK(role.ns != "kube-system");
                            CHECK(role.name != "pxclone-orders-source");
                        } else {
                            // No staging environment in the source cluster: no staging role,
                            // nothing that makes a namespace, a PVC or a binding.
                            CHECK(role.name != staging_role_name(profile));
                            CHECK(role.ns != "portworx");
                            for (const auto& rule : role.rules) {
                                CAPTURE(rule.resource);
                                for (const auto& verb : rule.verbs) {
                                    CHECK_FALSE((verb == "create" &&
                                                 (rule.resource == "namespaces" ||
                                                  rule.resource == "persistentvolumeclaims" ||
                                                  rule.resource == "persistentvolumes" ||
                                                  rule.resource == "rolebindings")));
                                }
                            }
                        }
                    }
                }
                // A cluster the chosen commands need nothing of has no policy: snapshot only is
                // the source cluster's.
                if (commands == std::vector<std::string>{"snapshot"}) {
                    CHECK(policies.size() == 1);
                    CHECK(policies.front().cluster == Side::source);
                }
            }
        }
    }
}

TEST_CASE("output: a staging.cluster profile's RBAC per cluster, each part headed and labelled") {
    const auto profile = two_clusters(profile::SnapshotMethod::portworx);
    const auto policies = plan_rbac_per_cluster(
        profile,
        needed_permissions(pxclone::method::of(profile.snapshot.method), profile, k_manifests),
        options_for());
    REQUIRE(policies.size() == 2);
    std::ostringstream yaml;
    output::print_rbac_yaml(policies, yaml);
    const auto text = yaml.str();
    const auto source_at = text.find("# For the source cluster (context prod-eks) only");
    const auto staging_at = text.find("# For the staging cluster (context stg) only");
    REQUIRE(source_at != std::string::npos);
    REQUIRE(staging_at != std::string::npos);
    CHECK(source_at < staging_at);
    CHECK(text.find("kubectl --context stg apply -f -") != std::string::npos);
    // Each part's objects carry their cluster's label, and only the staging part makes
    // namespaces.
    const auto source_part = text.substr(0, staging_at);
    const auto staging_part = text.substr(staging_at);
    CHECK(source_part.find("pxclone.io/cluster: source") != std::string::npos);
    CHECK(source_part.find("pxclone.io/cluster: staging") == std::string::npos);
    CHECK(staging_part.find("pxclone.io/cluster: staging") != std::string::npos);
    CHECK(staging_part.find("pxclone.io/cluster: source") == std::string::npos);
    CHECK(staging_part.find("namespace: prod\n") == std::string::npos);
    CHECK(staging_part.find("(production)") == std::string::npos);
    std::ostringstream json;
    output::print_rbac_json(policies, json);
    const auto document = nlohmann::json::parse(json.str());
    REQUIRE(document["clusters"].size() == 2);
    CHECK(document["clusters"][0]["cluster"] == "source");
    CHECK(document["clusters"][0]["context"] == "prod-eks");
    CHECK(document["clusters"][1]["cluster"] == "staging");
    CHECK(document["clusters"][1]["context"] == "stg");
    for (const auto& cluster : document["clusters"]) {
        CHECK(cluster["list"]["kind"] == "List");
        for (const auto& item : cluster["list"]["items"]) {
            CHECK(item["metadata"]["labels"]["pxclone.io/cluster"] == cluster["cluster"]);
        }
    }
}
