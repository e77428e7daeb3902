// From production PVCs to the Portworx volumes behind them (PVC spec.volumeName -> PV
// -> spec.csi.volumeHandle for pxd.portworx.com, or spec.portworxVolume.volumeID). Pure: the
// objects are read by the caller; this only judges them.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pxclone::plan {

inline constexpr std::string_view k_portworx_csi_driver = "pxd.portworx.com";

struct SourceVolume {
    std::string pvc;
    std::string pv;
    std::string volume_id;       // the Portworx volume
    std::int64_t size_bytes = 0; // the PVC's bound capacity (else its request)
    std::string storage_class;   // "" when the PVC names none
    std::vector<std::string> access_modes;
    std::string fs_type; // from the PV's CSI source; "" when unset
};

struct SourceProblem {
    enum class Kind { missing, not_bound, not_portworx };
    Kind kind;
    std::string object;  // `persistentvolumeclaim "prod/x"` or `persistentvolume "pv-1"`
    std::string message; // what is wrong and what to do
};

struct SourceResolution {
    std::vector<SourceVolume> volumes;   // in the order the profile names the PVCs (else by name)
    std::vector<SourceProblem> problems; // every problem, not only the first
};

// `wanted`: the PVC names of source.pvcs; empty when a selector chose `pvcs`, in which case every
// listed PVC is wanted and an empty list is itself a problem. `pvs` maps PV names to objects.
SourceResolution resolve_source_volumes(const std::string& source_namespace,
                                        const std::vector<std::string>& wanted,
                                        const std::vector<nlohmann::json>& pvcs,
                                        const std::map<std::string, nlohmann::json>& pvs);

// The Portworx volume id of a PV; "" when the PV is not backed by Portworx.
std::string portworx_volume_id(const nlohmann::json& pv);

} // namespace pxclone::plan
