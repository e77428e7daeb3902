#include "pxclone/discover/staging_sources.hpp"

#include "pxclone/error.hpp"
#include "pxclone/k8s/paths.hpp"
#include "pxclone/k8s/resource.hpp"
#include "pxclone/method/method.hpp"
#include "pxclone/profile/loader.hpp"
#include "pxclone/util/file.hpp"

#include <future>

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

} // namespace

plan::SnapshotSetVolume describe_source_volume(const k8s::Client& kube,
                                               const profile::Profile& profile,
                                               const exec::SetSnapshot& snapshot) {
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
    const auto claim = kube.get(k8s::resource_of("PersistentVolumeClaim"), ns, pvc);
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
        if (const auto pv = kube.get(k8s::resource_of("PersistentVolume"), "", pv_name)) {
            volume.fs_type = k8s::string_field(*pv, "/spec/csi/fsType");
        }
    }
    return volume;
}

plan::SnapshotSet describe_set(const k8s::Client& kube, util::WorkerPool& pool,
                               const profile::Profile& profile, const exec::SnapshotSet& set) {
    plan::SnapshotSet described;
    described.id = set.id;
    described.method = method::named(set.method).kind();
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
