#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <doctest/doctest.h>

#include "fixture.hpp"
#include "sim_test_support.hpp"

using pxsim::Json;
using pxsim::testing::await;
using pxsim::testing::call;

namespace {

pxsim::ServerOptions fixture_options() {
    pxsim::ServerOptions options;
    options.state_files = {std::string(PXSIM_SOURCE_DIR) + "/fixtures/prod-mongo.yaml"};
    options.source_namespaces = {"prod"};
    options.latency = "pvc-bind=20ms,rollout=30ms,job=20ms,ns-delete=20ms";
    options.threads = 8;
    return options;
}

Json get(pxsim::Server& server, const std::string& path, int* status = nullptr) {
    return call(server, "GET", path, nullptr, "application/json", status);
}

bool exists(pxsim::Server& server, const std::string& path) {
    int status = 0;
    get(server, path, &status);
    return status == 200;
}

std::string field(const Json& object, const std::string& pointer) {
    const Json::json_pointer path(pointer);
    if (!object.is_object() || !object.contains(path)) {
        return "";
    }
    const Json& value = object[path];
    return value.is_string() ? value.get<std::string>() : value.dump();
}

const std::string k_prod = "/api/v1/namespaces/prod";

} // namespace

TEST_CASE("the fixture is what the generator makes for 3 volumes") {
    std::ifstream in(std::string(PXSIM_SOURCE_DIR) + "/fixtures/prod-mongo.yaml");
    std::ostringstream text;
    text << in.rdbuf();
    CHECK(text.str() == pxsim::generate_fixture(3));
}

TEST_CASE("the fixture comes up: StatefulSet and Deployment ready, volumes attached") {
    pxsim::Server server(fixture_options());
    server.start();
    const std::string sts = "/apis/apps/v1/namespaces/prod/statefulsets/mongo";
    CHECK(await(server, [&] {
        const Json object = get(server, sts);
        return field(object, "/status/readyReplicas") == "3" &&
               field(object, "/status/currentRevision") == field(object, "/status/updateRevision");
    }));
    const std::string deploy = "/apis/apps/v1/namespaces/prod/deployments/orders-api";
    CHECK(await(server, [&] {
        const Json object = get(server, deploy);
        return field(object, "/status/availableReplicas") == "2" &&
               field(object, "/status/updatedReplicas") == "2";
    }));
    const Json pods = get(server, k_prod + "/pods?labelSelector=app%3Dmongo");
    CHECK(get(server, k_prod + "/pods")["items"].size() == 5);
    const Json pvcs = get(server, k_prod + "/persistentvolumeclaims");
    REQUIRE(pvcs["items"].size() == 3);
    for (const Json& pvc : pvcs["items"]) {
        CHECK(pvc["status"]["phase"] == "Bound");
    }
    const Json pv =
        get(server, "/api/v1/persistentvolumes/" + field(pvcs["items"][0], "/spec/volumeName"));
    CHECK(pv["status"]["phase"] == "Bound");
    CHECK(pv["spec"]["csi"]["driver"] == "pxd.portworx.com");
    CHECK(server.px().inspect(pv["spec"]["csi"]["volumeHandle"]).has_value());
    CHECK(server.violations().empty()); // controllers never count as production writes
    server.stop();
}

TEST_CASE("dynamic provisioning, CSI snapshot, restore from it, reclaim Delete") {
    pxsim::Server server(fixture_options());
    server.start();
    int status = 0;
    call(server, "POST", "/api/v1/namespaces",
         Json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "stage"}}}},
         "application/json", &status);
    REQUIRE(status == 201);
    const std::string stage = "/api/v1/namespaces/stage";
    const auto claim = [](const std::string& name, const Json& data_source) {
        Json pvc = {{"apiVersion", "v1"},
                    {"kind", "PersistentVolumeClaim"},
                    {"metadata", {{"name", name}}},
                    {"spec",
                     {{"accessModes", {"ReadWriteOnce"}},
                      {"storageClassName", "px-db"},
                      {"resources", {{"requests", {{"storage", "2Gi"}}}}}}}};
        if (!data_source.is_null()) {
            pvc["spec"]["dataSource"] = data_source;
        }
        return pvc;
    };
    call(server, "POST", stage + "/persistentvolumeclaims", claim("data", nullptr),
         "application/json", &status);
    REQUIRE(status == 201);
    CHECK(await(server, [&] {
        return field(get(server, stage + "/persistentvolumeclaims/data"), "/status/phase") ==
               "Bound";
    }));
    const Json bound = get(server, stage + "/persistentvolumeclaims/data");
    const Json pv = get(server, "/api/v1/persistentvolumes/" + field(bound, "/spec/volumeName"));
    const std::string volume_id = field(pv, "/spec/csi/volumeHandle");
    CHECK_FALSE(volume_id.empty());
    CHECK(server.px().inspect(volume_id).has_value());
    CHECK(pv["spec"]["persistentVolumeReclaimPolicy"] == "Delete");

    const std::string snapshots =
        "/apis/snapshot.storage.k8s.io/v1/namespaces/stage/volumesnapshots";
    call(server, "POST", snapshots,
         Json{{"apiVersion", "snapshot.storage.k8s.io/v1"},
              {"kind", "VolumeSnapshot"},
              {"metadata", {{"name", "snap"}}},
              {"spec",
               {{"source", {{"persistentVolumeClaimName", "data"}}},
                {"volumeSnapshotClassName", "px-csi-snapclass"}}}},
         "application/json", &status);
    REQUIRE(status == 201);
    CHECK(await(server, [&] {
        return field(get(server, snapshots + "/snap"), "/status/readyToUse") == "true";
    }));
    const Json snapshot = get(server, snapshots + "/snap");
    CHECK(snapshot["status"]["restoreSize"] == "2Gi");
    const Json content = get(server, "/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents/" +
                                         field(snapshot, "/status/boundVolumeSnapshotContentName"));
    const std::string snapshot_id = field(content, "/status/snapshotHandle");
    REQUIRE(server.px().inspect(snapshot_id).has_value());

    call(server, "POST", stage + "/persistentvolumeclaims",
         claim("restored", {{"apiGroup", "snapshot.storage.k8s.io"},
                            {"kind", "VolumeSnapshot"},
                            {"name", "snap"}}),
         "application/json", &status);
    REQUIRE(status == 201);
    CHECK(await(server, [&] {
        return field(get(server, stage + "/persistentvolumeclaims/restored"), "/status/phase") ==
               "Bound";
    }));
    const Json restored_pv =
        get(server,
            "/api/v1/persistentvolumes/" +
                field(get(server, stage + "/persistentvolumeclaims/restored"), "/spec/volumeName"));
    const auto clone = server.px().inspect(field(restored_pv, "/spec/csi/volumeHandle"));
    REQUIRE(clone.has_value());
    CHECK(field(*clone, "/volume/source/parent") == snapshot_id);

    // Deleting the claim releases its PV; reclaim Delete removes the PV and the volume.
    call(server, "DELETE", stage + "/persistentvolumeclaims/data", nullptr, "application/json",
         &status);
    CHECK(status == 200);
    CHECK(await(server, [&] {
        return !exists(server, "/api/v1/persistentvolumes/" + field(pv, "/metadata/name")) &&
               !server.px().inspect(volume_id).has_value();
    }));
    // Deleting the snapshot removes its content and the Portworx snapshot.
    call(server, "DELETE", snapshots + "/snap", nullptr, "application/json", &status);
    CHECK(await(server, [&] {
        return !exists(server, snapshots + "/snap") &&
               !server.px().inspect(snapshot_id).has_value();
    }));
    CHECK(server.violations().empty());
    server.stop();
}

TEST_CASE("a statically pre-bound PV and PVC bind to each other") {
    pxsim::Server server(fixture_options());
    server.start();
    int status = 0;
    call(server, "POST", "/api/v1/persistentvolumes",
         Json{{"apiVersion", "v1"},
              {"kind", "PersistentVolume"},
              {"metadata", {{"name", "pv-static"}}},
              {"spec",
               {{"accessModes", {"ReadWriteOnce"}},
                {"capacity", {{"storage", "1Gi"}}},
                {"storageClassName", ""},
                {"claimRef", {{"namespace", "default"}, {"name", "static"}}},
                {"csi", {{"driver", "pxd.portworx.com"}, {"volumeHandle", "1234"}}}}}},
         "application/json", &status);
    REQUIRE(status == 201);
    call(server, "POST", "/api/v1/namespaces/default/persistentvolumeclaims",
         Json{{"apiVersion", "v1"},
              {"kind", "PersistentVolumeClaim"},
              {"metadata", {{"name", "static"}}},
              {"spec",
               {{"accessModes", {"ReadWriteOnce"}},
                {"storageClassName", ""},
                {"volumeName", "pv-static"},
                {"resources", {{"requests", {{"storage", "1Gi"}}}}}}}},
         "application/json", &status);
    REQUIRE(status == 201);
    CHECK(await(server, [&] {
        return field(get(server, "/api/v1/namespaces/default/persistentvolumeclaims/static"),
                     "/status/phase") == "Bound" &&
               field(get(server, "/api/v1/persistentvolumes/pv-static"), "/status/phase") ==
                   "Bound";
    }));
    // Retain: the claim goes, the PV is Released and stays.
    call(server, "DELETE", "/api/v1/namespaces/default/persistentvolumeclaims/static");
    CHECK(await(server, [&] {
        return field(get(server, "/api/v1/persistentvolumes/pv-static"), "/status/phase") ==
               "Released";
    }));
    server.stop();
}

TEST_CASE("a PV deleted before its bound PVC goes once the PVC goes") {
    pxsim::Server server(fixture_options());
    server.start();
    int status = 0;
    call(server, "POST", "/api/v1/persistentvolumes",
         Json{{"apiVersion", "v1"},
              {"kind", "PersistentVolume"},
              {"metadata", {{"name", "pv-first"}}},
              {"spec",
               {{"accessModes", {"ReadWriteOnce"}},
                {"capacity", {{"storage", "1Gi"}}},
                {"storageClassName", ""},
                {"persistentVolumeReclaimPolicy", "Retain"},
                {"claimRef", {{"namespace", "default"}, {"name", "first"}}},
                {"csi", {{"driver", "pxd.portworx.com"}, {"volumeHandle", "5678"}}}}}},
         "application/json", &status);
    REQUIRE(status == 201);
    call(server, "POST", "/api/v1/namespaces/default/persistentvolumeclaims",
         Json{{"apiVersion", "v1"},
              {"kind", "PersistentVolumeClaim"},
              {"metadata", {{"name", "first"}}},
              {"spec",
               {{"accessModes", {"ReadWriteOnce"}},
                {"storageClassName", ""},
                {"volumeName", "pv-first"},
                {"resources", {{"requests", {{"storage", "1Gi"}}}}}}}},
         "application/json", &status);
    REQUIRE(status == 201);
    REQUIRE(await(server, [&] {
        return field(get(server, "/api/v1/persistentvolumes/pv-first"), "/status/phase") == "Bound";
    }));
    // Bound: pv-protection holds the PV; when the claim goes, it is released and goes too.
    call(server, "DELETE", "/api/v1/persistentvolumes/pv-first");
    CHECK(exists(server, "/api/v1/persistentvolumes/pv-first"));
    call(server, "DELETE", "/api/v1/namespaces/default/persistentvolumeclaims/first");
    CHECK(await(server, [&] { return !exists(server, "/api/v1/persistentvolumes/pv-first"); }));
    server.stop();
}

TEST_CASE("jobs complete, or fail when told to") {
    pxsim::Server server(fixture_options());
    server.start();
    const std::string jobs = "/apis/batch/v1/namespaces/default/jobs";
    const auto job = [](const std::string& name, bool fail) {
        Json object = {{"apiVersion", "batch/v1"},
                       {"kind", "Job"},
                       {"metadata", {{"name", name}}},
                       {"spec",
                        {{"template",
                          {{"spec",
                            {{"restartPolicy", "Never"},
                             {"containers", {{{"name", "c"}, {"image", "busybox:1"}}}}}}}}}}};
        if (fail) {
            object["metadata"]["annotations"]["pxsim.io/fail"] = "true";
        }
        return object;
    };
    int status = 0;
    call(server, "POST", jobs, job("ok", false), "application/json", &status);
    REQUIRE(status == 201);
    call(server, "POST", jobs, job("bad", true), "application/json", &status);
    REQUIRE(status == 201);
    const auto condition = [&](const std::string& name) {
        for (const Json& c :
             get(server, jobs + "/" + name)["status"].value("conditions", Json::array())) {
            if (c["status"] == "True") {
                return c["type"].get<std::string>();
            }
        }
        return std::string();
    };
    CHECK(await(server,
                [&] { return condition("ok") == "Complete" && condition("bad") == "Failed"; }));
    const Json pods = get(server, "/api/v1/namespaces/default/pods?labelSelector=job-name%3Dok");
    REQUIRE(pods["items"].size() == 1);
    CHECK(pods["items"][0]["status"]["phase"] == "Succeeded");
    server.stop();
}

TEST_CASE("a namespace deletes asynchronously: Terminating, emptied, then 404") {
    pxsim::Server server(fixture_options());
    server.start();
    int status = 0;
    call(server, "POST", "/api/v1/namespaces",
         Json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "gone"}}}},
         "application/json", &status);
    call(server, "POST", "/api/v1/namespaces/gone/configmaps",
         Json{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "c"}}}},
         "application/json", &status);
    REQUIRE(status == 201);
    const Json deleted = call(server, "DELETE", "/api/v1/namespaces/gone");
    CHECK(deleted["status"]["phase"] == "Terminating");
    CHECK(await(server, [&] { return !exists(server, "/api/v1/namespaces/gone"); }));
    CHECK_FALSE(exists(server, "/api/v1/namespaces/gone/configmaps/c"));
    server.stop();
}

TEST_CASE("deployment scale down and garbage collection on delete") {
    pxsim::Server server(fixture_options());
    server.start();
    const std::string deploy = "/apis/apps/v1/namespaces/prod/deployments/orders-api";
    CHECK(await(server,
                [&] { return field(get(server, deploy), "/status/availableReplicas") == "2"; }));
    // pxclone would never do this in prod: the guard records it.
    call(server, "PATCH", deploy + "/scale", Json{{"spec", {{"replicas", 0}}}},
         "application/merge-patch+json");
    CHECK(await(server, [&] {
        return get(server, k_prod + "/pods?labelSelector=app%3Dorders-api")["items"].empty() &&
               field(get(server, deploy), "/status/replicas").empty();
    }));
    REQUIRE(server.violations().size() == 1);
    call(server, "DELETE", deploy);
    CHECK(await(server, [&] {
        return get(server,
                   "/apis/apps/v1/namespaces/prod/replicasets?labelSelector=app%3Dorders-api")
            ["items"]
                .empty();
    }));
    server.stop();
}

TEST_CASE("Portworx hooks: attached while a running pod mounts it; source volumes") {
    pxsim::Server server(fixture_options());
    server.start();
    const std::string volume = "1100000000000000000"; // mongo-data-mongo-0's volume
    CHECK(await(server, [&] { return server.is_attached(volume); }));
    CHECK(server.is_source_volume(volume));
    CHECK_FALSE(server.is_source_volume("no-such-volume"));
    CHECK_FALSE(server.is_attached("no-such-volume"));
    CHECK(server.attached_among({volume, "no-such-volume"}) == std::set<std::string>{volume});
    // Scaling the StatefulSet to zero detaches it (and is a production write: recorded).
    call(server, "PATCH", "/apis/apps/v1/namespaces/prod/statefulsets/mongo/scale",
         Json{{"spec", {{"replicas", 0}}}}, "application/merge-patch+json");
    CHECK(await(server, [&] { return !server.is_attached(volume); }));
    CHECK(server.attached_among({volume}).empty());
    CHECK(server.violations().size() == 1);
    server.stop();
}

TEST_CASE("failures surface as real clusters show them: ProvisioningFailed, progress deadline") {
    pxsim::Server server(fixture_options());
    server.start();
    int status = 0;
    call(server, "POST", "/api/v1/namespaces/default/persistentvolumeclaims",
         Json{{"apiVersion", "v1"},
              {"kind", "PersistentVolumeClaim"},
              {"metadata", {{"name", "orphan"}}},
              {"spec",
               {{"accessModes", {"ReadWriteOnce"}},
                {"storageClassName", "no-such-class"},
                {"resources", {{"requests", {{"storage", "1Gi"}}}}}}}},
         "application/json", &status);
    REQUIRE(status == 201);
    const auto failed_event = [&] {
        const Json events = get(server, "/api/v1/namespaces/default/events");
        for (const Json& event : events["items"]) {
            if (event["reason"] == "ProvisioningFailed" &&
                event["involvedObject"]["name"] == "orphan") {
                return true;
            }
        }
        return false;
    };
    CHECK(await(server, failed_event));

    // A Deployment whose pod waits on that claim never progresses.
    call(server, "POST", "/apis/apps/v1/namespaces/default/deployments",
         Json{{"apiVersion", "apps/v1"},
              {"kind", "Deployment"},
              {"metadata", {{"name", "stuck"}}},
              {"spec",
               {{"progressDeadlineSeconds", 1},
                {"selector", {{"matchLabels", {{"app", "stuck"}}}}},
                {"template",
                 {{"metadata", {{"labels", {{"app", "stuck"}}}}},
                  {"spec",
                   {{"containers", {{{"name", "c"}, {"image", "busybox:1"}}}},
                    {"volumes",
                     {{{"name", "data"},
                       {"persistentVolumeClaim", {{"claimName", "orphan"}}}}}}}}}}}}},
         "application/json", &status);
    REQUIRE(status == 201);
    const auto reason = [&] {
        for (const Json& condition :
             get(server, "/apis/apps/v1/namespaces/default/deployments/stuck")["status"].value(
                 "conditions", Json::array())) {
            if (condition["type"] == "Progressing") {
                return condition["reason"].get<std::string>();
            }
        }
        return std::string();
    };
    CHECK(await(server, [&] { return reason() == "ProgressDeadlineExceeded"; }));
    server.stop();
}

TEST_CASE("a PV deleted while Bound goes once its claim is gone, and takes its volume") {
    pxsim::Server server(fixture_options());
    server.start();
    int status = 0;
    const std::string claims = "/api/v1/namespaces/default/persistentvolumeclaims";
    call(server, "POST", claims,
         Json{{"apiVersion", "v1"},
              {"kind", "PersistentVolumeClaim"},
              {"metadata", {{"name", "data"}}},
              {"spec",
               {{"accessModes", {"ReadWriteOnce"}},
                {"storageClassName", "px-db"},
                {"resources", {{"requests", {{"storage", "1Gi"}}}}}}}},
         "application/json", &status);
    REQUIRE(status == 201);
    CHECK(await(server,
                [&] { return field(get(server, claims + "/data"), "/status/phase") == "Bound"; }));
    const std::string pv =
        "/api/v1/persistentvolumes/" + field(get(server, claims + "/data"), "/spec/volumeName");
    const std::string volume_id = field(get(server, pv), "/spec/csi/volumeHandle");
    // Deleted first (as a teardown may), the PV is held by pv-protection while Bound...
    call(server, "DELETE", pv, nullptr, "application/json", &status);
    CHECK(status == 200);
    const Json held = get(server, pv);
    CHECK_FALSE(field(held, "/metadata/deletionTimestamp").empty());
    CHECK(field(held, "/status/phase") == "Bound");
    // ...and released, then gone with its Portworx volume, once the claim goes.
    call(server, "DELETE", claims + "/data", nullptr, "application/json", &status);
    CHECK(status == 200);
    CHECK(await(server, [&] {
        return !exists(server, pv) && !server.px().inspect(volume_id).has_value();
    }));
    server.stop();
}

TEST_CASE("pre-provisioned VolumeSnapshotContent: bind, restore a PVC, Retain and Delete") {
    pxsim::Server server(fixture_options());
    server.start();
    const std::string volume = "1100000000000000000"; // mongo-data-mongo-0's volume, 10Gi
    const auto snapshot_id = server.px().create_snapshot(volume, "prod-snap", {});
    REQUIRE(snapshot_id.has_value());
    int status = 0;
    call(server, "POST", "/api/v1/namespaces",
         Json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "stage"}}}},
         "application/json", &status);
    REQUIRE(status == 201);
    const std::string contents = "/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents";
    const std::string snapshots =
        "/apis/snapshot.storage.k8s.io/v1/namespaces/stage/volumesnapshots";
    const std::string claims = "/api/v1/namespaces/stage/persistentvolumeclaims";
    const auto create = [&](const std::string& path, const Json& object) {
        call(server, "POST", path, object, "application/json", &status);
        REQUIRE(status == 201);
    };
    const auto content = [](const std::string& name, const std::string& handle,
                            const std::string& policy, const std::string& snapshot) {
        return Json{{"apiVersion", "snapshot.storage.k8s.io/v1"},
                    {"kind", "VolumeSnapshotContent"},
                    {"metadata", {{"name", name}}},
                    {"spec",
                     {{"driver", "pxd.portworx.com"},
                      {"deletionPolicy", policy},
                      {"source", {{"snapshotHandle", handle}}},
                      {"volumeSnapshotRef", {{"namespace", "stage"}, {"name", snapshot}}}}}};
    };
    const auto snapshot = [](const std::string& name, const std::string& content_name) {
        return Json{{"apiVersion", "snapshot.storage.k8s.io/v1"},
                    {"kind", "VolumeSnapshot"},
                    {"metadata", {{"name", name}}},
                    {"spec", {{"source", {{"volumeSnapshotContentName", content_name}}}}}};
    };
    const auto claim = [](const std::string& name, const std::string& size,
                          const std::string& snapshot_name) {
        return Json{{"apiVersion", "v1"},
                    {"kind", "PersistentVolumeClaim"},
                    {"metadata", {{"name", name}}},
                    {"spec",
                     {{"accessModes", {"ReadWriteOnce"}},
                      {"storageClassName", "px-db"},
                      {"resources", {{"requests", {{"storage", size}}}}},
                      {"dataSource",
                       {{"apiGroup", "snapshot.storage.k8s.io"},
                        {"kind", "VolumeSnapshot"},
                        {"name", snapshot_name}}}}}};
    };
    const auto ready = [&](const std::string& name) {
        return field(get(server, snapshots + "/" + name), "/status/readyToUse") == "true";
    };
    const auto error_of = [&](const std::string& name) {
        return field(get(server, snapshots + "/" + name), "/status/error/message");
    };

    // Retain: the VolumeSnapshot binds to the content (which learns its uid) and is ready with
    // the Portworx snapshot's size.
    create(contents, content("pre-retain", *snapshot_id, "Retain", "snap"));
    create(snapshots, snapshot("snap", "pre-retain"));
    CHECK(await(server, [&] { return ready("snap"); }));
    const Json bound = get(server, snapshots + "/snap");
    CHECK(field(bound, "/status/boundVolumeSnapshotContentName") == "pre-retain");
    CHECK(field(bound, "/status/restoreSize") == "10Gi");
    CHECK_FALSE(field(bound, "/status/creationTime").empty());
    const Json retained = get(server, contents + "/pre-retain");
    CHECK(field(retained, "/spec/volumeSnapshotRef/uid") == field(bound, "/metadata/uid"));
    CHECK(field(retained, "/status/snapshotHandle") == *snapshot_id);
    CHECK(field(retained, "/status/restoreSize") == "10737418240");
    CHECK(field(retained, "/metadata/finalizers").empty()); // Retain: nothing to clean up

    // A PVC from it is a Portworx clone of the snapshot behind a dynamic PV of the class.
    create(claims, claim("restored", "10Gi", "snap"));
    CHECK(await(server, [&] {
        return field(get(server, claims + "/restored"), "/status/phase") == "Bound";
    }));
    const Json pv = get(server, "/api/v1/persistentvolumes/" +
                                    field(get(server, claims + "/restored"), "/spec/volumeName"));
    CHECK(field(pv, "/spec/persistentVolumeReclaimPolicy") == "Delete");
    CHECK(field(pv, "/spec/storageClassName") == "px-db");
    const std::string clone_id = field(pv, "/spec/csi/volumeHandle");
    const auto clone = server.px().inspect(clone_id);
    REQUIRE(clone.has_value());
    CHECK(field(*clone, "/volume/source/parent") == *snapshot_id);
    // Smaller than the snapshot: the provisioner refuses.
    create(claims, claim("too-small", "1Gi", "snap"));
    CHECK(await(server, [&] {
        const Json events = get(server, "/api/v1/namespaces/stage/events");
        for (const Json& event : events["items"]) {
            if (event["reason"] == "ProvisioningFailed" &&
                event["involvedObject"]["name"] == "too-small") {
                return event["message"].get<std::string>().find("less than the size") !=
                       std::string::npos;
            }
        }
        return false;
    }));
    CHECK(field(get(server, claims + "/too-small"), "/status/phase") == "Pending");
    // While a claim waits to be provisioned from it, the snapshot is protected.
    call(server, "DELETE", snapshots + "/snap", nullptr, "application/json", &status);
    CHECK(status == 200);
    CHECK_FALSE(field(get(server, snapshots + "/snap"), "/metadata/deletionTimestamp").empty());
    call(server, "DELETE", claims + "/too-small", nullptr, "application/json", &status);
    CHECK(await(server, [&] { return !exists(server, snapshots + "/snap"); }));
    // Retain: the content and the Portworx snapshot stay; deleting the content keeps the latter.
    CHECK(exists(server, contents + "/pre-retain"));
    CHECK(server.px().inspect(*snapshot_id).has_value());
    call(server, "DELETE", contents + "/pre-retain", nullptr, "application/json", &status);
    CHECK(await(server, [&] { return !exists(server, contents + "/pre-retain"); }));
    CHECK(server.px().inspect(*snapshot_id).has_value());
    // The released Delete-policy PV takes its clone with it.
    call(server, "DELETE", claims + "/restored", nullptr, "application/json", &status);
    CHECK(await(server, [&] {
        return !exists(server, "/api/v1/persistentvolumes/" + field(pv, "/metadata/name")) &&
               !server.px().inspect(clone_id).has_value();
    }));
    CHECK(server.px().inspect(*snapshot_id).has_value());

    // Delete: the content waits while its snapshot is bound, then goes with the Portworx snapshot.
    const auto doomed_id = server.px().create_snapshot(volume, "prod-snap-2", {});
    REQUIRE(doomed_id.has_value());
    create(contents, content("pre-delete", *doomed_id, "Delete", "snap2"));
    create(snapshots, snapshot("snap2", "pre-delete"));
    CHECK(await(server, [&] { return ready("snap2"); }));
    call(server, "DELETE", contents + "/pre-delete", nullptr, "application/json", &status);
    CHECK(status == 200);
    CHECK_FALSE(
        field(get(server, contents + "/pre-delete"), "/metadata/deletionTimestamp").empty());
    CHECK(server.px().inspect(*doomed_id).has_value());
    call(server, "DELETE", snapshots + "/snap2", nullptr, "application/json", &status);
    CHECK(await(server, [&] {
        return !exists(server, snapshots + "/snap2") && !exists(server, contents + "/pre-delete") &&
               !server.px().inspect(*doomed_id).has_value();
    }));

    // Failures as the snapshot controller reports them.
    create(snapshots, snapshot("lost", "no-such-content"));
    CHECK(await(server, [&] { return error_of("lost") == "VolumeSnapshotContent is missing"; }));
    create(contents, content("other", *snapshot_id, "Retain", "someone-else"));
    create(snapshots, snapshot("misbound", "other"));
    CHECK(await(server, [&] { return !error_of("misbound").empty(); }));
    CHECK_FALSE(ready("misbound"));
    CHECK(field(get(server, contents + "/other"), "/spec/volumeSnapshotRef/uid").empty());
    create(contents, content("gone", "no-such-snapshot", "Retain", "dangling"));
    create(snapshots, snapshot("dangling", "gone"));
    CHECK(await(server, [&] { return !error_of("dangling").empty(); }));
    CHECK_FALSE(ready("dangling"));
    CHECK(server.violations().empty());
    server.stop();
}

TEST_CASE("a Job pod's log is its container's PXSIM_LOG, read as the API server serves logs") {
    pxsim::Server server(fixture_options());
    server.start();
    const std::string jobs = "/apis/batch/v1/namespaces/default/jobs";
    const Json job = {
        {"apiVersion", "batch/v1"},
        {"kind", "Job"},
        {"metadata", {{"name", "talk"}}},
        {"spec",
         {{"template",
           {{"spec",
             {{"restartPolicy", "Never"},
              {"containers",
               {{{"name", "c"},
                 {"image", "busybox:1"},
                 {"env", {{{"name", "PXSIM_LOG"}, {"value", "one\ntwo\nthree"}}}}}}}}}}}}}};
    int status = 0;
    call(server, "POST", jobs, job, "application/json", &status);
    REQUIRE(status == 201);
    const std::string pods = "/api/v1/namespaces/default/pods";
    std::string pod;
    CHECK(await(server, [&] {
        const Json list = get(server, pods + "?labelSelector=job-name%3Dtalk");
        if (list["items"].empty() || list["items"][0]["status"]["phase"] != "Succeeded") {
            return false;
        }
        pod = list["items"][0]["metadata"]["name"];
        return true;
    }));
    const std::string log = pods + "/" + pod + "/log";
    CHECK(get(server, log) == "one\ntwo\nthree\n");
    CHECK(get(server, log + "?container=c&tailLines=2") == "two\nthree\n");
    CHECK(get(server, log + "?tailLines=2&limitBytes=5") == "two\nt");
    const Json wrong = get(server, log + "?container=x", &status);
    CHECK(status == 400);
    CHECK(wrong["message"] == "container x is not valid for pod " + pod);
    get(server, pods + "/nobody/log", &status);
    CHECK(status == 404);
    server.stop();
}

TEST_CASE("a namespace held by another system's finalizer stays Terminating until it goes") {
    pxsim::Server server(fixture_options());
    server.start();
    int status = 0;
    call(server, "POST", "/api/v1/namespaces",
         Json{{"apiVersion", "v1"},
              {"kind", "Namespace"},
              {"metadata", {{"name", "held"}, {"finalizers", {"example.com/hold"}}}},
              {"spec", {{"finalizers", {"backup.example.com/ns"}}}}},
         "application/json", &status);
    REQUIRE(status == 201);
    const std::string ns = "/api/v1/namespaces/held";
    CHECK(get(server, ns)["spec"]["finalizers"] ==
          Json::array({"backup.example.com/ns", "kubernetes"}));
    call(server, "DELETE", ns);
    // Emptied: the namespace controller's own finalizer goes, the others stay.
    CHECK(await(server, [&] {
        return get(server, ns)["spec"]["finalizers"] == Json::array({"backup.example.com/ns"});
    }));
    Json held = get(server, ns);
    CHECK(held["status"]["phase"] == "Terminating");
    CHECK(held["metadata"]["finalizers"] == Json::array({"example.com/hold"}));
    CHECK(held["metadata"].contains("deletionTimestamp"));
    // Its owners remove theirs: a merge patch of metadata, the finalize subresource for spec.
    call(server, "PATCH", ns, Json{{"metadata", {{"finalizers", nullptr}}}},
         "application/merge-patch+json", &status);
    CHECK(status == 200);
    CHECK(exists(server, ns));
    held = get(server, ns);
    held["spec"]["finalizers"] = Json::array();
    call(server, "PUT", ns + "/finalize", held, "application/json", &status);
    CHECK(status == 200);
    CHECK_FALSE(exists(server, ns));
    server.stop();
}
