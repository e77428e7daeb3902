// `pxclone rbac`: the least-privilege RBAC for a profile's commands, printed (YAML stream, or a
// JSON List) for an admin to review and apply. Sends nothing: the rules come from the same
// permission list `validate --online` asks the cluster about (plan::needed_permissions).
#include "pxclone/output/rbac.hpp"

#include "pxclone/commands/commands.hpp"
#include "pxclone/commands/load_profile.hpp"
#include "pxclone/discover/staging_sources.hpp"
#include "pxclone/error.hpp"
#include "pxclone/method/method.hpp"
#include "pxclone/plan/permissions.hpp"
#include "pxclone/plan/rbac.hpp"
#include "pxclone/plan/staging_plan.hpp"
#include "pxclone/profile/diagnostic.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace pxclone::cmd {

namespace {

struct RbacOptions {
    // --service-account NAMESPACE/NAME; "": the profile's staging.role_binding, else
    // pxclone/pxclone
    std::string service_account;
    std::vector<std::string> commands; // --commands a,b,...; empty: all
    bool admission_policy = false;     // --admission-policy
    std::string cluster;               // --cluster source|staging; "": every cluster
};

void run_rbac(const GlobalOptions& globals, const RbacOptions& options, Streams streams) {
    // Validate the flags first: nothing is read for a wrong one.
    if (globals.output != output::Format::text && globals.output != output::Format::yaml &&
        globals.output != output::Format::json) {
        throw UsageError(
            fmt::format("rbac prints yaml or json, not {}", output::format_name(globals.output)));
    }
    const auto slash = options.service_account.find('/');
    plan::RbacOptions rbac;
    if (!options.service_account.empty() &&
        (slash == std::string::npos || slash == 0 || slash + 1 == options.service_account.size() ||
         options.service_account.find('/', slash + 1) != std::string::npos)) {
        throw UsageError(
            fmt::format("--service-account '{}': expected NAMESPACE/NAME", options.service_account),
            "e.g. --service-account ci/pxclone");
    }
    if (!options.service_account.empty()) {
        rbac.service_account_namespace = options.service_account.substr(0, slash);
        rbac.service_account_name = options.service_account.substr(slash + 1);
    }
    rbac.commands = options.commands;
    if (!options.cluster.empty() && options.cluster != "source" && options.cluster != "staging") {
        throw UsageError(
            fmt::format("--cluster '{}': expected source or staging", options.cluster));
    }

    // Complete: the profile, and what its manifests are applied as (they name the kinds).
    const util::ProcessEnvironment environment;
    const auto loaded = load_profile(globals, environment, GitLookup::when_referenced);
    const auto manifests = valid_manifests(loaded, environment);
    // The identity deploy-staging binds the staging role to is the one these rules are for.
    if (const auto& bound = loaded.profile.staging.role_binding) {
        if (options.service_account.empty()) {
            rbac.service_account_namespace = bound->ns;
            rbac.service_account_name = bound->name;
        } else if (bound->ns != rbac.service_account_namespace ||
                   bound->name != rbac.service_account_name) {
            throw UsageError(fmt::format("--service-account {} differs from the profile's "
                                         "staging.role_binding {}/{}",
                                         options.service_account, bound->ns, bound->name),
                             "leave --service-account out, or change staging.role_binding");
        }
    }
    // Whether the staging namespace is the same for every run: the profile loaded for another.
    auto other_run = globals;
    other_run.run_id = loaded.run.id + "x";
    rbac.staging_name_fixed =
        load_profile(other_run, environment, GitLookup::when_referenced)
            .profile.staging.staging_namespace == loaded.profile.staging.staging_namespace;

    // Plan (pure), then print.
    const auto needed = plan::needed_permissions(method::of(loaded.profile.snapshot.method),
                                                 loaded.profile, manifests.resources);
    if (loaded.profile.staging.cluster) {
        // Two clusters: each its own roles, from what the commands send to it.
        auto policies = plan::plan_rbac_per_cluster(loaded.profile, needed, rbac);
        std::erase_if(policies, [&options](const plan::RbacPolicy& policy) {
            return !options.cluster.empty() &&
                   plan::side_name(policy.cluster.value_or(plan::Side::source)) != options.cluster;
        });
        for (auto& policy : policies) {
            if (options.admission_policy) {
                policy.admission = plan::plan_admission_policy(loaded.profile, policy);
            }
        }
        if (policies.size() == 1 && !options.cluster.empty()) {
            // One cluster asked for: what `kubectl apply -f` takes, as for one cluster.
            if (globals.output == output::Format::json) {
                output::print_rbac_json(policies.front(), streams.out);
            } else {
                output::print_rbac_yaml(policies.front(), streams.out);
            }
        } else if (globals.output == output::Format::json) {
            output::print_rbac_json(policies, streams.out);
        } else {
            output::print_rbac_yaml(policies, streams.out);
        }
        return;
    }
    if (!options.cluster.empty()) {
        throw UsageError(
            fmt::format("--cluster {}: profile {} has one cluster (no staging.cluster)",
                        options.cluster, loaded.profile.name),
            "leave --cluster out");
    }
    auto policy = plan::plan_rbac(loaded.profile, needed, rbac);
    if (options.admission_policy) {
        policy.admission = plan::plan_admission_policy(loaded.profile, policy);
    }
    if (globals.output == output::Format::json) {
        output::print_rbac_json(policy, streams.out);
    } else {
        output::print_rbac_yaml(policy, streams.out);
    }
}

} // namespace

void add_rbac_command(CLI::App& app, const GlobalOptions& globals, Streams streams) {
    auto options = std::make_shared<RbacOptions>();
    auto* sub = app.add_subcommand(
        "rbac", "Print the least-privilege RBAC for the profile's commands (ServiceAccount, "
                "Roles, ClusterRoles, bindings) as YAML to review and apply; -o json a List");
    sub->add_option("--service-account", options->service_account,
                    "The ServiceAccount to bind, NAMESPACE/NAME (default: the profile's "
                    "staging.role_binding, else pxclone/pxclone)");
    sub->add_option("--commands", options->commands,
                    "Only what these commands need, comma-separated: snapshot, deploy-staging, "
                    "restore, teardown, list, validate (default: all)")
        ->delimiter(',');
    sub->add_option("--cluster", options->cluster,
                    "With staging.cluster in the profile: only the RBAC of this cluster, source or "
                    "staging (default: both, each under a header naming its context)");
    sub->add_flag("--admission-policy", options->admission_policy,
                  "Also print a ValidatingAdmissionPolicy and its binding (Kubernetes 1.30+) that "
                  "deny the ServiceAccount any update or delete of an object without pxclone's "
                  "label, and RoleBindings outside its staging namespaces");
    sub->callback([&globals, options, streams] { run_rbac(globals, *options, streams); });
}

} // namespace pxclone::cmd
