// Generated pxsim state: a production namespace with a MongoDB StatefulSet on Portworx volumes
// (tests/sim/fixtures/prod-mongo.yaml is generate_fixture(3)), for demos, tests and benchmarks.
#pragma once

#include <string>

namespace pxsim {

// A multi-document YAML state file: namespace `prod` with the StatefulSet `mongo` (`volumes`
// replicas), its headless Service, one bound PVC `mongo-data-mongo-N` per replica on a Portworx CSI
// PV with its Portworx volume, the StorageClass `px-db`, the VolumeSnapshotClass
// `px-csi-snapclass`, the Service `kube-system/portworx-api` and the app Deployment `orders-api`.
std::string generate_fixture(int volumes);

// What earlier pxclone runs left, for the catalog's benchmarks (`list`, `teardown --expired`):
// `sets` snapshot sets (one Portworx snapshot of prod's first volume each) and `environments`
// staging environments (a namespace with one bound PVC on a static PV, its Portworx clone of a
// set's snapshot and the clone's baseline), spread over `profiles` profiles named "bench",
// "bench-1", ... (environment and set i belong to profile i % profiles); the first `expired`
// environments of each profile expired on 2026-01-01, the others expire in 2099. Labelled as
// pxclone labels them. Append to generate_fixture's output (it needs prod's volume).
struct CatalogShape {
    int environments = 0;
    int sets = 0;
    int profiles = 1;
    int expired = 0;
};
std::string generate_catalog(const CatalogShape& shape);

} // namespace pxsim
