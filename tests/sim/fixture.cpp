#include "fixture.hpp"

#include <cstdio>
#include <sstream>
#include <vector>

namespace pxsim {

namespace {

std::string uid(int kind, int index) {
    char text[48];
    std::snprintf(text, sizeof text, "7d3c%04x-5a1e-4c2b-9f00-%012d", kind, index);
    return text;
}

// The ownership labels pxclone puts on what it makes, as YAML lines indented by `indent`.
std::string owned_labels(const std::string& indent, const std::string& profile,
                         const std::string& run, const std::string& role, const std::string& set) {
    return indent + "app.kubernetes.io/managed-by: pxclone\n" + indent +
           "pxclone.io/profile: " + profile + "\n" + indent + "pxclone.io/run: " + run + "\n" +
           indent + "pxclone.io/role: " + role + "\n" + indent + "pxclone.io/snapshot-set: " + set +
           "\n";
}

std::string profile_name(int index) {
    return index == 0 ? std::string("bench") : "bench-" + std::to_string(index);
}

} // namespace

std::string generate_catalog(const CatalogShape& shape) {
    std::ostringstream out;
    const std::string prod_volume = "1100000000000000000";
    const int profiles = shape.profiles < 1 ? 1 : shape.profiles;
    const auto snapshot_id = [](int set) {
        return "5" + std::to_string(100000000 + set);
    };
    for (int i = 0; i < shape.sets; ++i) {
        const auto profile = profile_name(i % profiles);
        const auto set = "s" + std::to_string(i);
        out << "---\napiVersion: pxsim/v1\nkind: PortworxVolume\nid: \"" << snapshot_id(i)
            << "\"\nreadonly: true\nsource:\n  parent: \"" << prod_volume
            << "\"\nlocator:\n  name: " << profile << "-" << set
            << "-mongo-data-mongo-0\n  volume_labels:\n"
            << owned_labels("    ", profile, set, "snapshot", set)
            << "    pxclone.io/source: prod/mongo-data-mongo-0\n"
            << "    pxclone.io/created-at: \"2026-11-01T08:00:00Z\"\n"
            << "    pxclone.io/set-size: \"1\"\n"
            << "ctime: \"2026-11-01T08:00:00Z\"\nspec:\n  size: \"10737418240\"\n";
    }
    std::vector<int> expired_in(static_cast<std::size_t>(profiles), 0);
    for (int i = 0; i < shape.environments; ++i) {
        const int p = i % profiles;
        const auto profile = profile_name(p);
        const auto run = "e" + std::to_string(i);
        const bool expired = expired_in[static_cast<std::size_t>(p)]++ < shape.expired;
        const int set_index = shape.sets > 0 ? i % shape.sets : 0;
        const auto set = "s" + std::to_string(set_index);
        const auto ns = profile + "-stg-" + run;
        const auto pv = profile + "-" + run + "-mongo-data-mongo-0";
        const auto claim_uid = uid(2, i);
        const auto clone = std::to_string(6100000000LL + i);
        const auto baseline = std::to_string(7100000000LL + i);
        const auto labels = owned_labels("    ", profile, run, "staging", set);
        out << "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: " << ns << "\n  labels:\n"
            << labels << "  annotations:\n"
            << "    pxclone.io/created-at: \"2026-11-01T08:00:00Z\"\n"
            << "    pxclone.io/ready-at: \"2026-11-01T08:05:00Z\"\n"
            << "    pxclone.io/expires-at: \""
            << (expired ? "2026-01-01T00:00:00Z" : "2099-01-01T00:00:00Z") << "\"\n";
        out << "---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n"
            << "  name: mongo-data-mongo-0\n  namespace: " << ns << "\n  uid: " << claim_uid
            << "\n  labels:\n"
            << labels << "spec:\n  accessModes: [ReadWriteOnce]\n  storageClassName: \"\"\n"
            << "  volumeName: " << pv
            << "\n  resources:\n    requests:\n      storage: 10Gi\nstatus:\n  phase: Bound\n";
        out << "---\napiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: " << pv
            << "\n  labels:\n"
            << labels << "spec:\n  accessModes: [ReadWriteOnce]\n  capacity:\n    storage: 10Gi\n"
            << "  claimRef:\n    apiVersion: v1\n    kind: PersistentVolumeClaim\n"
            << "    name: mongo-data-mongo-0\n    namespace: " << ns << "\n    uid: " << claim_uid
            << "\n  csi:\n    driver: pxd.portworx.com\n    fsType: ext4\n"
            << "    volumeHandle: \"" << clone << "\"\n"
            << "  persistentVolumeReclaimPolicy: Retain\n  storageClassName: \"\"\n"
            << "status:\n  phase: Bound\n";
        out << "---\napiVersion: pxsim/v1\nkind: PortworxVolume\nid: \"" << clone
            << "\"\nsource:\n  parent: \"" << snapshot_id(set_index)
            << "\"\nlocator:\n  name: " << profile << "-" << run
            << "-clone-mongo-data-mongo-0\n  volume_labels:\n"
            << owned_labels("    ", profile, run, "staging", set)
            << "ctime: \"2026-11-01T08:00:00Z\"\nspec:\n  size: \"10737418240\"\n";
        out << "---\napiVersion: pxsim/v1\nkind: PortworxVolume\nid: \"" << baseline
            << "\"\nreadonly: true\nsource:\n  parent: \"" << clone
            << "\"\nlocator:\n  name: " << profile << "-" << run
            << "-baseline-mongo-data-mongo-0\n  volume_labels:\n"
            << owned_labels("    ", profile, run, "baseline", set)
            << "ctime: \"2026-11-01T08:00:00Z\"\nspec:\n  size: \"10737418240\"\n";
    }
    return out.str();
}

std::string generate_fixture(int volumes) {
    std::ostringstream out;
    out << R"(# pxsim state: generated by `pxsim --generate-fixture )" << volumes << R"(`.
apiVersion: v1
kind: Namespace
metadata:
  name: prod
  labels:
    env: production
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: px-db
provisioner: pxd.portworx.com
parameters:
  repl: "3"
  io_profile: db_remote
reclaimPolicy: Delete
allowVolumeExpansion: true
volumeBindingMode: Immediate
---
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshotClass
metadata:
  name: px-csi-snapclass
  annotations:
    snapshot.storage.kubernetes.io/is-default-class: "true"
driver: pxd.portworx.com
deletionPolicy: Delete
---
apiVersion: v1
kind: Service
metadata:
  name: portworx-api
  namespace: kube-system
  labels:
    name: portworx-api
spec:
  selector:
    name: portworx-api
  ports:
  - name: px-api
    port: 9001
    targetPort: 9001
  - name: px-sdk
    port: 9020
    targetPort: 9020
  - name: px-rest-gateway
    port: 9021
    targetPort: 9021
---
apiVersion: v1
kind: Service
metadata:
  name: mongo
  namespace: prod
  labels:
    app: mongo
spec:
  clusterIP: None
  selector:
    app: mongo
  ports:
  - name: mongodb
    port: 27017
    targetPort: 27017
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: mongo
  namespace: prod
  labels:
    app: mongo
spec:
  serviceName: mongo
  podManagementPolicy: Parallel
  replicas: )"
        << volumes << R"(
  selector:
    matchLabels:
      app: mongo
  template:
    metadata:
      labels:
        app: mongo
    spec:
      containers:
      - name: mongo
        image: mongo:7.0
        ports:
        - containerPort: 27017
          name: mongodb
        volumeMounts:
        - name: mongo-data
          mountPath: /data/db
  volumeClaimTemplates:
  - metadata:
      name: mongo-data
    spec:
      accessModes: [ReadWriteOnce]
      storageClassName: px-db
      resources:
        requests:
          storage: 10Gi
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders-api
  namespace: prod
  labels:
    app: orders-api
spec:
  replicas: 2
  selector:
    matchLabels:
      app: orders-api
  template:
    metadata:
      labels:
        app: orders-api
    spec:
      containers:
      - name: api
        image: example/orders-api:1.4.2
        env:
        - name: MONGO_URL
          value: mongodb://mongo-0.mongo.prod.svc:27017/orders
)";
    for (int i = 0; i < volumes; ++i) {
        const std::string claim = "mongo-data-mongo-" + std::to_string(i);
        const std::string claim_uid = uid(1, i);
        const std::string pv = "pvc-" + claim_uid;
        const std::string volume_id = std::to_string(1100000000000000000LL + 7919LL * i);
        out << R"(---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: )" << claim
            << R"(
  namespace: prod
  uid: )" << claim_uid
            << R"(
  labels:
    app: mongo
  annotations:
    pv.kubernetes.io/bind-completed: "yes"
    pv.kubernetes.io/bound-by-controller: "yes"
    volume.beta.kubernetes.io/storage-provisioner: pxd.portworx.com
    volume.kubernetes.io/storage-provisioner: pxd.portworx.com
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: px-db
  volumeName: )"
            << pv << R"(
  resources:
    requests:
      storage: 10Gi
status:
  phase: Bound
  accessModes: [ReadWriteOnce]
  capacity:
    storage: 10Gi
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: )" << pv
            << R"(
  annotations:
    pv.kubernetes.io/provisioned-by: pxd.portworx.com
spec:
  accessModes: [ReadWriteOnce]
  capacity:
    storage: 10Gi
  claimRef:
    apiVersion: v1
    kind: PersistentVolumeClaim
    name: )" << claim
            << R"(
    namespace: prod
    uid: )" << claim_uid
            << R"(
  csi:
    driver: pxd.portworx.com
    fsType: ext4
    volumeHandle: ")"
            << volume_id << R"("
    volumeAttributes:
      repl: "3"
      io_profile: db_remote
  persistentVolumeReclaimPolicy: Delete
  storageClassName: px-db
  volumeMode: Filesystem
status:
  phase: Bound
---
apiVersion: pxsim/v1
kind: PortworxVolume
id: ")" << volume_id
            << R"("
source: {}
locator:
  name: )" << pv
            << R"(
  volume_labels:
    namespace: prod
    pvc: )" << claim
            << R"(
ctime: "2026-11-01T08:00:00Z"
spec:
  size: "10737418240"
  ha_level: "3"
  format: FS_TYPE_EXT4
status: VOLUME_STATUS_UP
state: VOLUME_STATE_ATTACHED
)";
    }
    return out.str();
}

} // namespace pxsim
