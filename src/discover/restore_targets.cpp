// restore's in-place discovery, its first reads: the PVCs asked for (each checked to be the run's)
// and the swaps an interrupted restore left without their PVC, found by each method.
#include "pxclone/error.hpp"
#include "pxclone/exec/catalog.hpp"
#include "pxclone/k8s/paths.hpp"
#include "pxclone/method/method.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "restore_support.hpp"

namespace pxclone::discover::restore_detail {

namespace {

using nlohmann::json;

// The PVCs asked for, each checked to be this run's staging PVC (exit 2 with every reason, exit
// 3 when one is missing).
std::vector<json> find_pvcs(const RestoreReaders& readers, const Loaded& loaded,
                            const InPlaceRequest& options, const std::string& ns) {
    const auto& pvcs = k8s::resource_of("PersistentVolumeClaim");
    const auto& profile = loaded.profile;
    std::vector<json> found;
    if (options.all) {
        k8s::ListOptions list;
        list.label_selector = k8s::label_selector(run_labels(loaded));
        found = readers.kube.list(pvcs, ns, list).items;
        if (found.empty()) {
            throw NotFoundError(
                fmt::format("run {} of profile {} has no staging PVC in namespace {}",
                            loaded.run.id, profile.name, ns),
                "`pxclone list` shows the environments and their namespaces");
        }
    } else {
        for (const auto& name : options.pvcs) {
            auto pvc = readers.kube.get(pvcs, ns, name);
            if (!pvc) {
                throw NotFoundError(fmt::format("persistentvolumeclaim {}/{} not found", ns, name),
                                    "give the staging namespace with -n");
            }
            found.push_back(std::move(*pvc));
        }
    }
    std::vector<std::string> refusals;
    for (const auto& pvc : found) {
        if (pvc.value(json::json_pointer("/metadata/namespace"), "").empty()) {
            continue;
        }
        const auto reason = plan::restore_refusal(pvc, profile.name, loaded.run.id,
                                                  profile.source.source_namespace);
        if (!reason.empty()) {
            refusals.push_back(fmt::format("persistentvolumeclaim {}/{}: {}", ns,
                                           pvc.value(json::json_pointer("/metadata/name"), ""),
                                           reason));
        }
    }
    if (!refusals.empty()) {
        throw UsageError(fmt::format("restore refused: only staging PVCs that pxclone made for "
                                     "run {} of profile {} can be restored",
                                     loaded.run.id, profile.name),
                         "", refusals);
    }
    return found;
}

// Whether the profile's method keeps every kind `method` keeps: else the cluster has none of its
// objects to look for (nor perhaps the permission to).
bool keeps_kinds_of(const profile::Profile& profile, const method::Method& method) {
    const auto kept = method::of(profile.snapshot.method).kept_kinds();
    const auto needed = method.kept_kinds();
    return std::all_of(needed.begin(), needed.end(), [&kept](const auto& kind) {
        return std::find(kept.begin(), kept.end(), kind) != kept.end();
    });
}

} // namespace

InPlaceTargets find_in_place(method::RestoreSite& site, const RestoreReaders& readers,
                             const Loaded& loaded, const InPlaceRequest& options) {
    const auto& ns = site.ns();
    InPlaceTargets found;
    // With --pvc, a missing PVC may be a swap's, interrupted.
    auto asked = options;
    std::vector<std::string> missing;
    if (!options.all) {
        asked.pvcs.clear();
        for (const auto& name : options.pvcs) {
            if (readers.kube.get(k8s::resource_of("PersistentVolumeClaim"), ns, name)) {
                asked.pvcs.push_back(name);
            } else {
                missing.push_back(name);
            }
        }
    }
    if (options.all || !asked.pvcs.empty()) {
        try {
            found.pvcs = find_pvcs(readers, loaded, asked, ns);
        } catch (const NotFoundError&) {
            if (!options.all) {
                throw;
            }
        }
    }
    std::set<std::string> present;
    for (const auto& pvc : found.pvcs) {
        present.insert(k8s::string_field(pvc, "/metadata/name"));
    }
    if (options.all || !missing.empty()) {
        for (const auto* method : method::every()) {
            if (!keeps_kinds_of(loaded.profile, *method)) {
                continue;
            }
            auto pending = method->pending_swaps(site, present, missing);
            for (const auto& [name, objects] : pending) {
                present.insert(name);
            }
            found.pending.emplace_back(method, std::move(pending));
        }
    }
    for (const auto& name : missing) {
        if (!found.has_pending(name)) {
            throw NotFoundError(fmt::format("persistentvolumeclaim {}/{} not found", ns, name),
                                "give the staging namespace with -n");
        }
    }
    if (found.pvcs.empty() && found.first_pending() == nullptr) {
        throw NotFoundError(fmt::format("run {} of profile {} has no staging PVC in namespace {}",
                                        loaded.run.id, loaded.profile.name, ns),
                            "`pxclone list` shows the environments and their namespaces");
    }
    return found;
}

} // namespace pxclone::discover::restore_detail
