#include "pxclone/plan/online_checks.hpp"

#include "pxclone/plan/lineage.hpp"
#include "pxclone/plan/namespace_pool.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace pxclone::plan {

using nlohmann::json;

Check passed_check(std::string name, std::string message) {
    return {std::move(name), CheckResult::ok, std::move(message), {}, ExitCode::ok, nullptr};
}

Check failed_check(std::string name, std::string message, ExitCode code,
                   std::vector<std::string> details) {
    return {std::move(name), CheckResult::failed, std::move(message), std::move(details), code,
            nullptr};
}

Check skipped_check(std::string name, std::string why) {
    return {std::move(name), CheckResult::skipped, std::move(why), {}, ExitCode::ok, nullptr};
}

Check access_check(const std::vector<Permission>& needed,
                   const std::vector<PermissionAnswer>& answers, const std::string& staging_role,
                   const std::string& name) {
    std::vector<std::string> denials;
    std::size_t deferred = 0;
    auto asked = nlohmann::ordered_json::array();
    for (std::size_t i = 0; i < needed.size() && i < answers.size(); ++i) {
        const auto& answer = answers[i];
        const auto& permission = needed[i];
        asked.push_back({{"verb", permission.verb},
                         {"group", permission.group},
                         {"resource", permission.resource},
                         {"subresource", permission.subresource},
                         {"namespace", permission.ns},
                         {"name", permission.name},
                         {"allowed", answer.allowed},
                         {"neededBy", permission.needed_by}});
        if (answer.deferred) {
            asked.back()["deferred"] = true;
            ++deferred;
        }
        if (!answer.allowed) {
            denials.push_back(fmt::format("cannot {} ({}){}", permission.describe(),
                                          fmt::join(permission.why, "; "),
                                          answer.reason.empty() ? "" : ": " + answer.reason));
        }
    }
    // Counted before the call: its arguments are evaluated in no set order, and the last one
    // moves `denials` away.
    const auto denied = denials.size();
    auto check =
        denied == 0
            ? passed_check(
                  name,
                  deferred == 0
                      ? fmt::format("all {} permissions the commands need are granted",
                                    needed.size())
                      : fmt::format("all {} permissions the commands need are granted ({} in the "
                                    "staging namespace not asked: deploy-staging binds "
                                    "ClusterRole {} there)",
                                    needed.size(), deferred, staging_role))
            : failed_check(name,
                           fmt::format("{} of {} permissions the commands need {} denied", denied,
                                       needed.size(), denied == 1 ? "is" : "are"),
                           ExitCode::failed, std::move(denials));
    check.data = {{"permissions", std::move(asked)}};
    return check;
}

Check source_pvcs_check(const SourceResolution& resolution, const std::string& source_namespace) {
    if (resolution.problems.empty()) {
        std::vector<std::string> names;
        for (const auto& volume : resolution.volumes) {
            names.push_back(volume.pvc + " -> " + volume.volume_id);
        }
        return passed_check(
            "source-pvcs",
            fmt::format("{} PVC{} in namespace {}, each a Bound Portworx volume: {}", names.size(),
                        names.size() == 1 ? "" : "s", source_namespace, fmt::join(names, ", ")));
    }
    std::vector<std::string> details;
    bool missing = false;
    for (const auto& problem : resolution.problems) {
        details.push_back(fmt::format("{}: {}", problem.object, problem.message));
        missing = missing || problem.kind == SourceProblem::Kind::missing;
    }
    const auto count = details.size();
    return failed_check("source-pvcs",
                        fmt::format("{} problem{} with the source PVCs in namespace {}", count,
                                    count == 1 ? "" : "s", source_namespace),
                        missing ? ExitCode::not_found : ExitCode::failed, std::move(details));
}

Check staging_namespace_check(const std::string& name, const std::optional<json>& existing,
                              const std::string& profile, const std::string& run) {
    if (!existing) {
        return passed_check("staging-namespace", fmt::format("{} is free", name));
    }
    Lineage lineage;
    lineage.profile = profile;
    lineage.run = run;
    lineage.role = Role::staging;
    const auto labels = existing->value(json::json_pointer("/metadata/labels"), json::object());
    bool ours = labels.is_object();
    for (const auto& [key, value] : ownership_labels(lineage)) {
        ours = ours && labels.value(key, json()) == json(value);
    }
    if (!ours) {
        const auto owner_run = labels.is_object() ? labels.value(std::string(k_run_key), "") : "";
        const auto owner_profile =
            labels.is_object() ? labels.value(std::string(k_profile_key), "") : "";
        return failed_check(
            "staging-namespace",
            owner_run.empty() ? fmt::format("{} exists and was not created by pxclone", name)
                              : fmt::format("{} belongs to run {} of profile {}, not to run {}",
                                            name, owner_run, owner_profile, run),
            ExitCode::usage, {"hint: choose another staging.namespace, or another --run"});
    }
    if (existing->value(json::json_pointer("/status/phase"), "") == "Terminating") {
        return failed_check(
            "staging-namespace",
            fmt::format("{} is being deleted (a teardown of run {} is under way)", name, run),
            ExitCode::usage, {"hint: wait until it is gone, or use another --run"});
    }
    return passed_check(
        "staging-namespace",
        fmt::format("{} is this run's already (deploy-staging continues it)", name));
}

Check pool_check(const std::string& pool, const std::vector<json>& namespaces,
                 const std::string& profile, const std::string& run) {
    const auto choice = choose_pool_namespace(namespaces, profile, run);
    if (choice.claimed) {
        return passed_check(
            "staging-namespace",
            fmt::format("{} of pool {} is this run's already (deploy-staging continues it)",
                        choice.claimed->value(json::json_pointer("/metadata/name"), ""), pool));
    }
    if (choice.free.empty()) {
        return failed_check(
            "staging-namespace",
            fmt::format("no free namespace in pool {} ({} labelled {})", pool, namespaces.size(),
                        pool_selector(pool)),
            ExitCode::not_found,
            {"hint: tear down an environment of the pool, or have an admin add a namespace"});
    }
    return passed_check("staging-namespace",
                        fmt::format("pool {}: {} of {} namespace{} free", pool, choice.free.size(),
                                    namespaces.size(), namespaces.size() == 1 ? "" : "s"));
}

} // namespace pxclone::plan
