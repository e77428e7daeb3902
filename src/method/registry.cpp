// The one place that maps the profile's method to its implementation: a new method adds its line
// here (and its value to profile::SnapshotMethod and the loader).
#include "pxclone/method/csi.hpp"
#include "pxclone/method/method.hpp"
#include "pxclone/method/portworx.hpp"

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

const Method& named(std::string_view name) {
    return name == csi().name() ? csi() : portworx();
}

} // namespace pxclone::method
