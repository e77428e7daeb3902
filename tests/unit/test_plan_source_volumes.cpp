#include "pxclone/plan/source_volumes.hpp"

#include <doctest/doctest.h>

using nlohmann::json;
using namespace pxclone::plan;

namespace {
json pvc(const std::string& name, const std::string& phase, const std::string& volume) {
    return {{"metadata", {{"name", name}, {"namespace", "prod"}}},
            {"spec",
             {{"volumeName", volume},
              {"storageClassName", "px-db"},
              {"accessModes", {"ReadWriteOnce"}},
              {"resources", {{"requests", {{"storage", "10Gi"}}}}}}},
            {"status", {{"phase", phase}, {"capacity", {{"storage", "20Gi"}}}}}};
}
json csi_pv(const std::string& name, const std::string& handle) {
    return {{"metadata", {{"name", name}}},
            {"spec",
             {{"csi",
               {{"driver", "pxd.portworx.com"}, {"volumeHandle", handle}, {"fsType", "ext4"}}}}}};
}
} // namespace

TEST_CASE("a bound PVC on a Portworx CSI PV resolves to its volume") {
    const auto result = resolve_source_volumes("prod", {"data-0"}, {pvc("data-0", "Bound", "pv-0")},
                                               {{"pv-0", csi_pv("pv-0", "1001")}});
    REQUIRE(result.problems.empty());
    REQUIRE(result.volumes.size() == 1);
    const auto& volume = result.volumes[0];
    CHECK(volume.volume_id == "1001");
    CHECK(volume.pv == "pv-0");
    CHECK(volume.size_bytes == 20LL << 30);
    CHECK(volume.storage_class == "px-db");
    CHECK(volume.access_modes == std::vector<std::string>{"ReadWriteOnce"});
    CHECK(volume.fs_type == "ext4");
}

TEST_CASE("the in-tree Portworx driver is read from spec.portworxVolume") {
    const json pv = {{"spec", {{"portworxVolume", {{"volumeID", "777"}}}}}};
    CHECK(portworx_volume_id(pv) == "777");
    CHECK(portworx_volume_id(json{
              {"spec", {{"csi", {{"driver", "ebs.csi.aws.com"}, {"volumeHandle", "vol-1"}}}}}}) ==
          "");
}

TEST_CASE("every problem is reported, each naming its object") {
    const json ebs = {{"spec", {{"csi", {{"driver", "ebs.csi.aws.com"}, {"volumeHandle", "v"}}}}}};
    const auto result =
        resolve_source_volumes("prod", {"missing", "pending", "ebs", "lost-pv"},
                               {pvc("pending", "Pending", ""), pvc("ebs", "Bound", "pv-ebs"),
                                pvc("lost-pv", "Bound", "pv-gone")},
                               {{"pv-ebs", ebs}});
    CHECK(result.volumes.empty());
    REQUIRE(result.problems.size() == 4);
    CHECK(result.problems[0].kind == SourceProblem::Kind::missing);
    CHECK(result.problems[0].object == "persistentvolumeclaim \"prod/missing\"");
    CHECK(result.problems[1].kind == SourceProblem::Kind::not_bound);
    CHECK(result.problems[1].message.find("Pending") != std::string::npos);
    CHECK(result.problems[2].kind == SourceProblem::Kind::not_portworx);
    CHECK(result.problems[3].object == "persistentvolume \"pv-gone\"");
}

TEST_CASE("a selector that matches nothing is a problem") {
    const auto result = resolve_source_volumes("prod", {}, {}, {});
    REQUIRE(result.problems.size() == 1);
    CHECK(result.problems[0].message.find("selector") != std::string::npos);
}

TEST_CASE("a Bound PVC whose spec.volumeName is not a string says so") {
    auto claim = pvc("data", "Bound", "pv1");
    claim["spec"]["volumeName"] = 42;
    const auto result = resolve_source_volumes("prod", {"data"}, {claim}, {});
    REQUIRE(result.problems.size() == 1);
    CHECK(result.problems[0].message ==
          "is Bound but names no volume (spec.volumeName is missing or not a string)");
}
