#include "pxclone/commands/source_volume.hpp"

#include "pxclone/error.hpp"
#include "pxclone/k8s/paths.hpp"
#include "pxclone/k8s/resource.hpp"
#include "pxclone/k8s/status.hpp"

#include <future>
#include <map>
#include <set>

#include <fmt/format.h>

namespace pxclone::cmd {

using json = nlohmann::json;

namespace {

// Up to this many source PVs are read one GET each (a few small requests beat listing every PV
// of a large cluster); more are found in one paginated LIST of all PVs.
constexpr std::size_t k_pv_gets_at_most = 8;

} // namespace

plan::SourceResolution resolve_sources(Session& session, const profile::Profile& profile) {
    const auto& kube = session.kube();
    const auto& source = profile.source;
    const auto& pvcs = k8s::resource_of("PersistentVolumeClaim");
    const auto& pvs = k8s::resource_of("PersistentVolume");
    std::vector<json> claims;
    if (!source.pvcs.empty()) {
        std::vector<std::future<std::optional<json>>> gets;
        for (const auto& name : source.pvcs) {
            gets.push_back(session.pool().submit([&kube, &pvcs, &source, name] {
                return kube.get(pvcs, source.source_namespace, name);
            }));
        }
        for (auto& get : gets) {
            if (auto claim = get.get()) {
                claims.push_back(std::move(*claim));
            }
        }
    } else {
        // On the pool too, so that with --parallel 1 the requests keep one order.
        k8s::ListOptions options;
        options.label_selector = k8s::label_selector(source.selector);
        claims = session.pool()
                     .submit([&kube, &pvcs, &source, options] {
                         return kube.list(pvcs, source.source_namespace, options).items;
                     })
                     .get();
    }

    std::set<std::string> pv_names;
    for (const auto& claim : claims) {
        if (auto pv = k8s::string_field(claim, "/spec/volumeName"); !pv.empty()) {
            pv_names.insert(std::move(pv));
        }
    }
    std::map<std::string, json> volumes;
    if (pv_names.size() > k_pv_gets_at_most) {
        // One paginated LIST of every PV instead of a GET each (a 200-volume set sent 200 GETs):
        // PVs carry no label or field that selects those of some claims.
        auto listed =
            session.pool().submit([&kube, &pvs] { return kube.list(pvs, "", {}).items; }).get();
        for (auto& pv : listed) {
            if (auto name = k8s::string_field(pv, "/metadata/name"); pv_names.contains(name)) {
                volumes.emplace(std::move(name), std::move(pv));
            }
        }
        return plan::resolve_source_volumes(source.source_namespace, source.pvcs, claims, volumes);
    }
    // On the fan-out pool: the connections these reads open (one TLS handshake each) are the
    // ones every volume's SnapshotCreate then uses at once, instead of opening them then.
    std::map<std::string, std::future<std::optional<json>>> pv_gets;
    for (const auto& pv : pv_names) {
        pv_gets.emplace(
            pv, session.fan_out().submit([&kube, &pvs, pv] { return kube.get(pvs, "", pv); }));
    }
    for (auto& [name, get] : pv_gets) {
        if (auto pv = get.get()) {
            volumes.emplace(name, std::move(*pv));
        }
    }
    return plan::resolve_source_volumes(source.source_namespace, source.pvcs, claims, volumes);
}

} // namespace pxclone::cmd
