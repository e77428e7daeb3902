#include "pxclone/plan/source_volumes.hpp"

#include "pxclone/util/quantity.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace pxclone::plan {

namespace {

using nlohmann::json;

std::string text_at(const json& object, const json::json_pointer& pointer) {
    if (!object.contains(pointer) || !object.at(pointer).is_string()) {
        return {};
    }
    return object.at(pointer).get<std::string>();
}

std::int64_t size_of(const json& pvc) {
    for (const auto* path : {"/status/capacity/storage", "/spec/resources/requests/storage"}) {
        if (const auto text = text_at(pvc, json::json_pointer(path)); !text.empty()) {
            if (const auto bytes = util::parse_quantity(text)) {
                return *bytes;
            }
        }
    }
    return 0;
}

std::vector<std::string> access_modes_of(const json& pvc) {
    std::vector<std::string> modes;
    if (const auto it = pvc.find("spec"); it != pvc.end() && it->contains("accessModes")) {
        for (const auto& mode : it->at("accessModes")) {
            if (mode.is_string()) {
                modes.push_back(mode.get<std::string>());
            }
        }
    }
    return modes;
}

} // namespace

std::string portworx_volume_id(const json& pv) {
    if (text_at(pv, json::json_pointer("/spec/csi/driver")) == k_portworx_csi_driver) {
        return text_at(pv, json::json_pointer("/spec/csi/volumeHandle"));
    }
    return text_at(pv, json::json_pointer("/spec/portworxVolume/volumeID"));
}

SourceResolution resolve_source_volumes(const std::string& source_namespace,
                                        const std::vector<std::string>& wanted,
                                        const std::vector<json>& pvcs,
                                        const std::map<std::string, json>& pvs) {
    SourceResolution result;
    std::map<std::string, const json*> by_name;
    for (const auto& pvc : pvcs) {
        by_name.emplace(text_at(pvc, json::json_pointer("/metadata/name")), &pvc);
    }

    std::vector<std::string> names = wanted;
    if (names.empty()) {
        for (const auto& [name, pvc] : by_name) {
            names.push_back(name);
        }
        if (names.empty()) {
            result.problems.push_back({SourceProblem::Kind::missing,
                                       fmt::format("namespace \"{}\"", source_namespace),
                                       "no PersistentVolumeClaim matches source.selector"});
        }
    }

    for (const auto& name : names) {
        const auto object = fmt::format("persistentvolumeclaim \"{}/{}\"", source_namespace, name);
        const auto found = by_name.find(name);
        if (found == by_name.end()) {
            result.problems.push_back({SourceProblem::Kind::missing, object, "not found"});
            continue;
        }
        const auto& pvc = *found->second;
        const auto phase = text_at(pvc, json::json_pointer("/status/phase"));
        const auto pv_name = text_at(pvc, json::json_pointer("/spec/volumeName"));
        if (phase == "Bound" && pv_name.empty()) {
            result.problems.push_back({SourceProblem::Kind::not_bound, object,
                                       "is Bound but names no volume (spec.volumeName is "
                                       "missing or not a string)"});
            continue;
        }
        if (phase != "Bound" || pv_name.empty()) {
            result.problems.push_back(
                {SourceProblem::Kind::not_bound, object,
                 fmt::format("is {}, not Bound: only a bound volume holds data to snapshot",
                             phase.empty() ? "in no phase" : phase)});
            continue;
        }
        const auto pv = pvs.find(pv_name);
        if (pv == pvs.end()) {
            result.problems.push_back({SourceProblem::Kind::missing,
                                       fmt::format("persistentvolume \"{}\"", pv_name),
                                       fmt::format("bound to {} but not found", object)});
            continue;
        }
        auto volume_id = portworx_volume_id(pv->second);
        if (volume_id.empty()) {
            result.problems.push_back(
                {SourceProblem::Kind::not_portworx, fmt::format("persistentvolume \"{}\"", pv_name),
                 fmt::format("behind {} is not a Portworx volume (want CSI driver {} or "
                             "spec.portworxVolume)",
                             object, k_portworx_csi_driver)});
            continue;
        }
        result.volumes.push_back({
            .pvc = name,
            .pv = pv_name,
            .volume_id = std::move(volume_id),
            .size_bytes = size_of(pvc),
            .storage_class = text_at(pvc, json::json_pointer("/spec/storageClassName")),
            .access_modes = access_modes_of(pvc),
            .fs_type = text_at(pv->second, json::json_pointer("/spec/csi/fsType")),
        });
    }
    return result;
}

} // namespace pxclone::plan
