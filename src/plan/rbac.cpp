#include "pxclone/plan/rbac.hpp"

#include "pxclone/error.hpp"
#include "pxclone/plan/lineage.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

namespace pxclone::plan {

namespace {

constexpr std::array<std::string_view, 9> k_verb_order{
    "get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "bind"};

std::size_t verb_rank(const std::string& verb) {
    const auto found = std::find(k_verb_order.begin(), k_verb_order.end(), verb);
    return static_cast<std::size_t>(found - k_verb_order.begin());
}

// Where a permission's rule goes: the cluster-wide roles apply everywhere (the staging one only
// without staging.role_binding: with it, only inside the staging namespaces).
enum class Home { source, other_namespace, cluster, staging };

bool everywhere(Home home, bool staging_bound_everywhere) {
    return home == Home::cluster || (home == Home::staging && staging_bound_everywhere);
}

// One verb on one resource (and maybe one object) in one role: the unit a rule is made of.
struct Grant {
    Home home = Home::cluster;
    std::string ns; // the Role's namespace (source, other_namespace)
    std::string group;
    std::string resource; // with "/subresource"
    std::string verb;
    std::string name; // "" any
    std::vector<std::string> why;

    auto key() const { return std::tie(home, ns, group, resource, verb, name); }
    // Whether this grant lets its holder do everything `other` grants.
    bool covers(const Grant& other, bool staging_bound_everywhere) const {
        return group == other.group && resource == other.resource && verb == other.verb &&
               (name.empty() || name == other.name) &&
               (everywhere(home, staging_bound_everywhere) ||
                (home == other.home && ns == other.ns));
    }
};

std::string resource_of(const Permission& permission) {
    return permission.subresource.empty() ? permission.resource
                                          : permission.resource + "/" + permission.subresource;
}

std::string kind_text(const std::string& group, const std::string& resource) {
    return group.empty() ? resource : fmt::format("{} ({})", resource, group);
}

Grant grant_of(const profile::Profile& profile, const Permission& permission,
               const RbacOptions& options) {
    Grant grant;
    grant.group = permission.group;
    grant.resource = resource_of(permission);
    grant.verb = permission.verb;
    grant.name = permission.name;
    const auto staging = staging_namespace_of(profile);
    // The staging namespace is made (or claimed from a pool) per run: only a fixed one can be
    // named.
    if ((!options.staging_name_fixed || !profile.staging.pool.empty()) && grant.name == staging) {
        grant.name.clear();
    }
    if (permission.before_binding) {
        // Asked before the staging RoleBinding exists: only the ClusterRole can allow it.
        grant.home = Home::cluster;
    } else if (!permission.ns.empty() && permission.ns == staging) {
        grant.home = Home::staging;
    } else if (!permission.ns.empty() && permission.ns == profile.source.source_namespace) {
        grant.home = Home::source;
        grant.ns = permission.ns;
    } else if (!permission.ns.empty()) {
        grant.home = Home::other_namespace;
        grant.ns = permission.ns;
    }
    return grant;
}

void add_unique(std::vector<std::string>& list, const std::string& item) {
    if (std::find(list.begin(), list.end(), item) == list.end()) {
        list.push_back(item);
    }
}

// The permissions some chosen command needs, with only the chosen commands' reasons.
std::vector<Permission> chosen(const std::vector<Permission>& needed,
                               const std::vector<std::string>& commands) {
    std::vector<Permission> result;
    for (const auto& permission : needed) {
        Permission kept = permission;
        kept.needed_by.clear();
        kept.why.clear();
        for (const auto& command : permission.needed_by) {
            if (std::find(commands.begin(), commands.end(), command) != commands.end()) {
                kept.needed_by.push_back(command);
            }
        }
        for (const auto& why : permission.why) {
            const auto command = why.substr(0, why.find(':'));
            if (std::find(commands.begin(), commands.end(), command) != commands.end()) {
                kept.why.push_back(why);
            }
        }
        if (!kept.needed_by.empty()) {
            result.push_back(std::move(kept));
        }
    }
    return result;
}

// Grants whose verbs apply to the same objects become one rule; named objects of the same
// verbs share one rule with their names.
std::vector<RbacRule> rules_of(const std::vector<Grant>& grants) {
    // (group, resource, name) → verbs and reasons.
    std::map<std::tuple<std::string, std::string, std::string>, RbacRule> by_object;
    std::vector<std::tuple<std::string, std::string, std::string>> order;
    for (const auto& grant : grants) {
        const auto key = std::make_tuple(grant.group, grant.resource, grant.name);
        auto [it, inserted] = by_object.try_emplace(key);
        if (inserted) {
            order.push_back(key);
            it->second.group = grant.group;
            it->second.resource = grant.resource;
            if (!grant.name.empty()) {
                it->second.names = {grant.name};
            }
        }
        add_unique(it->second.verbs, grant.verb);
        for (const auto& why : grant.why) {
            add_unique(it->second.why, why);
        }
    }
    std::vector<RbacRule> rules;
    for (const auto& key : order) {
        auto rule = by_object.at(key);
        std::sort(rule.verbs.begin(), rule.verbs.end(),
                  [](const auto& a, const auto& b) { return verb_rank(a) < verb_rank(b); });
        const auto same = std::find_if(rules.begin(), rules.end(), [&rule](const RbacRule& r) {
            return r.group == rule.group && r.resource == rule.resource && r.verbs == rule.verbs &&
                   !r.names.empty() && !rule.names.empty();
        });
        if (same != rules.end()) {
            same->names.insert(same->names.end(), rule.names.begin(), rule.names.end());
            for (const auto& why : rule.why) {
                add_unique(same->why, why);
            }
        } else {
            rules.push_back(std::move(rule));
        }
    }
    return rules;
}

std::vector<std::string> cluster_comments(const profile::Profile& profile,
                                          const std::vector<RbacRule>& rules,
                                          const RbacOptions& options) {
    std::vector<std::string> comments{
        "Cluster-scoped kinds (found by their labels: RBAC cannot narrow a list by label), and "
        "what teardown's finder still lists in every namespace (issue 18 scopes it to the "
        "staging namespaces as list and restore already are)."};
    const auto has = [&rules](const std::string& resource, const std::string& verb) {
        return std::any_of(rules.begin(), rules.end(), [&](const RbacRule& rule) {
            return rule.resource == resource && rule.names.empty() &&
                   std::find(rule.verbs.begin(), rule.verbs.end(), verb) != rule.verbs.end();
        });
    };
    if (has("namespaces", "create")) {
        comments.emplace_back(
            "create namespaces: a staging namespace's name is chosen at deploy-staging, and "
            "RBAC cannot narrow a create by name.");
    }
    if (has("rolebindings", "create")) {
        comments.push_back(fmt::format(
            "create rolebindings, bind clusterrole {0}: deploy-staging binds {0} to itself in "
            "the namespace it has just made (staging.role_binding); RBAC cannot narrow them to "
            "namespaces that do not exist yet, so they would let this identity bind that role "
            "in another namespace too. A ValidatingAdmissionPolicy refusing its RoleBindings "
            "outside namespaces labelled pxclone.io/role=staging closes that.",
            staging_role_name(profile)));
    }
    if ((has("persistentvolumes", "delete") || has("persistentvolumes", "patch")) &&
        options.cluster == Side::staging) {
        comments.emplace_back(
            "patch/delete persistentvolumes: PVs are cluster-scoped and named by the cluster "
            "(pvc-<uid>), so this reaches every PV of the staging cluster; pxclone deletes only "
            "PVs that carry its labels.");
    } else if (has("persistentvolumes", "delete") || has("persistentvolumes", "patch")) {
        comments.emplace_back(
            "patch/delete persistentvolumes: PVs are cluster-scoped and named by the cluster "
            "(pvc-<uid>), so this reaches production's PVs too; pxclone deletes only PVs that "
            "carry its labels.");
    }
    return comments;
}

std::vector<std::string> staging_comments(const profile::Profile& profile,
                                          const RbacOptions& options) {
    if (!profile.staging.pool.empty()) {
        return {
            fmt::format("What the commands do inside the namespaces of pool {} (labelled {}={}): "
                        "claiming one (a patch of its labels), working in it, emptying and "
                        "releasing it.",
                        profile.staging.pool, k_pool_key, profile.staging.pool),
            fmt::format("Not bound here: the admin binds it to this ServiceAccount with a "
                        "RoleBinding in each pool namespace when creating it, so none of these "
                        "verbs applies anywhere else, namespace {} (production) included. "
                        "pxclone creates, binds and deletes no namespace.",
                        profile.source.source_namespace),
            "patch namespaces: granted through that RoleBinding, it reaches only the pool "
            "namespace itself (RBAC cannot narrow a patch by label; the binding narrows it by "
            "namespace). --admission-policy also denies this identity any namespace update that "
            "lacks or drops the pool label.",
        };
    }
    if (options.cluster == Side::staging) {
        // The staging cluster of its own holds no production namespace.
        return {
            fmt::format("What the commands do inside the staging namespaces ({}) of the staging "
                        "cluster.",
                        options.staging_name_fixed ? profile.staging.staging_namespace
                                                   : "one per run, staging.namespace"),
            profile.staging.role_binding
                ? fmt::format("Not bound here: deploy-staging binds it to ServiceAccount {}/{} "
                              "with a RoleBinding inside each staging namespace it creates "
                              "(staging.role_binding), so none of these verbs applies anywhere "
                              "else in the staging cluster.",
                              profile.staging.role_binding->ns, profile.staging.role_binding->name)
                : "Bound cluster-wide in the staging cluster: a staging namespace does not exist "
                  "before deploy-staging, so no Role can be put there in advance. Set "
                  "staging.role_binding to have deploy-staging bind it inside each staging "
                  "namespace instead.",
        };
    }
    if (profile.staging.role_binding) {
        return {
            fmt::format("What the commands do inside the staging namespaces ({}).",
                        options.staging_name_fixed ? profile.staging.staging_namespace
                                                   : "one per run, staging.namespace"),
            fmt::format("Not bound here: deploy-staging binds it to ServiceAccount {}/{} with a "
                        "RoleBinding inside each staging namespace it creates "
                        "(staging.role_binding), so none of these verbs applies anywhere else, "
                        "namespace {} (production) included.",
                        profile.staging.role_binding->ns, profile.staging.role_binding->name,
                        profile.source.source_namespace),
        };
    }
    return {
        fmt::format("What the commands do inside the staging namespaces ({}).",
                    options.staging_name_fixed ? profile.staging.staging_namespace
                                               : "one per run, staging.namespace"),
        "Bound cluster-wide TODAY: a staging namespace does not exist before deploy-staging, so "
        "no Role or RoleBinding can be put there in advance and these writes cannot be narrowed "
        "by namespace or name.",
        fmt::format("They therefore also apply in namespace {} (production): only pxclone's own "
                    "care (it writes and deletes only objects carrying its labels) protects it "
                    "from this ClusterRole.",
                    profile.source.source_namespace),
        "Set staging.role_binding in the profile to have deploy-staging bind this ClusterRole "
        "inside each staging namespace instead: that removes it.",
    };
}

} // namespace

const std::vector<std::string>& rbac_commands() {
    static const std::vector<std::string> k_commands{"snapshot", "deploy-staging", "restore",
                                                     "teardown", "list",           "extend",
                                                     "refresh",  "validate"};
    return k_commands;
}

bool is_write_verb(const std::string& verb) {
    return verb != "get" && verb != "list" && verb != "watch";
}

RbacPolicy plan_rbac(const profile::Profile& profile, const std::vector<Permission>& needed,
                     const RbacOptions& options) {
    RbacPolicy policy;
    policy.cluster = options.cluster;
    policy.context = options.context;
    policy.staging_namespace = staging_namespace_of(profile);
    policy.service_account_namespace = options.service_account_namespace;
    policy.service_account_name = options.service_account_name;
    policy.commands = options.commands.empty() ? rbac_commands() : options.commands;
    for (const auto& command : policy.commands) {
        if (std::find(rbac_commands().begin(), rbac_commands().end(), command) ==
            rbac_commands().end()) {
            throw UsageError(fmt::format("rbac: unknown command '{}' in --commands", command),
                             fmt::format("choose among {}", fmt::join(rbac_commands(), ",")));
        }
    }

    // Each permission as a grant in its role, each distinct grant once.
    std::vector<Grant> grants;
    for (const auto& permission : chosen(needed, policy.commands)) {
        auto grant = grant_of(profile, permission, options);
        auto same = std::find_if(grants.begin(), grants.end(),
                                 [&grant](const Grant& g) { return g.key() == grant.key(); });
        if (same == grants.end()) {
            grant.why = permission.why;
            grants.push_back(std::move(grant));
        } else {
            for (const auto& why : permission.why) {
                add_unique(same->why, why);
            }
        }
    }
    // Leave out what another grant gives already (its reasons go there, for the reader); of two
    // that give each other, the ClusterRole's stays.
    std::vector<bool> dropped(grants.size(), false);
    std::vector<std::string> source_elsewhere;
    const bool staging_everywhere = !profile.staging.scoped();
    for (std::size_t i = 0; i < grants.size(); ++i) {
        for (std::size_t j = 0; j < grants.size(); ++j) {
            if (i == j || dropped[j] || !grants[j].covers(grants[i], staging_everywhere)) {
                continue;
            }
            const bool mutual = grants[i].covers(grants[j], staging_everywhere);
            if (mutual && !(grants[j].home == Home::cluster && grants[i].home != Home::cluster)) {
                continue;
            }
            dropped[i] = true;
            for (const auto& why : grants[i].why) {
                add_unique(grants[j].why, why);
            }
            if (grants[i].home == Home::source) {
                add_unique(source_elsewhere,
                           fmt::format("{} {}", grants[i].verb,
                                       kind_text(grants[i].group, grants[i].resource)));
            }
            break;
        }
    }
    const auto rules_in = [&](Home home, const std::string& ns) {
        std::vector<Grant> kept;
        for (std::size_t i = 0; i < grants.size(); ++i) {
            if (!dropped[i] && grants[i].home == home && grants[i].ns == ns) {
                kept.push_back(grants[i]);
            }
        }
        return rules_of(kept);
    };

    const auto prefix = "pxclone-" + profile.name;
    const auto& source = profile.source.source_namespace;
    RbacRole source_role{prefix + "-source",
                         false,
                         source,
                         {fmt::format("Production: namespace {}. Read-only, but for the "
                                      "VolumeSnapshots that method csi makes there (pxclone's "
                                      "own, labelled; RBAC cannot tell them from others).",
                                      source)},
                         rules_in(Home::source, source)};
    if (!source_elsewhere.empty()) {
        source_role.comments.push_back(fmt::format(
            "Granted in {} by the ClusterRoles below already, so not repeated here: {}.", source,
            fmt::join(source_elsewhere, ", ")));
    }
    if (!source_role.rules.empty()) {
        policy.roles.push_back(std::move(source_role));
    } else if (options.cluster != Side::staging) {
        policy.comments.insert(policy.comments.end(), source_role.comments.begin(),
                               source_role.comments.end());
        policy.comments.push_back(fmt::format("No Role in namespace {}: nothing is needed there "
                                              "beyond what the ClusterRoles grant.",
                                              source));
    }
    std::set<std::string> others;
    for (std::size_t i = 0; i < grants.size(); ++i) {
        if (!dropped[i] && grants[i].home == Home::other_namespace) {
            others.insert(grants[i].ns);
        }
    }
    for (const auto& ns : others) {
        policy.roles.push_back({fmt::format("{}-{}", prefix, ns),
                                false,
                                ns,
                                {fmt::format("Namespace {}: only the objects named here "
                                             "(the Portworx API's service proxy, a token Secret).",
                                             ns)},
                                rules_in(Home::other_namespace, ns)});
    }
    auto cluster_rules = rules_in(Home::cluster, "");
    if (!cluster_rules.empty()) {
        policy.roles.push_back({prefix, true, "", cluster_comments(profile, cluster_rules, options),
                                std::move(cluster_rules)});
    }
    auto staging_rules = rules_in(Home::staging, "");
    if (!staging_rules.empty()) {
        policy.roles.push_back({staging_role_name(profile), true, "",
                                staging_comments(profile, options), std::move(staging_rules),
                                !profile.staging.scoped()});
    }
    return policy;
}

std::vector<RbacPolicy> plan_rbac_per_cluster(const profile::Profile& profile,
                                              const std::vector<Permission>& needed,
                                              const RbacOptions& options) {
    std::vector<RbacPolicy> policies;
    for (const auto side : {Side::source, Side::staging}) {
        auto on = options;
        on.cluster = side;
        on.context = side == Side::staging && profile.staging.cluster
                         ? profile.staging.cluster->cluster.context
                         : profile.cluster.context;
        auto policy = plan_rbac(profile, on_side(needed, side), on);
        if (!policy.roles.empty()) {
            policies.push_back(std::move(policy));
        }
    }
    return policies;
}

namespace {

// The admission operation of a write verb; "" for one that sends no object through admission.
std::string admission_operation(const std::string& verb) {
    if (verb == "create") {
        return "CREATE";
    }
    if (verb == "update" || verb == "patch") {
        return "UPDATE";
    }
    if (verb == "delete" || verb == "deletecollection") {
        return "DELETE";
    }
    return ""; // bind: an authorization check only
}

// CEL: whether `labels` (an expression of a metadata.labels map's owner) has key = value. `in`
// first: indexing a map with an absent key is an error, which failurePolicy Fail would turn into
// a denial with a less clear message.
std::string cel_label(const std::string& owner, std::string_view key, std::string_view value) {
    return fmt::format("'{1}' in {0}.metadata.labels && {0}.metadata.labels['{1}'] == '{2}'", owner,
                       key, value);
}

std::string cel_managed(const std::string& owner) {
    return fmt::format("has({}.metadata.labels) && {}", owner,
                       cel_label(owner, k_managed_by_key, k_managed_by_value));
}

} // namespace

AdmissionPolicy plan_admission_policy(const profile::Profile& profile, const RbacPolicy& policy) {
    AdmissionPolicy admission;
    admission.name = "pxclone-" + profile.name;
    admission.username = fmt::format("system:serviceaccount:{}:{}",
                                     policy.service_account_namespace, policy.service_account_name);
    // (group, resource) → operations, in the order the roles name them.
    std::vector<std::pair<std::pair<std::string, std::string>, std::vector<std::string>>> written;
    for (const auto& role : policy.roles) {
        for (const auto& rule : role.rules) {
            // The Portworx SDK through the service proxy is a CONNECT: no object to judge.
            if (rule.resource.size() > 6 &&
                rule.resource.compare(rule.resource.size() - 6, 6, "/proxy") == 0) {
                continue;
            }
            for (const auto& verb : rule.verbs) {
                const auto operation = admission_operation(verb);
                if (!is_write_verb(verb) || operation.empty()) {
                    continue;
                }
                const auto key = std::make_pair(rule.group, rule.resource);
                auto found = std::find_if(written.begin(), written.end(),
                                          [&key](const auto& entry) { return entry.first == key; });
                if (found == written.end()) {
                    written.push_back({key, {}});
                    found = std::prev(written.end());
                }
                add_unique(found->second, operation);
            }
        }
    }
    const std::array<std::string, 3> order{"CREATE", "UPDATE", "DELETE"};
    bool updates_pvs = false;
    bool writes_bindings = false;
    for (auto& [key, operations] : written) {
        std::sort(operations.begin(), operations.end(), [&order](const auto& a, const auto& b) {
            return std::find(order.begin(), order.end(), a) <
                   std::find(order.begin(), order.end(), b);
        });
        updates_pvs = updates_pvs || (key.second == "persistentvolumes" &&
                                      std::find(operations.begin(), operations.end(), "UPDATE") !=
                                          operations.end());
        writes_bindings = writes_bindings || key.second == "rolebindings";
        auto same = std::find_if(
            admission.rules.begin(), admission.rules.end(), [&](const AdmissionRule& rule) {
                return rule.group == key.first && rule.operations == operations;
            });
        if (same == admission.rules.end()) {
            admission.rules.push_back({key.first, {key.second}, operations});
        } else {
            same->resources.push_back(key.second);
        }
    }

    const auto subresource = std::string("has(request.subResource) && request.subResource != ''");
    const auto staging_namespace =
        fmt::format("has(namespaceObject.metadata.labels) && {} && {} && {}",
                    cel_label("namespaceObject", k_managed_by_key, k_managed_by_value),
                    cel_label("namespaceObject", k_role_key, role_name(Role::staging)),
                    cel_label("namespaceObject", k_profile_key, profile.name));
    // A DELETE has only oldObject, an UPDATE both: the label must be on what exists.
    auto owned = fmt::format("request.operation == 'CREATE' || ({}) || ({})", subresource,
                             cel_managed("oldObject"));
    if (updates_pvs) {
        // Method csi labels the PV the CSI driver provisioned for a staging PVC (it has no labels
        // yet): allowed when nothing but the metadata changes, the labels become pxclone's, and
        // the PV's claim is in a namespace where this identity may create PVCs (with
        // staging.role_binding, only the staging namespaces) other than the source namespace.
        owned += fmt::format(
            " || (request.resource.resource == 'persistentvolumes' && request.operation == "
            "'UPDATE' && object.spec == oldObject.spec && ({}) && has(oldObject.spec.claimRef) && "
            "oldObject.spec.claimRef.namespace != '{}' && "
            "authorizer.group('').resource('persistentvolumeclaims')"
            ".namespace(oldObject.spec.claimRef.namespace).check('create').allowed())",
            cel_managed("object"), profile.source.source_namespace);
    }
    if (!profile.staging.pool.empty()) {
        // staging.pool: claiming a namespace is an update of a namespace without pxclone's labels
        // (the admin's): allowed when it carries the pool label before and after.
        owned += fmt::format(" || (request.resource.resource == 'namespaces' && ({}) && ({}))",
                             fmt::format("has(oldObject.metadata.labels) && {}",
                                         cel_label("oldObject", k_pool_key, profile.staging.pool)),
                             fmt::format("has(object.metadata.labels) && {}",
                                         cel_label("object", k_pool_key, profile.staging.pool)));
        admission.validations.push_back(
            {fmt::format("request.resource.resource != 'namespaces' || request.operation != "
                         "'UPDATE' || (has(oldObject.metadata.labels) && {} && "
                         "has(object.metadata.labels) && {})",
                         cel_label("oldObject", k_pool_key, profile.staging.pool),
                         cel_label("object", k_pool_key, profile.staging.pool)),
             fmt::format("pxclone changes only namespaces of its pool (labelled {}={}) and never "
                         "their pool label",
                         k_pool_key, profile.staging.pool)});
    }
    admission.validations.push_back(
        {owned, fmt::format("pxclone changes and deletes only objects labelled {}={}",
                            k_managed_by_key, k_managed_by_value)});
    // A subresource (statefulsets/scale) carries no labels of its parent: judged by namespace.
    admission.validations.push_back(
        {fmt::format("!({}) || ({})", subresource, staging_namespace),
         fmt::format("pxclone scales workloads only in its staging namespaces of profile {}",
                     profile.name)});
    if (writes_bindings) {
        admission.validations.push_back(
            {fmt::format("request.resource.resource != 'rolebindings' || request.operation == "
                         "'DELETE' || (({}) && object.roleRef.kind == 'ClusterRole' && "
                         "object.roleRef.name == '{}')",
                         staging_namespace, staging_role_name(profile)),
             fmt::format("pxclone binds only ClusterRole {} and only in its staging namespaces "
                         "(labelled {}={}, {}={}, {}={})",
                         staging_role_name(profile), k_managed_by_key, k_managed_by_value,
                         k_role_key, role_name(Role::staging), k_profile_key, profile.name)});
    }

    admission.comments = {
        fmt::format("ValidatingAdmissionPolicy (--admission-policy): what RBAC cannot narrow. "
                    "Requests of {} only (matchCondition) that update or delete an object "
                    "without the label {}={} are denied{}.",
                    admission.username, k_managed_by_key, k_managed_by_value,
                    writes_bindings ? ", and so are its RoleBindings outside its staging "
                                      "namespaces (labelled by deploy-staging) or of another role"
                    : profile.staging.pool.empty()
                        ? ""
                        : fmt::format(", and so is an update of a namespace that does not carry "
                                      "{}={} before and after (claiming and releasing a pool "
                                      "namespace are such updates)",
                                      k_pool_key, profile.staging.pool)),
        "admissionregistration.k8s.io/v1: Kubernetes 1.30 and later. 1.28-1.29 serve it as "
        "v1beta1 only with the feature gate ValidatingAdmissionPolicy and that API version "
        "enabled; 1.26-1.27 as v1alpha1, which lacks matchConditions and namespaceObject: change "
        "apiVersion on both objects, or do without the policy.",
        "Creating is not judged (but RoleBindings): pxclone labels everything it makes, and the "
        "VolumeSnapshots method csi makes in the source namespace are such creates.",
    };
    if (updates_pvs) {
        admission.comments.emplace_back(
            "persistentvolumes: a PV the CSI driver provisioned for a staging PVC may be labelled "
            "(metadata only) when its claim's namespace is one where this identity may create "
            "PVCs; without staging.role_binding that is every namespace but the source one.");
    }
    return admission;
}

bool rbac_allows(const RbacPolicy& policy, const Permission& permission) {
    const auto resource = resource_of(permission);
    for (const auto& role : policy.roles) {
        if (!role.cluster && role.ns != permission.ns) {
            continue;
        }
        // Bound by deploy-staging inside the staging namespace, once it exists.
        if (!role.bound && (permission.before_binding || permission.ns.empty() ||
                            permission.ns != policy.staging_namespace)) {
            continue;
        }
        for (const auto& rule : role.rules) {
            const bool named =
                rule.names.empty() ||
                (!permission.name.empty() && std::find(rule.names.begin(), rule.names.end(),
                                                       permission.name) != rule.names.end());
            if (rule.group == permission.group && rule.resource == resource && named &&
                std::find(rule.verbs.begin(), rule.verbs.end(), permission.verb) !=
                    rule.verbs.end()) {
                return true;
            }
        }
    }
    return false;
}

} // namespace pxclone::plan
