// The one place that maps the profile's method to its implementation: a new method adds its line
// here and to every() (and its value to profile::SnapshotMethod and the loader).
#include "pxclone/method/csi.hpp"
#include "pxclone/method/method.hpp"
#include "pxclone/method/portworx.hpp"

#include <algorithm>

namespace pxclone::method {

const Method& of(profile::SnapshotMethod kind) {
    switch (kind) {
    case profile::SnapshotMethod::csi:
        return csi();
    case profile::SnapshotMethod::portworx:
        break;
    }
    return portworx();
}

const std::vector<const Method*>& every() {
    static const std::vector<const Method*> methods{&portworx(), &csi()};
    return methods;
}

const Method& made(const nlohmann::json& pvc) {
    const auto& methods = every();
    const auto found = std::find_if(methods.begin(), methods.end(),
                                    [&pvc](const auto* method) { return method->made(pvc); });
    return found != methods.end() ? **found : portworx();
}

std::vector<std::string> every_kept_kind() {
    std::vector<std::string> kinds;
    for (const auto* method : every()) {
        for (auto& kind : method->kept_kinds()) {
            if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) {
                kinds.push_back(std::move(kind));
            }
        }
    }
    return kinds;
}

const Method& named(std::string_view name) {
    return name == csi().name() ? csi() : portworx();
}

} // namespace pxclone::method
