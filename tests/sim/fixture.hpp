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

} // namespace pxsim
