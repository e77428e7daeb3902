#include "pxclone/commands/preflight.hpp"

#include "pxclone/commands/session.hpp"
#include "pxclone/commands/source_volume.hpp"
#include "pxclone/error.hpp"
#include "pxclone/http/transport.hpp"
#include "pxclone/k8s/access_review.hpp"
#include "pxclone/k8s/resource.hpp"
#include "pxclone/k8s/status.hpp"
#include "pxclone/method/method.hpp"
#include "pxclone/plan/lineage.hpp"
#include "pxclone/plan/namespace_pool.hpp"
#include "pxclone/plan/online_checks.hpp"
#include "pxclone/plan/permissions.hpp"
#include "pxclone/px/client.hpp"
#include "pxclone/px/cloud_backup.hpp"

#include <future>
#include <optional>
#include <set>

#include <fmt/format.h>

namespace pxclone::cmd {

namespace {

using nlohmann::json;
using plan::Check;
using plan::CheckResult;
using plan::failed_check;
using plan::passed_check;
using plan::skipped_check;

// The check `name` failed with the exception being handled: its message, detail lines and exit
// code as the command that met it would report them.
Check failed_with_current(const std::string& name) {
    try {
        throw;
    } catch (const Error& e) {
        auto details = e.details();
        if (!e.hint().empty()) {
            details.push_back("hint: " + e.hint());
        }
        return failed_check(name, e.what(), e.code(), std::move(details));
    } catch (const std::exception& e) {
        return failed_check(name, e.what(), ExitCode::failed);
    }
}

// GET /version: the server answers and takes the credentials (an exec plugin runs here).
Check cluster_check(Session& session, const std::string& name) {
    const auto& cluster = session.cluster();
    const auto where = cluster.context.empty()
                           ? cluster.server
                           : fmt::format("{} (context {})", cluster.server, cluster.context);
    http::Request request;
    request.method = http::Method::get;
    request.url = cluster.server + "/version";
    request.headers = {{"Accept", "application/json"}};
    request.api = "k8s";
    request.idempotent = true;
    const auto response = cluster.transport->send(request);
    if (response.status == 401) {
        return failed_check(
            name,
            fmt::format("{}: the API server refused the credentials (401 Unauthorized)", where),
            ExitCode::failed,
            {"hint: check the kubeconfig user's token, certificate or exec plugin"});
    }
    if (response.status < 200 || response.status > 299) {
        return failed_check(
            name, fmt::format("{}: GET /version answered HTTP {}", where, response.status),
            ExitCode::failed);
    }
    std::string version;
    try {
        version = json::parse(response.body).value("gitVersion", "");
    } catch (const json::exception&) {
    }
    return passed_check(
        name, fmt::format("{} answers{}", where, version.empty() ? "" : ", Kubernetes " + version));
}

// One access review per permission needed on the session's cluster (plan::Permission::side:
// with staging.cluster, each cluster is asked only what the commands send to it), all at once;
// every denial named. With staging.role_binding and no staging namespace yet, what is needed
// inside it is not asked: the ClusterRole deploy-staging binds there grants it, and no review can
// see that in advance.
Check access_check(Session& session, const LoadedProfile& loaded,
                   const plan::ManifestCheck& manifests, const std::string& name) {
    const auto& profile = loaded.profile;
    const auto side = session.side() == ClusterSide::staging && separate_clusters(profile)
                          ? plan::Side::staging
                          : plan::Side::source;
    const auto needed = plan::on_side(
        plan::needed_permissions(method::of(profile.snapshot.method), profile, manifests.resources),
        side);
    const auto staging = plan::staging_namespace_of(profile);
    // The cluster the staging namespace is in: the one cluster, or the staging cluster.
    const bool staging_here = !separate_clusters(profile) || side == plan::Side::staging;
    // staging.pool: the namespace is claimed per run, and the admin's binding grants these there.
    bool deferred = !profile.staging.pool.empty();
    if (profile.staging.role_binding && staging_here) {
        try {
            deferred = !session.kube().get(k8s::resource_of("Namespace"), "", staging).has_value();
        } catch (const k8s::ApiError& error) {
            // May not even look (its own denial is among the answers): ask about everything.
            if (error.http_status() != 403) {
                throw;
            }
        }
    }
    std::vector<std::optional<std::future<k8s::AccessAnswer>>> answers;
    for (const auto& permission : needed) {
        if (deferred && !permission.before_binding && permission.ns == staging) {
            answers.emplace_back();
            continue;
        }
        k8s::AccessQuestion question{.verb = permission.verb,
                                     .group = permission.group,
                                     .resource = permission.resource,
                                     .subresource = permission.subresource,
                                     .ns = permission.ns,
                                     .name = permission.name};
        answers.emplace_back(session.pool().submit(
            [&session, question] { return k8s::review_access(session.kube(), question); }));
    }
    std::vector<plan::PermissionAnswer> answered;
    for (auto& answer : answers) {
        if (!answer) {
            answered.push_back({.allowed = true, .reason = {}, .deferred = true});
            continue;
        }
        auto got = answer->get();
        answered.push_back({.allowed = got.allowed, .reason = std::move(got.reason)});
    }
    return plan::access_check(needed, answered,
                              deferred ? plan::staging_role_name(profile) : std::string(), name);
}

// The source PVCs exist, are Bound and are Portworx volumes (the snapshot command's own rules).
Check source_check(Session& session, const profile::Profile& profile) {
    return plan::source_pvcs_check(resolve_sources(session, profile),
                                   profile.source.source_namespace);
}

// The storage classes the staging PVCs will use: the profile's, or (a method whose provisioner
// needs one: MethodRules::staging_class_from_source) the source PVCs' classes — not in a staging
// cluster of its own, which holds no source PVC.
Check storage_class_check(Session& session, const profile::Profile& profile) {
    std::set<std::string> classes;
    if (!profile.staging.storage_class.empty()) {
        classes.insert(profile.staging.storage_class);
    } else if (method::of(profile.snapshot.method).staging_class_from_source() &&
               !(session.side() == ClusterSide::staging && separate_clusters(profile))) {
        for (const auto& volume : resolve_sources(session, profile).volumes) {
            if (!volume.storage_class.empty()) {
                classes.insert(volume.storage_class);
            }
        }
    }
    if (classes.empty()) {
        return passed_check("storage-classes",
                            "none named (the staging volumes take their source's)");
    }
    std::vector<std::string> missing;
    for (const auto& name : classes) {
        if (!session.kube().get(k8s::resource_of("StorageClass"), "", name)) {
            missing.push_back(fmt::format("storageclass \"{}\" does not exist", name));
        }
    }
    if (!missing.empty()) {
        const auto message = fmt::format("{} of {} storage class{} missing", missing.size(),
                                         classes.size(), classes.size() == 1 ? "" : "es");
        return failed_check("storage-classes", message, ExitCode::not_found, std::move(missing));
    }
    return passed_check("storage-classes", fmt::format("{} exist{}", fmt::join(classes, ", "),
                                                       classes.size() == 1 ? "s" : ""));
}

// An SDK gateway (identities/version, which answers without a token) that accepts the token for
// an authenticated read (this profile's snapshots, by label).
Check portworx_check(Session& session, const profile::Profile& profile, const std::string& name) {
    const auto& section = side_portworx(profile, session.side());
    const auto& portworx = session.portworx();
    const auto version = portworx.check_endpoint();
    px::VolumeFilter filter;
    filter.labels = {{std::string(plan::k_managed_by_key), std::string(plan::k_managed_by_value)},
                     {std::string(plan::k_profile_key), profile.name}};
    portworx.inspect_with_filters(filter);
    return passed_check(name,
                        fmt::format("{}: OpenStorage SDK {} ({} {}), {}", section.endpoint.text,
                                    version.sdk_version, version.driver, version.driver_version,
                                    section.token ? "the token is accepted" : "no token"));
}

// The transfer's credential `name` checks (source-credential, staging-credential) resolves on
// `session`'s cluster to exactly one (the staging one on the source cluster too when both are
// one cluster).
Check credential_check(Session& session, const profile::Profile& profile, const std::string& name) {
    const auto& credential = name == "source-credential" ? profile.transfer->source_credential
                                                         : profile.transfer->staging_credential;
    const auto found = px::CloudBackupClient(session.portworx(), session.cluster_name())
                           .resolve_credential(credential);
    return passed_check(name,
                        fmt::format("credential {} is {}{} on the {}", credential, found.id,
                                    found.bucket.empty() ? "" : " (bucket " + found.bucket + ")",
                                    session.cluster_name()));
}

// Free, or this run's (deploy-staging then continues); anything else makes deploy-staging refuse.
Check staging_namespace_check(Session& session, const LoadedProfile& loaded) {
    if (const auto& pool = loaded.profile.staging.pool; !pool.empty()) {
        k8s::ListOptions options;
        options.label_selector = plan::pool_selector(pool);
        return plan::pool_check(
            pool, session.kube().list(k8s::resource_of("Namespace"), "", options).items,
            loaded.profile.name, loaded.run.id);
    }
    const auto& name = loaded.profile.staging.staging_namespace;
    return plan::staging_namespace_check(
        name, session.kube().get(k8s::resource_of("Namespace"), "", name), loaded.profile.name,
        loaded.run.id);
}

// The staging side of a staging.cluster, on a session of its own: its API server, the
// permissions asked there, storage classes, Portworx, the transfer's staging credential and the
// staging namespace.
void staging_checks(const SessionFactory& connect, const LoadedProfile& loaded,
                    const plan::ManifestCheck& manifests, std::vector<Check>& checks) {
    const auto& profile = loaded.profile;
    const bool proxied = side_portworx(profile, ClusterSide::staging).endpoint.kind ==
                         px::Endpoint::Kind::service_proxy;
    const auto run = [&checks](const std::string& name, const auto& check) {
        try {
            checks.push_back(check());
        } catch (...) {
            checks.push_back(failed_with_current(name));
        }
    };
    std::unique_ptr<Session> session;
    try {
        session = connect(ClusterSide::staging);
        checks.push_back(cluster_check(*session, "staging-cluster"));
    } catch (...) {
        checks.push_back(failed_with_current("staging-cluster"));
    }
    const bool reached = session && checks.back().result == CheckResult::ok;
    const std::string unreached = "the staging cluster was not reached";
    if (reached) {
        run("staging-access",
            [&] { return access_check(*session, loaded, manifests, "staging-access"); });
    } else {
        checks.push_back(skipped_check("staging-access", unreached));
    }
    if (reached) {
        run("storage-classes", [&] { return storage_class_check(*session, profile); });
    } else {
        checks.push_back(skipped_check("storage-classes", unreached));
    }
    bool portworx = false;
    if (session && (reached || !proxied)) {
        run("staging-portworx",
            [&] { return portworx_check(*session, profile, "staging-portworx"); });
        portworx = checks.back().result == CheckResult::ok;
    } else {
        checks.push_back(
            skipped_check("staging-portworx", proxied ? unreached : "no connection could be made"));
    }
    if (profile.transfer) {
        if (portworx) {
            run("staging-credential",
                [&] { return credential_check(*session, profile, "staging-credential"); });
        } else {
            checks.push_back(skipped_check("staging-credential", "Portworx was not reached"));
        }
    }
    if (reached) {
        run("staging-namespace", [&] { return staging_namespace_check(*session, loaded); });
    } else {
        checks.push_back(skipped_check("staging-namespace", unreached));
    }
}

} // namespace

std::vector<Check> online_checks(const SessionFactory& connect, const LoadedProfile& loaded,
                                 const plan::ManifestCheck& manifests) {
    const auto& profile = loaded.profile;
    // The checks only the profile's method needs (csi: its snapshot class).
    const auto method_checks = method::of(profile.snapshot.method).online_checks();
    const bool proxied = profile.portworx.endpoint.kind == px::Endpoint::Kind::service_proxy;
    std::vector<Check> checks;
    const auto run = [&checks](const std::string& name, const auto& check) {
        try {
            checks.push_back(check());
        } catch (...) {
            checks.push_back(failed_with_current(name));
        }
    };

    // A staging cluster of its own: the staging namespace and storage classes are there, and
    // each cluster is asked the permissions needed on it (access here, staging-access there).
    const bool separate = separate_clusters(profile);
    std::unique_ptr<Session> session;
    try {
        session = connect(ClusterSide::source);
        checks.push_back(cluster_check(*session, "cluster"));
    } catch (...) {
        checks.push_back(failed_with_current("cluster"));
    }
    const bool reached = session && checks.back().result == CheckResult::ok;
    const std::string unreached = "the cluster was not reached";
    if (!reached) {
        checks.push_back(skipped_check("access", unreached));
        checks.push_back(skipped_check("source-pvcs", unreached));
        if (!separate) {
            checks.push_back(skipped_check("storage-classes", unreached));
        }
        for (const auto& check : method_checks) {
            checks.push_back(skipped_check(check.name, unreached));
        }
    } else {
        run("access", [&] { return access_check(*session, loaded, manifests, "access"); });
        run("source-pvcs", [&] { return source_check(*session, profile); });
        if (!separate) {
            run("storage-classes", [&] { return storage_class_check(*session, profile); });
        }
        for (const auto& check : method_checks) {
            run(check.name, [&] { return check.run(session->kube(), profile); });
        }
    }
    if (session && (reached || !proxied)) {
        run("portworx", [&] { return portworx_check(*session, profile, "portworx"); });
    } else {
        checks.push_back(
            skipped_check("portworx", proxied ? unreached : "no connection could be made"));
    }
    // The transfer's credentials, each on its own side (both here without staging.cluster).
    const bool portworx = checks.back().result == CheckResult::ok;
    const auto credential = [&](const std::string& name) {
        if (portworx) {
            run(name, [&] { return credential_check(*session, profile, name); });
        } else {
            checks.push_back(skipped_check(name, "Portworx was not reached"));
        }
    };
    if (profile.transfer) {
        credential("source-credential");
    }
    if (!separate) {
        if (profile.transfer) {
            credential("staging-credential");
        }
        if (reached) {
            run("staging-namespace", [&] { return staging_namespace_check(*session, loaded); });
        } else {
            checks.push_back(skipped_check("staging-namespace", unreached));
        }
        return checks;
    }
    staging_checks(connect, loaded, manifests, checks);
    return checks;
}

} // namespace pxclone::cmd
