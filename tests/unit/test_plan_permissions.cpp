#include "pxclone/method/method.hpp"
#include "pxclone/plan/permissions.hpp"

#include <algorithm>
#include <set>
#include <tuple>

#include <doctest/doctest.h>

using namespace pxclone;
using namespace pxclone::plan;

namespace {

profile::Profile orders(profile::SnapshotMethod method = profile::SnapshotMethod::portworx) {
    profile::Profile profile;
    profile.name = "orders";
    profile.source.source_namespace = "prod";
    profile.source.pvcs = {"mongo-data-mongo-0"};
    profile.snapshot.method = method;
    profile.snapshot.snapshot_class = "px-csi-snapclass";
    profile.staging.staging_namespace = "orders-stg-7";
    return profile;
}

// "verb resource[.group][/sub] ns [name]" of each permission, for readable checks.
std::set<std::string> lines_of(const std::vector<Permission>& permissions) {
    std::set<std::string> lines;
    for (const auto& p : permissions) {
        auto line = p.verb + " " + (p.group.empty() ? p.resource : p.resource + "." + p.group);
        if (!p.subresource.empty()) {
            line += "/" + p.subresource;
        }
        line += " @" + p.ns;
        if (!p.name.empty()) {
            line += " " + p.name;
        }
        lines.insert(line);
    }
    return lines;
}

const Permission& find(const std::vector<Permission>& permissions, const std::string& verb,
                       const std::string& resource, const std::string& ns) {
    const auto found = std::find_if(permissions.begin(), permissions.end(), [&](const auto& p) {
        return p.verb == verb && p.resource == resource && p.ns == ns && p.subresource.empty();
    });
    REQUIRE(found != permissions.end());
    return *found;
}

const std::vector<k8s::Resource> k_manifests{k8s::resource_of("Service"),
                                             k8s::resource_of("StatefulSet")};

} // namespace

TEST_CASE("needed_permissions: method portworx through the service proxy") {
    const auto needed = needed_permissions(method::portworx(), orders(), k_manifests);
    const auto lines = lines_of(needed);
    // Each distinct question once.
    CHECK(lines.size() == needed.size());
    for (const char* line : {
             // snapshot: discover_snapshot (source.pvcs by name), the PVs; the SDK via the proxy.
             "get persistentvolumeclaims @prod",
             "get persistentvolumes @",
             "get services/proxy @kube-system portworx-api:9021",
             "create services/proxy @kube-system portworx-api:9021",
             "delete services/proxy @kube-system portworx-api:9021",
             // retention and teardown: exec::find_run_objects lists by labels everywhere.
             "list deployments.apps @",
             "list statefulsets.apps @",
             "list jobs.batch @",
             "list persistentvolumeclaims @",
             "list namespaces @",
             // deploy-staging: the namespace, the clone's PV and PVC, Bound, ready-at.
             "get namespaces @orders-stg-7 orders-stg-7",
             "create namespaces @",
             "create persistentvolumes @",
             "create persistentvolumeclaims @orders-stg-7",
             "watch persistentvolumeclaims @orders-stg-7",
             "patch namespaces @orders-stg-7 orders-stg-7",
             // the manifests: server-side apply is a patch, and a create for a new object.
             "patch services @orders-stg-7",
             "create services @orders-stg-7",
             "patch statefulsets.apps @orders-stg-7",
             "watch statefulsets.apps @orders-stg-7",
             // restore: replicas recorded, scaled through the subresource, pods gone.
             "patch statefulsets.apps/scale @orders-stg-7",
             "patch deployments.apps/scale @orders-stg-7",
             "watch pods @orders-stg-7",
             "watch persistentvolumes @",
             // teardown.
             "delete persistentvolumes @",
             "delete namespaces @orders-stg-7 orders-stg-7",
             "watch namespaces @ orders-stg-7",
         }) {
        CAPTURE(line);
        CHECK(lines.count(line) == 1);
    }
    // Nothing of the CSI snapshot API (a portworx cluster may not even have its CRDs); no masking
    // job (nor its ConfigMap, made only for mask.files), no token Secret.
    for (const auto& line : lines) {
        CAPTURE(line);
        CHECK(line.find("volumesnapshot") == std::string::npos);
        CHECK(line.find("create jobs.batch") == std::string::npos);
        CHECK(line.find("configmaps") == std::string::npos);
        CHECK(line.find("secrets") == std::string::npos);
        CHECK(line.find("pods/log") == std::string::npos);
    }
    const auto& pv_delete = find(needed, "delete", "persistentvolumes", "");
    CHECK(pv_delete.needed_by ==
          std::vector<std::string>{"deploy-staging", "restore", "teardown", "refresh"});
    CHECK(pv_delete.describe() == "delete persistentvolumes at the cluster scope");
    CHECK(find(needed, "get", "persistentvolumeclaims", "prod").needed_by ==
          std::vector<std::string>{"snapshot", "deploy-staging", "restore", "refresh", "validate"});
    // list and validate --online read only.
    for (const auto& permission : needed) {
        const auto& by = permission.needed_by;
        const bool reader_only = std::all_of(by.begin(), by.end(), [](const std::string& c) {
            return c == "list" || c == "validate";
        });
        if (reader_only && permission.subresource != "proxy") {
            CAPTURE(permission.describe());
            CHECK((permission.verb == "get" || permission.verb == "list"));
        }
    }
    CHECK(find(needed, "get", "namespaces", "orders-stg-7").needed_by ==
          std::vector<std::string>{"deploy-staging", "restore", "refresh", "validate"});
    // extend patches the staging namespace (its expiry) and nothing else; refresh does what
    // snapshot, restore and extend do.
    CHECK(find(needed, "patch", "namespaces", "orders-stg-7").needed_by ==
          std::vector<std::string>{"deploy-staging", "restore", "extend", "refresh"});
    for (const auto& permission : needed) {
        const auto& by = permission.needed_by;
        if (std::find(by.begin(), by.end(), "extend") != by.end()) {
            CAPTURE(permission.describe());
            CHECK((permission.verb == "list" ||
                   (permission.verb == "patch" && permission.name == "orders-stg-7")));
        }
    }
}

TEST_CASE(
    "needed_permissions: method csi, a selector, a direct endpoint, a Secret token, masking") {
    auto profile = orders(profile::SnapshotMethod::csi);
    profile.source.pvcs.clear();
    profile.source.selector = {{"app", "mongo"}};
    profile.portworx.endpoint = px::parse_endpoint("https://px.example:9021");
    profile.portworx.token = profile::KubeSecret{"kube-system", "px-token", "token"};
    profile.staging.mask = profile::Mask{};
    profile.staging.mask->files = {"mask.js"};
    const auto needed = needed_permissions(method::csi(), profile, {});
    const auto lines = lines_of(needed);
    for (const char* line : {
             "list persistentvolumeclaims @prod",
             "create volumesnapshots.snapshot.storage.k8s.io @prod",
             "watch volumesnapshots.snapshot.storage.k8s.io @prod",
             "delete volumesnapshots.snapshot.storage.k8s.io @prod",
             "list volumesnapshots.snapshot.storage.k8s.io @",
             "get volumesnapshotcontents.snapshot.storage.k8s.io @",
             "create volumesnapshotcontents.snapshot.storage.k8s.io @",
             "create volumesnapshots.snapshot.storage.k8s.io @orders-stg-7",
             "patch persistentvolumes @",
             "get secrets @kube-system px-token",
             "create jobs.batch @orders-stg-7",
             "create configmaps @orders-stg-7",
             "get pods/log @orders-stg-7",
         }) {
        CAPTURE(line);
        CHECK(lines.count(line) == 1);
    }
    CHECK(lines.count("get persistentvolumeclaims @prod") == 1); // describe_set reads by name
    CHECK(lines.count("create persistentvolumes @") == 0);       // the provisioner makes them
    for (const auto& line : lines) {
        CAPTURE(line);
        CHECK(line.find("services/proxy") == std::string::npos);
    }
    CHECK(find(needed, "list", "volumesnapshots", "").describe() ==
          "list volumesnapshots.snapshot.storage.k8s.io in all namespaces");
}

TEST_CASE("Permission::describe names the verb, the resource and where") {
    Permission scale{.verb = "patch",
                     .group = "apps",
                     .resource = "statefulsets",
                     .subresource = "scale",
                     .namespaced = true,
                     .ns = "orders-stg-7",
                     .name = "",
                     .needed_by = {},
                     .why = {}};
    CHECK(scale.describe() == "patch statefulsets.apps/scale in namespace orders-stg-7");
    Permission ns{.verb = "delete",
                  .group = "",
                  .resource = "namespaces",
                  .subresource = "",
                  .namespaced = false,
                  .ns = "orders-stg-7",
                  .name = "orders-stg-7",
                  .needed_by = {},
                  .why = {}};
    CHECK(ns.describe() == "delete namespaces \"orders-stg-7\" in namespace orders-stg-7");
    ns.verb = "create";
    ns.ns.clear();
    ns.name.clear();
    CHECK(ns.describe() == "create namespaces at the cluster scope");
}

TEST_CASE("needed_permissions: the masking job's ConfigMap only for mask.files") {
    auto profile = orders();
    profile.staging.mask = profile::Mask{};
    const auto without_files = lines_of(needed_permissions(method::portworx(), profile, {}));
    CHECK(without_files.count("create jobs.batch @orders-stg-7") == 1);
    CHECK(without_files.count("create configmaps @orders-stg-7") == 0);
    CHECK(without_files.count("get configmaps @orders-stg-7") == 0);
    profile.staging.mask->files = {"mask.js"};
    const auto with_files = lines_of(needed_permissions(method::portworx(), profile, {}));
    CHECK(with_files.count("create configmaps @orders-stg-7") == 1);
    CHECK(with_files.count("get configmaps @orders-stg-7") == 1);
}

TEST_CASE("needed_permissions: staging.role_binding binds the staging role, asked before it") {
    auto profile = orders();
    CHECK(staging_role_name(profile) == "pxclone-orders-staging");
    const auto& method = pxclone::method::of(profile.snapshot.method);
    const auto without = needed_permissions(method, profile, k_manifests);
    CHECK(std::none_of(without.begin(), without.end(), [](const Permission& p) {
        return p.before_binding || p.resource == "rolebindings" || p.verb == "bind";
    }));

    profile.staging.role_binding = profile::ServiceAccountRef{"ci", "pxclone"};
    const auto needed = needed_permissions(method, profile, k_manifests);
    const auto lines = lines_of(needed);
    CHECK(lines.count("create rolebindings.rbac.authorization.k8s.io @orders-stg-7") == 1);
    // (RBAC asks it in the binding's namespace; a ClusterRole is cluster-scoped, and only a
    // cluster-wide grant can allow it before the namespace exists.)
    CHECK(lines.count("bind clusterroles.rbac.authorization.k8s.io @ pxclone-orders-staging") == 1);
    // What deploy-staging and validate ask in the staging namespace before the binding is
    // there: the namespace's check, the binding itself.
    std::set<std::string> early;
    for (const auto& p : needed) {
        if (p.before_binding) {
            early.insert(p.verb + " " + p.resource);
        }
    }
    CHECK(early ==
          std::set<std::string>{"bind clusterroles", "create rolebindings", "get namespaces"});
    CHECK(find(needed, "bind", "clusterroles", "").describe() ==
          "bind clusterroles.rbac.authorization.k8s.io \"pxclone-orders-staging\" at the cluster "
          "scope");
}

TEST_CASE("needed_permissions: without staging.role_binding list reads PVCs across the cluster") {
    // The identity holds its staging rights in every namespace then: one list reads the lot.
    const auto profile = orders(profile::SnapshotMethod::portworx);
    const auto needed =
        needed_permissions(pxclone::method::of(profile.snapshot.method), profile, {});
    const auto& pvcs = find(needed, "list", "persistentvolumeclaims", "");
    CHECK(std::find(pvcs.needed_by.begin(), pvcs.needed_by.end(), "list") != pvcs.needed_by.end());
}

TEST_CASE("needed_permissions: with staging.role_binding no command lists a namespaced kind "
          "across the cluster") {
    // The catalog (exec::CatalogScope::staging_only) and teardown's finders
    // (plan::TeardownTarget::staging_only, exec::find_run_objects) list namespaced kinds inside
    // the staging namespaces only: a cluster-wide list would need a ClusterRole reading production.
    for (const auto method : {profile::SnapshotMethod::portworx, profile::SnapshotMethod::csi}) {
        auto profile = orders(method);
        profile.staging.role_binding = profile::ServiceAccountRef{"ci", "pxclone"};
        const auto needed =
            needed_permissions(pxclone::method::of(profile.snapshot.method), profile, k_manifests);
        for (const auto& p : needed) {
            CAPTURE(p.describe());
            CHECK_FALSE((p.namespaced && p.ns.empty() && (p.verb == "list" || p.verb == "watch")));
        }
        // Teardown's finders read the run's objects in the staging namespace instead (and the
        // namespaces, cluster-scoped, to see which a PV's claim names still exist).
        const auto lines = lines_of(needed);
        for (const auto* line :
             {"list deployments.apps @orders-stg-7", "list statefulsets.apps @orders-stg-7",
              "list jobs.batch @orders-stg-7", "list persistentvolumeclaims @orders-stg-7",
              "list namespaces @", "list persistentvolumes @"}) {
            CAPTURE(line);
            CHECK(lines.count(line) == 1);
        }
        for (const auto* command : {"snapshot", "deploy-staging", "teardown"}) {
            CAPTURE(command);
            const auto& by = find(needed, "list", "deployments", "orders-stg-7").needed_by;
            CHECK(std::find(by.begin(), by.end(), command) != by.end());
        }
        if (method == profile::SnapshotMethod::csi) {
            // A staging run's VolumeSnapshots in its namespace; a set's in the source namespace.
            CHECK(lines.count("list volumesnapshots.snapshot.storage.k8s.io @orders-stg-7") == 1);
            CHECK(lines.count("list volumesnapshots.snapshot.storage.k8s.io @prod") == 1);
        }
    }
}

TEST_CASE("needed_permissions: without staging.role_binding teardown's finders list across the "
          "cluster") {
    // The identity holds its staging rights in every namespace then: one list per kind.
    const auto profile = orders(profile::SnapshotMethod::csi);
    const auto needed =
        needed_permissions(pxclone::method::of(profile.snapshot.method), profile, {});
    for (const auto* resource :
         {"deployments", "statefulsets", "jobs", "persistentvolumeclaims", "volumesnapshots"}) {
        CAPTURE(resource);
        const auto& by = find(needed, "list", resource, "").needed_by;
        CHECK(std::find(by.begin(), by.end(), "teardown") != by.end());
    }
}

TEST_CASE("needed_permissions: deploy-staging lists the source PVCs and PVs only for a set of more "
          "than k_source_gets_at_most") {
    // discover::describe_set reads up to 8 source volumes with a GET each and lists beyond: under
    // staging.role_binding nothing else grants that list in the source namespace.
    auto profile = orders();
    profile.staging.role_binding = profile::ServiceAccountRef{"ci", "pxclone"};
    const auto deploy_lists = [&profile](const std::string& resource, const std::string& ns) {
        const auto needed =
            needed_permissions(pxclone::method::of(profile.snapshot.method), profile, k_manifests);
        return std::any_of(needed.begin(), needed.end(), [&](const Permission& p) {
            return p.verb == "list" && p.resource == resource && p.ns == ns &&
                   std::count(p.needed_by.begin(), p.needed_by.end(), "deploy-staging") == 1;
        });
    };
    profile.source.pvcs.assign(k_source_gets_at_most, "data");
    CHECK_FALSE(deploy_lists("persistentvolumeclaims", "prod"));
    profile.source.pvcs.assign(k_source_gets_at_most + 1, "data");
    CHECK(deploy_lists("persistentvolumeclaims", "prod"));
    CHECK(deploy_lists("persistentvolumes", ""));
    profile.source.pvcs.clear(); // a selector: the count is known only when it runs
    CHECK(deploy_lists("persistentvolumeclaims", "prod"));
}

namespace {

// orders with a staging cluster of its own (context stg), its Portworx through that cluster's
// service proxy with a token Secret there, the source's through the source cluster's.
profile::Profile two_clusters(profile::SnapshotMethod method = profile::SnapshotMethod::portworx) {
    auto profile = orders(method);
    profile.portworx.token = profile::KubeSecret{"kube-system", "px-token", "token"};
    profile::StagingCluster staging;
    staging.cluster.context = "stg";
    staging.portworx.endpoint = px::parse_endpoint("service:portworx/px-api:9021");
    staging.portworx.token = profile::KubeSecret{"portworx", "px-token-b", "token"};
    profile.staging.cluster = staging;
    profile.transfer = profile::Transfer{};
    profile.transfer->source_credential = "s3";
    profile.transfer->staging_credential = "s3";
    return profile;
}

bool needed_by(const Permission& permission, std::string_view command) {
    return std::find(permission.needed_by.begin(), permission.needed_by.end(), command) !=
           permission.needed_by.end();
}

} // namespace

TEST_CASE("needed_permissions: one cluster, every permission is the source cluster's") {
    for (const auto method : {profile::SnapshotMethod::portworx, profile::SnapshotMethod::csi}) {
        const auto profile = orders(method);
        const auto needed =
            needed_permissions(pxclone::method::of(profile.snapshot.method), profile, k_manifests);
        CHECK(on_side(needed, Side::source).size() == needed.size());
        CHECK(on_side(needed, Side::staging).empty());
    }
}

TEST_CASE("needed_permissions: a staging.cluster profile's deploy-staging, restore, teardown --run "
          "and extend need nothing in the source cluster, snapshot nothing in the staging one") {
    for (const auto method : {profile::SnapshotMethod::portworx, profile::SnapshotMethod::csi}) {
        for (const bool bound : {false, true}) {
            CAPTURE(profile::method_name(method));
            CAPTURE(bound);
            auto profile = two_clusters(method);
            if (bound) {
                profile.staging.role_binding = profile::ServiceAccountRef{"ci", "pxclone"};
            }
            const auto needed = needed_permissions(pxclone::method::of(profile.snapshot.method),
                                                   profile, k_manifests);
            for (const auto& permission : on_side(needed, Side::source)) {
                CAPTURE(permission.describe());
                for (const auto* command : {"deploy-staging", "restore", "extend"}) {
                    CAPTURE(command);
                    CHECK_FALSE(needed_by(permission, command));
                }
                // Nothing of the staging environments: no staging namespace, no staging token.
                CHECK(permission.ns != "orders-stg-7");
                CHECK(permission.name != "px-token-b");
                CHECK(permission.ns != "portworx");
            }
            for (const auto& permission : on_side(needed, Side::staging)) {
                CAPTURE(permission.describe());
                CHECK_FALSE(needed_by(permission, "snapshot"));
                // No production there: nothing in the source namespace (deploy-staging describes
                // the set from its backups), not the source cluster's Portworx or token.
                CHECK(permission.ns != "prod");
                CHECK(permission.ns != "kube-system");
            }
            // deploy-staging reads no source PVC or PV on either side, and no set.
            for (const auto& permission : needed) {
                if (needed_by(permission, "deploy-staging")) {
                    CAPTURE(permission.describe());
                    CHECK(permission.why.end() ==
                          std::find_if(permission.why.begin(), permission.why.end(),
                                       [](const std::string& why) {
                                           return why.starts_with("deploy-staging: read the "
                                                                  "source") ||
                                                  why.starts_with("deploy-staging: find the "
                                                                  "snapshot sets");
                                       }));
                }
            }
            // Each side reads its own Portworx token, through its own service proxy.
            const auto staging_lines = lines_of(on_side(needed, Side::staging));
            const auto source_lines = lines_of(on_side(needed, Side::source));
            for (const auto* line :
                 {"get secrets @portworx px-token-b", "get services/proxy @portworx px-api:9021",
                  "create services/proxy @portworx px-api:9021",
                  "delete services/proxy @portworx px-api:9021",
                  // the restored volume's labels (exec::make_cloud_restore_runner)
                  "update services/proxy @portworx px-api:9021", "create namespaces @",
                  "create persistentvolumeclaims @orders-stg-7",
                  "delete namespaces @orders-stg-7 orders-stg-7", "delete persistentvolumes @",
                  "patch namespaces @orders-stg-7 orders-stg-7"}) {
                const std::string text = line;
                CAPTURE(text);
                CHECK(staging_lines.count(text) == 1);
                CHECK(source_lines.count(text) == 0);
            }
            // The static PVs of the volumes restored from the backups, whatever the method (a
            // restored volume is a Portworx volume: cmd::StagingData::planned); csi's own ways
            // of making and swapping volumes are not used there.
            CHECK(staging_lines.count("create persistentvolumes @") == 1);
            CHECK(source_lines.count("create persistentvolumes @") == 0);
            for (const auto* line :
                 {"create volumesnapshots.snapshot.storage.k8s.io @orders-stg-7",
                  "create volumesnapshotcontents.snapshot.storage.k8s.io @",
                  "delete volumesnapshots.snapshot.storage.k8s.io @orders-stg-7"}) {
                const std::string text = line;
                CAPTURE(text);
                CHECK(staging_lines.count(text) == 0);
            }
            for (const auto* line : {"get secrets @kube-system px-token",
                                     "create services/proxy @kube-system portworx-api:9021",
                                     "delete services/proxy @kube-system portworx-api:9021",
                                     "get persistentvolumeclaims @prod"}) {
                const std::string text = line;
                CAPTURE(text);
                CHECK(source_lines.count(text) == 1);
                CHECK(staging_lines.count(text) == 0);
            }
        }
    }
}

TEST_CASE("needed_permissions: a staging.cluster profile's teardown --snapshots deletes the sets "
          "in the source cluster: Portworx and what the method keeps, no staging object") {
    for (const auto method : {profile::SnapshotMethod::portworx, profile::SnapshotMethod::csi}) {
        CAPTURE(profile::method_name(method));
        const auto profile = two_clusters(method);
        const auto needed =
            needed_permissions(pxclone::method::of(profile.snapshot.method), profile, k_manifests);
        std::set<std::string> writes;
        for (const auto& permission : on_side(needed, Side::source)) {
            if (needed_by(permission, "teardown") && permission.verb != "get" &&
                permission.verb != "list" && permission.verb != "watch") {
                writes.insert(*lines_of({permission}).begin());
            }
        }
        // The snapshots and the cloud backups (the SDK through the proxy: DELETE, the
        // enumerate POST), and for csi the set's VolumeSnapshots and their contents.
        std::set<std::string> expected{"create services/proxy @kube-system portworx-api:9021",
                                       "delete services/proxy @kube-system portworx-api:9021"};
        if (method == profile::SnapshotMethod::csi) {
            expected.insert("delete volumesnapshots.snapshot.storage.k8s.io @prod");
            expected.insert("delete volumesnapshotcontents.snapshot.storage.k8s.io @");
        }
        CHECK(writes == expected);
        // In the staging cluster teardown reads no set and deletes nothing in a source namespace.
        for (const auto& permission : on_side(needed, Side::staging)) {
            if (needed_by(permission, "teardown")) {
                CAPTURE(permission.describe());
                CHECK(permission.ns != "prod");
                CHECK(std::none_of(permission.why.begin(), permission.why.end(),
                                   [](const std::string& why) {
                                       return why == "teardown: find the snapshot sets" ||
                                              why == "teardown: delete snapshot sets";
                                   }));
            }
        }
    }
}

TEST_CASE("needed_permissions: a staging.cluster profile's list and validate --online read each "
          "cluster for its part") {
    const auto profile = [] {
        auto two = two_clusters();
        two.staging.storage_class = "px-fast";
        return two;
    }();
    const auto needed = needed_permissions(method::portworx(), profile, k_manifests);
    const auto on = [&](Side side, std::string_view command) {
        std::set<std::string> lines;
        for (const auto& permission : on_side(needed, side)) {
            if (needed_by(permission, command)) {
                lines.insert(*lines_of({permission}).begin());
            }
        }
        return lines;
    };
    // list: the sets and their backups' state (the credential's GET) in the source cluster, the
    // environments in the staging one.
    CHECK(on(Side::source, "list") ==
          std::set<std::string>{"get secrets @kube-system px-token",
                                "get services/proxy @kube-system portworx-api:9021",
                                "create services/proxy @kube-system portworx-api:9021"});
    CHECK(on(Side::staging, "list") ==
          std::set<std::string>{"get secrets @portworx px-token-b",
                                "create services/proxy @portworx px-api:9021", "list namespaces @",
                                "list persistentvolumes @", "list persistentvolumeclaims @"});
    // validate --online: the source PVCs on the source cluster; the class and the staging
    // namespace on the staging cluster.
    CHECK(on(Side::source, "validate") ==
          std::set<std::string>{"get secrets @kube-system px-token",
                                "get services/proxy @kube-system portworx-api:9021",
                                "create services/proxy @kube-system portworx-api:9021",
                                "get persistentvolumeclaims @prod", "get persistentvolumes @"});
    CHECK(on(Side::staging, "validate") ==
          std::set<std::string>{"get secrets @portworx px-token-b",
                                "get services/proxy @portworx px-api:9021",
                                "create services/proxy @portworx px-api:9021",
                                "get storageclasses.storage.k8s.io @ px-fast",
                                "get namespaces @orders-stg-7 orders-stg-7"});
}
