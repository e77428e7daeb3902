#include "pxclone/discover/staging_sources.hpp"

#include "pxclone/error.hpp"
#include "pxclone/k8s/paths.hpp"
#include "pxclone/k8s/resource.hpp"
#include "pxclone/method/method.hpp"
#include "pxclone/profile/loader.hpp"
#include "pxclone/util/file.hpp"

#include <functional>
#include <future>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

namespace pxclone::discover {

using json = nlohmann::json;

namespace {

// Manifests may hold many objects (CRDs are large), but not gigabytes.
constexpr std::size_t k_max_manifest_bytes = 16 * 1024 * 1024;

std::string read_text(const std::string& path, const std::string& what) {
    auto file = util::read_file(path, k_max_manifest_bytes);
    if (!file) {
        throw UsageError(fmt::format("{}: cannot read {}: {}", path, what,
                                     util::describe_read_error(file, k_max_manifest_bytes, what)));
    }
    return std::move(file.text);
}

// More volumes than plan::k_source_gets_at_most: their source PVCs (one LIST per namespace) and PVs
// (one LIST) are listed once, paginated, instead of read with a GET each (a 200-volume deploy sent
// 400 GETs); fewer are read one by one (cheaper than listing every PV of a large cluster).

using Lookup = std::function<std::optional<json>(const std::string& ns, const std::string& name)>;

plan::SnapshotSetVolume describe_from(const profile::Profile& profile,
                                      const exec::SetSnapshot& snapshot, const Lookup& claim_of,
                                      const Lookup& pv_of) {
    const auto slash = snapshot.source.find('/');
    const auto ns = snapshot.source.substr(0, slash);
    const auto pvc = snapshot.source.substr(slash + 1);
    plan::SnapshotSetVolume volume{
        .source_pvc = pvc,
        .snapshot_id = snapshot.portworx_id.empty() ? snapshot.id : snapshot.portworx_id,
        .size_bytes = snapshot.size,
        .storage_class = profile.staging.storage_class,
        .access_modes = {"ReadWriteOnce"},
    };
    if (const auto slash_id = snapshot.id.find('/'); slash_id != std::string::npos) {
        volume.csi_snapshot_namespace = snapshot.id.substr(0, slash_id);
        volume.csi_snapshot_name = snapshot.id.substr(slash_id + 1);
    }
    const auto claim = claim_of(ns, pvc);
    if (!claim) {
        return volume;
    }
    if (volume.storage_class.empty()) {
        volume.storage_class = k8s::string_field(*claim, "/spec/storageClassName");
    }
    const auto spec = claim->find("spec");
    if (spec != claim->end() && spec->is_object()) {
        const auto modes = spec->find("accessModes");
        std::vector<std::string> names;
        for (const auto& mode :
             modes != spec->end() && modes->is_array() ? *modes : json::array()) {
            if (mode.is_string()) {
                names.push_back(mode.get<std::string>());
            }
        }
        if (!names.empty()) {
            volume.access_modes = std::move(names);
        }
    }
    const auto pv_name = k8s::string_field(*claim, "/spec/volumeName");
    if (!pv_name.empty()) {
        if (const auto pv = pv_of("", pv_name)) {
            volume.fs_type = k8s::string_field(*pv, "/spec/csi/fsType");
        }
    }
    return volume;
}

// Every object of `resource` in `ns`, by name.
std::map<std::string, json> list_by_name(const k8s::Client& kube, const k8s::Resource& resource,
                                         const std::string& ns) {
    std::map<std::string, json> found;
    for (auto& item : kube.list(resource, ns, {}).items) {
        auto name = k8s::string_field(item, "/metadata/name");
        found.emplace(std::move(name), std::move(item));
    }
    return found;
}

} // namespace

plan::SnapshotSetVolume describe_source_volume(const k8s::Client& kube,
                                               const profile::Profile& profile,
                                               const exec::SetSnapshot& snapshot) {
    const auto get = [&kube](const char* kind) {
        return [&kube, kind](const std::string& ns, const std::string& name) {
            return kube.get(k8s::resource_of(kind), ns, name);
        };
    };
    return describe_from(profile, snapshot, get("PersistentVolumeClaim"), get("PersistentVolume"));
}

plan::SnapshotSet describe_set(const k8s::Client& kube, util::WorkerPool& pool,
                               const profile::Profile& profile, const exec::SnapshotSet& set) {
    plan::SnapshotSet described;
    described.id = set.id;
    described.method = method::named(set.method).kind();
    if (set.snapshots.size() > plan::k_source_gets_at_most) {
        std::set<std::string> namespaces;
        for (const auto& snapshot : set.snapshots) {
            namespaces.insert(snapshot.source.substr(0, snapshot.source.find('/')));
        }
        // The listings at once, on the pool: one per source namespace, and the PVs.
        std::map<std::string, std::future<std::map<std::string, json>>> claim_lists;
        for (const auto& ns : namespaces) {
            claim_lists.emplace(ns, pool.submit([&kube, ns] {
                return list_by_name(kube, k8s::resource_of("PersistentVolumeClaim"), ns);
            }));
        }
        auto pv_list = pool.submit(
            [&kube] { return list_by_name(kube, k8s::resource_of("PersistentVolume"), ""); });
        std::map<std::string, std::map<std::string, json>> claims;
        for (auto& [ns, list] : claim_lists) {
            claims.emplace(ns, list.get());
        }
        const auto pvs = pv_list.get();
        const auto in = [](const std::map<std::string, json>& objects, const std::string& name) {
            const auto found = objects.find(name);
            return found == objects.end() ? std::nullopt : std::optional<json>(found->second);
        };
        for (const auto& snapshot : set.snapshots) {
            described.volumes.push_back(describe_from(
                profile, snapshot,
                [&](const std::string& ns, const std::string& name) {
                    return in(claims[ns], name);
                },
                [&](const std::string&, const std::string& name) { return in(pvs, name); }));
        }
        return described;
    }
    std::vector<std::future<plan::SnapshotSetVolume>> work;
    for (const auto& snapshot : set.snapshots) {
        work.push_back(pool.submit([&kube, &profile, snapshot] {
            return describe_source_volume(kube, profile, snapshot);
        }));
    }
    for (auto& volume : work) {
        described.volumes.push_back(volume.get());
    }
    return described;
}

StagingInputs read_staging_inputs(const profile::Profile& profile, const profile::RunInfo& run,
                                  const util::Environment& environment) {
    profile::SubstitutionContext substitution{.environment = &environment,
                                              .run_id = run.id,
                                              .profile_name = profile.name,
                                              .git_sha = run.git_sha,
                                              .build_id = run.build_id};
    StagingInputs inputs;
    std::vector<profile::Diagnostic> problems;
    for (const auto& file : profile.staging.manifests) {
        auto parsed = profile::parse_manifests(
            read_text(profile::resolve_path(profile, file), "the manifest"), file, substitution);
        problems.insert(problems.end(), parsed.diagnostics.begin(), parsed.diagnostics.end());
        inputs.manifests.push_back(std::move(parsed.manifests));
    }
    if (profile.staging.mask) {
        for (const auto& file : profile.staging.mask->files) {
            inputs.mask_files.emplace(
                file, read_text(profile::resolve_path(profile, file), "the masking file"));
        }
    }
    if (!problems.empty()) {
        throw UsageError(fmt::format("the staging manifests of profile {} are invalid ({} "
                                     "problem{})",
                                     profile.name, problems.size(),
                                     problems.size() == 1 ? "" : "s"),
                         "", profile::format_all(problems));
    }
    return inputs;
}

} // namespace pxclone::discover
