#include "pxclone/discover/staging_environment.hpp"

#include "pxclone/error.hpp"
#include "pxclone/exec/teardown.hpp"
#include "pxclone/method/method.hpp"
#include "pxclone/plan/lineage.hpp"

#include <cstdint>
#include <set>

#include <fmt/format.h>

namespace pxclone::discover {

exec::SnapshotSet pick_set(const std::vector<exec::SnapshotSet>& sets,
                           const std::string& profile_name, const std::string& requested) {
    if (!requested.empty()) {
        const auto* found = exec::find_set(sets, requested);
        if (found == nullptr) {
            throw NotFoundError(
                fmt::format("snapshot set {} of profile {} not found", requested, profile_name),
                "`pxclone list` shows the sets there are");
        }
        if (found->state != exec::SetState::complete) {
            throw Error(
                ExitCode::failed,
                fmt::format("snapshot set {} is partial: its run did not finish", requested),
                "take a new one with `pxclone snapshot`");
        }
        return *found;
    }
    const auto* newest = exec::newest_complete(sets);
    if (newest == nullptr) {
        throw NotFoundError(fmt::format("profile {} has no complete snapshot set", profile_name),
                            "take one with `pxclone snapshot` first");
    }
    return *newest;
}

exec::SnapshotSet choose_set(const exec::Catalog& catalog, const std::string& profile_name,
                             const std::string& requested) {
    return pick_set(catalog.snapshot_sets(profile_name), profile_name, requested);
}

std::vector<std::string> account_of(const k8s::Client& kube, const px::Client& portworx,
                                    const profile::Profile& profile, const std::string& run,
                                    const std::vector<std::string>& written) {
    std::vector<std::string> lines;
    std::set<std::string> seen;
    const auto add = [&lines, &seen](const std::string& what) {
        if (seen.insert(what).second) {
            lines.push_back("  " + what);
        }
    };
    // The staging side: a staging cluster of its own has no source namespace to look in.
    const auto scope =
        exec::staging_scope(profile, method::of(profile.snapshot.method).kept_kinds());
    try {
        for (const auto& object :
             exec::find_run_objects(kube, portworx, profile.name, run, scope)) {
            const auto role = object.labels.find(std::string(plan::k_role_key));
            if (role != object.labels.end() &&
                role->second != plan::role_name(plan::Role::snapshot)) {
                add(object.describe());
            }
        }
    } catch (const std::exception& e) {
        lines.push_back(fmt::format("  (could not list the run's objects: {})", e.what()));
    }
    for (const auto& what : written) {
        add(what);
    }
    return lines;
}

} // namespace pxclone::discover
