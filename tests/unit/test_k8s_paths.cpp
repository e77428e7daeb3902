#include "pxclone/k8s/paths.hpp"
#include "pxclone/k8s/resource.hpp"

#include <stdexcept>

#include <doctest/doctest.h>

using namespace pxclone::k8s;

TEST_CASE("resource table knows every kind pxclone touches") {
    for (const auto* kind :
         {"Namespace", "PersistentVolumeClaim", "PersistentVolume", "Pod", "Service", "ConfigMap",
          "Secret", "Event", "Deployment", "StatefulSet", "Job", "StorageClass", "VolumeSnapshot",
          "VolumeSnapshotClass", "VolumeSnapshotContent", "RoleBinding", "ClusterRole"}) {
        CAPTURE(kind);
        const auto* resource = find_resource(kind);
        REQUIRE(resource != nullptr);
        CHECK(resource->kind == kind);
    }
    CHECK(known_resources().size() == 17);
    CHECK(resource_of("Deployment").api_version() == "apps/v1");
    CHECK(resource_of("PersistentVolumeClaim").api_version() == "v1");
    CHECK(resource_of("VolumeSnapshot").api_version() == "snapshot.storage.k8s.io/v1");
    CHECK(resource_of("Deployment").qualified_plural() == "deployments.apps");
    CHECK(resource_of("Job").group == "batch");
    CHECK_FALSE(resource_of("PersistentVolume").namespaced);
    CHECK_FALSE(resource_of("StorageClass").namespaced);
    CHECK_FALSE(resource_of("VolumeSnapshotContent").namespaced);
    CHECK(resource_of("VolumeSnapshot").namespaced);
}

TEST_CASE("find_resource accepts plurals and kubectl short names, case-insensitively") {
    CHECK(find_resource("pvc") == &resource_of("PersistentVolumeClaim"));
    CHECK(find_resource("deploy") == &resource_of("Deployment"));
    CHECK(find_resource("STS") == &resource_of("StatefulSet"));
    CHECK(find_resource("persistentvolumes") == &resource_of("PersistentVolume"));
    CHECK(find_resource("vs") == &resource_of("VolumeSnapshot"));
    CHECK(find_resource("ns") == &resource_of("Namespace"));
    CHECK(find_resource("ReplicaSet") == nullptr);
    CHECK(find_resource("") == nullptr);
    CHECK_THROWS_AS(resource_of("Gizmo"), std::invalid_argument);
}

TEST_CASE("paths follow the API server's layout for core, grouped and cluster-scoped kinds") {
    const auto& pvc = resource_of("PersistentVolumeClaim");
    CHECK(collection_path(pvc, "prod") == "/api/v1/namespaces/prod/persistentvolumeclaims");
    CHECK(collection_path(pvc, "") == "/api/v1/persistentvolumeclaims");
    CHECK(item_path(pvc, "prod", "data") == "/api/v1/namespaces/prod/persistentvolumeclaims/data");
    CHECK(item_path(resource_of("Namespace"), "", "pxdemo") == "/api/v1/namespaces/pxdemo");
    CHECK(item_path(resource_of("PersistentVolume"), "ignored", "pv1") ==
          "/api/v1/persistentvolumes/pv1");
    CHECK(subresource_path(resource_of("Deployment"), "pxdemo", "db", "scale") ==
          "/apis/apps/v1/namespaces/pxdemo/deployments/db/scale");
    CHECK(collection_path(resource_of("StorageClass"), "") ==
          "/apis/storage.k8s.io/v1/storageclasses");
    CHECK(collection_path(resource_of("VolumeSnapshot"), "app") ==
          "/apis/snapshot.storage.k8s.io/v1/namespaces/app/volumesnapshots");
    CHECK(collection_path(resource_of("Job"), "ci") == "/apis/batch/v1/namespaces/ci/jobs");
}

TEST_CASE("paths work for any group/version/resource, and refuse what cannot be addressed") {
    const Resource widget{"example.com", "v1beta1", "widgets", "Widget", true};
    CHECK(item_path(widget, "ns", "w") == "/apis/example.com/v1beta1/namespaces/ns/widgets/w");
    CHECK_THROWS_AS(item_path(resource_of("Pod"), "", "p"), std::invalid_argument);
    CHECK_THROWS_AS(item_path(resource_of("Pod"), "ns", ""), std::invalid_argument);
    // A name is a path segment: anything outside pchar is encoded, the colon is kept.
    CHECK(item_path(resource_of("Service"), "kube-system", "portworx-api:9021") ==
          "/api/v1/namespaces/kube-system/services/portworx-api:9021");
    CHECK(item_path(resource_of("Pod"), "ns", "a b/c") == "/api/v1/namespaces/ns/pods/a%20b%2Fc");
}

TEST_CASE("selectors are percent-encoded in the query") {
    CHECK(percent_encode("app.kubernetes.io/managed-by=pxclone,pxclone.io/run=r1") ==
          "app.kubernetes.io%2Fmanaged-by%3Dpxclone%2Cpxclone.io%2Frun%3Dr1");
    CHECK(percent_encode("tier!=cache") == "tier%21%3Dcache");
    CHECK(percent_encode("env in (a b)") == "env%20in%20%28a%20b%29");
    CHECK(percent_encode("A-z_0.9~") == "A-z_0.9~");

    CHECK(label_selector({{"pxclone.io/run", "r1"}, {"app.kubernetes.io/managed-by", "pxclone"}}) ==
          "app.kubernetes.io/managed-by=pxclone,pxclone.io/run=r1");
    CHECK(label_selector({}).empty());

    Query query;
    CHECK(query.str().empty());
    query.add("labelSelector", "env=staging").add_if("fieldSelector", "").add("limit", "500");
    CHECK(query.str() == "?labelSelector=env%3Dstaging&limit=500");
    CHECK(Query().add("fieldSelector", "metadata.name=db").str() ==
          "?fieldSelector=metadata.name%3Ddb");
}
