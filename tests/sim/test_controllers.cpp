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

std::string field(const Json& object, const std::string& pointer) {
    const Json::json_pointer path(pointer);
    if (!object.is_object() || !object.contains(path)) {
        return "";
    }
    const Json& value = object[path];
    return value.is_string() ? value.get<std::string>() : value.dump();
}

const std::string k_prod = "/api/v1/namespaces/prod";

// A PersistentVolumeClaim of `size` in `storage_class` ("" for static binding); `spec` adds to its
// spec (volumeName, dataSource).
Json claim(const std::string& name, const std::string& storage_class, const std::string& size,
           const Json& spec = Json::object()) {
    Json pvc = {{"apiVersion", "v1"},
                {"kind", "PersistentVolumeClaim"},
                {"metadata", {{"name", name}}},
                {"spec",
                 {{"accessModes", {"ReadWriteOnce"}},
                  {"storageClassName", storage_class},
                  {"resources", {{"requests", {{"storage", size}}}}}}}};
    pvc["spec"].update(spec);
    return pvc;
}

// A PersistentVolume of 1Gi on Portworx volume `handle`, pre-bound to claim default/`claim_name`;
// `spec` adds to its spec.
Json static_pv(const std::string& name, const std::string& claim_name, const std::string& handle,
               const Json& spec = Json::object()) {
    Json pv = {{"apiVersion", "v1"},
               {"kind", "PersistentVolume"},
               {"metadata", {{"name", name}}},
               {"spec",
                {{"accessModes", {"ReadWriteOnce"}},
                 {"capacity", {{"storage", "1Gi"}}},
                 {"storageClassName", ""},
                 {"claimRef", {{"namespace", "default"}, {"name", claim_name}}},
                 {"csi", {{"driver", "pxd.portworx.com"}, {"volumeHandle", handle}}}}}};
    pv["spec"].update(spec);
    return pv;
}

// Each case's cluster: pxsim serving the production fixture, started for the case and stopped
// after it, with the requests the cases make.
struct Cluster {
    Cluster() { server.start(); }
    ~Cluster() { server.stop(); }
    Cluster(const Cluster&) = delete;
    Cluster& operator=(const Cluster&) = delete;

    Json get(const std::string& path, int* status = nullptr) {
        return call(server, "GET", path, nullptr, "application/json", status);
    }

    bool exists(const std::string& path) {
        int status = 0;
        get(path, &status);
        return status == 200;
    }

    // POSTs `object` to the collection `path`; the case stops unless it was created (201).
    Json create(const std::string& path, const Json& object) {
        int status = 0;
        Json reply = call(server, "POST", path, object, "application/json", &status);
        REQUIRE(status == 201);
        return reply;
    }

    // DELETEs `path`; the HTTP status.
    int remove(const std::string& path) {
        int status = 0;
        call(server, "DELETE", path, nullptr, "application/json", &status);
        return status;
    }

    // Whether `done` comes to hold (re-checked as the store changes) within the time limit.
    bool settled(const std::function<bool()>& done) { return await(server, done); }

    pxsim::Server server{fixture_options()};
};

} // namespace

TEST_CASE("the fixture is what the generator makes for 3 volumes") {
    std::ifstream in(std::string(PXSIM_SOURCE_DIR) + "/fixtures/prod-mongo.yaml");
    std::ostringstream text;
    text << in.rdbuf();
    CHECK(text.str() == pxsim::generate_fixture(3));
}

TEST_CASE_FIXTURE(Cluster,
                  "the fixture comes up: StatefulSet and Deployment ready, volumes attached") {
    const std::string sts = "/apis/apps/v1/namespaces/prod/statefulsets/mongo";
    CHECK(settled([&] {
        const Json object = get(sts);
        return field(object, "/status/readyReplicas") == "3" &&
               field(object, "/status/currentRevision") == field(object, "/status/updateRevision");
    }));
    const std::string deploy = "/apis/apps/v1/namespaces/prod/deployments/orders-api";
    CHECK(settled([&] {
        const Json object = get(deploy);
        return field(object, "/status/availableReplicas") == "2" &&
               field(object, "/status/updatedReplicas") == "2";
    }));
    const Json pods = get(k_prod + "/pods?labelSelector=app%3Dmongo");
    CHECK(get(k_prod + "/pods")["items"].size() == 5);
    const Json pvcs = get(k_prod + "/persistentvolumeclaims");
    REQUIRE(pvcs["items"].size() == 3);
    for (const Json& pvc : pvcs["items"]) {
        CHECK(pvc["status"]["phase"] == "Bound");
    }
    const Json pv = get("/api/v1/persistentvolumes/" + field(pvcs["items"][0], "/spec/volumeName"));
    CHECK(pv["status"]["phase"] == "Bound");
    CHECK(pv["spec"]["csi"]["driver"] == "pxd.portworx.com");
    CHECK(server.px().inspect(pv["spec"]["csi"]["volumeHandle"]).has_value());
    CHECK(server.violations().empty()); // controllers never count as production writes
}

TEST_CASE_FIXTURE(Cluster, "dynamic provisioning, CSI snapshot, restore from it, reclaim Delete") {
    create("/api/v1/namespaces",
           Json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "stage"}}}});
    const std::string stage = "/api/v1/namespaces/stage";
    auto labelled = claim("data", "px-db", "2Gi");
    labelled["metadata"]["labels"] = {{"pxclone.io/run", "r1"}};
    create(stage + "/persistentvolumeclaims", labelled);
    CHECK(settled([&] {
        return field(get(stage + "/persistentvolumeclaims/data"), "/status/phase") == "Bound";
    }));
    const Json bound = get(stage + "/persistentvolumeclaims/data");
    const Json pv = get("/api/v1/persistentvolumes/" + field(bound, "/spec/volumeName"));
    const std::string volume_id = field(pv, "/spec/csi/volumeHandle");
    CHECK_FALSE(volume_id.empty());
    const auto volume = server.px().inspect(volume_id);
    REQUIRE(volume.has_value());
    // As an external-provisioner: no PVC label is copied to the PV or the Portworx volume.
    CHECK_FALSE(pv["metadata"].contains("labels"));
    CHECK_FALSE(volume->dump().find("pxclone.io/run") != std::string::npos);
    CHECK(pv["spec"]["persistentVolumeReclaimPolicy"] == "Delete");

    const std::string snapshots =
        "/apis/snapshot.storage.k8s.io/v1/namespaces/stage/volumesnapshots";
    create(snapshots, Json{{"apiVersion", "snapshot.storage.k8s.io/v1"},
                           {"kind", "VolumeSnapshot"},
                           {"metadata", {{"name", "snap"}}},
                           {"spec",
                            {{"source", {{"persistentVolumeClaimName", "data"}}},
                             {"volumeSnapshotClassName", "px-csi-snapclass"}}}});
    CHECK(settled([&] { return field(get(snapshots + "/snap"), "/status/readyToUse") == "true"; }));
    const Json snapshot = get(snapshots + "/snap");
    CHECK(snapshot["status"]["restoreSize"] == "2Gi");
    const Json content = get("/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents/" +
                             field(snapshot, "/status/boundVolumeSnapshotContentName"));
    const std::string snapshot_id = field(content, "/status/snapshotHandle");
    REQUIRE(server.px().inspect(snapshot_id).has_value());

    create(stage + "/persistentvolumeclaims", claim("restored", "px-db", "2Gi",
                                                    {{"dataSource",
                                                      {{"apiGroup", "snapshot.storage.k8s.io"},
                                                       {"kind", "VolumeSnapshot"},
                                                       {"name", "snap"}}}}));
    CHECK(settled([&] {
        return field(get(stage + "/persistentvolumeclaims/restored"), "/status/phase") == "Bound";
    }));
    const Json restored_pv =
        get("/api/v1/persistentvolumes/" +
            field(get(stage + "/persistentvolumeclaims/restored"), "/spec/volumeName"));
    const auto clone = server.px().inspect(field(restored_pv, "/spec/csi/volumeHandle"));
    REQUIRE(clone.has_value());
    CHECK(field(*clone, "/volume/source/parent") == snapshot_id);

    // Deleting the claim releases its PV; reclaim Delete removes the PV and the volume.
    CHECK(remove(stage + "/persistentvolumeclaims/data") == 200);
    CHECK(settled([&] {
        return !exists("/api/v1/persistentvolumes/" + field(pv, "/metadata/name")) &&
               !server.px().inspect(volume_id).has_value();
    }));
    // Deleting the snapshot removes its content and the Portworx snapshot.
    remove(snapshots + "/snap");
    CHECK(settled([&] {
        return !exists(snapshots + "/snap") && !server.px().inspect(snapshot_id).has_value();
    }));
    CHECK(server.violations().empty());
}

TEST_CASE_FIXTURE(Cluster, "a statically pre-bound PV and PVC bind to each other") {
    create("/api/v1/persistentvolumes", static_pv("pv-static", "static", "1234"));
    create("/api/v1/namespaces/default/persistentvolumeclaims",
           claim("static", "", "1Gi", {{"volumeName", "pv-static"}}));
    CHECK(settled([&] {
        return field(get("/api/v1/namespaces/default/persistentvolumeclaims/static"),
                     "/status/phase") == "Bound" &&
               field(get("/api/v1/persistentvolumes/pv-static"), "/status/phase") == "Bound";
    }));
    // Retain: the claim goes, the PV is Released and stays.
    remove("/api/v1/namespaces/default/persistentvolumeclaims/static");
    CHECK(settled([&] {
        return field(get("/api/v1/persistentvolumes/pv-static"), "/status/phase") == "Released";
    }));
}

TEST_CASE_FIXTURE(Cluster, "a CSI PV made by hand with reclaim Delete stays Released, volume too") {
    // The external-provisioner deletes only what it provisioned (pv.kubernetes.io/provisioned-by).
    const auto volume_id = server.px().create_volume("by-hand", 1 << 30, {});
    create("/api/v1/persistentvolumes",
           static_pv("pv-hand", "hand", volume_id, {{"persistentVolumeReclaimPolicy", "Delete"}}));
    create("/api/v1/namespaces/default/persistentvolumeclaims",
           claim("hand", "", "1Gi", {{"volumeName", "pv-hand"}}));
    REQUIRE(settled([&] {
        return field(get("/api/v1/persistentvolumes/pv-hand"), "/status/phase") == "Bound";
    }));
    remove("/api/v1/namespaces/default/persistentvolumeclaims/hand");
    REQUIRE(settled([&] {
        return field(get("/api/v1/persistentvolumes/pv-hand"), "/status/phase") == "Released";
    }));
    // Given the time a reclaim takes here many times over, it still does not go.
    CHECK_FALSE(await(
        server, [&] { return !exists("/api/v1/persistentvolumes/pv-hand"); },
        std::chrono::seconds(2)));
    CHECK(server.px().inspect(volume_id).has_value());
}

TEST_CASE_FIXTURE(Cluster, "a PV deleted before its bound PVC goes once the PVC goes") {
    create("/api/v1/persistentvolumes",
           static_pv("pv-first", "first", "5678", {{"persistentVolumeReclaimPolicy", "Retain"}}));
    create("/api/v1/namespaces/default/persistentvolumeclaims",
           claim("first", "", "1Gi", {{"volumeName", "pv-first"}}));
    REQUIRE(settled([&] {
        return field(get("/api/v1/persistentvolumes/pv-first"), "/status/phase") == "Bound";
    }));
    // Bound: pv-protection holds the PV; when the claim goes, it is released and goes too.
    remove("/api/v1/persistentvolumes/pv-first");
    CHECK(exists("/api/v1/persistentvolumes/pv-first"));
    remove("/api/v1/namespaces/default/persistentvolumeclaims/first");
    CHECK(settled([&] { return !exists("/api/v1/persistentvolumes/pv-first"); }));
}

TEST_CASE_FIXTURE(Cluster, "jobs complete, or fail when told to") {
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
    create(jobs, job("ok", false));
    create(jobs, job("bad", true));
    const auto condition = [&](const std::string& name) {
        for (const Json& c : get(jobs + "/" + name)["status"].value("conditions", Json::array())) {
            if (c["status"] == "True") {
                return c["type"].get<std::string>();
            }
        }
        return std::string();
    };
    CHECK(settled([&] { return condition("ok") == "Complete" && condition("bad") == "Failed"; }));
    const Json pods = get("/api/v1/namespaces/default/pods?labelSelector=job-name%3Dok");
    REQUIRE(pods["items"].size() == 1);
    CHECK(pods["items"][0]["status"]["phase"] == "Succeeded");
}

TEST_CASE_FIXTURE(Cluster, "a namespace deletes asynchronously: Terminating, emptied, then 404") {
    create("/api/v1/namespaces",
           Json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "gone"}}}});
    create("/api/v1/namespaces/gone/configmaps",
           Json{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "c"}}}});
    const Json deleted = call(server, "DELETE", "/api/v1/namespaces/gone");
    CHECK(deleted["status"]["phase"] == "Terminating");
    CHECK(settled([&] { return !exists("/api/v1/namespaces/gone"); }));
    CHECK_FALSE(exists("/api/v1/namespaces/gone/configmaps/c"));
}

TEST_CASE_FIXTURE(Cluster, "deployment scale down and garbage collection on delete") {
    const std::string deploy = "/apis/apps/v1/namespaces/prod/deployments/orders-api";
    CHECK(settled([&] { return field(get(deploy), "/status/availableReplicas") == "2"; }));
    // pxclone would never do this in prod: the guard records it.
    call(server, "PATCH", deploy + "/scale", Json{{"spec", {{"replicas", 0}}}},
         "application/merge-patch+json");
    CHECK(settled([&] {
        return get(k_prod + "/pods?labelSelector=app%3Dorders-api")["items"].empty() &&
               field(get(deploy), "/status/replicas").empty();
    }));
    REQUIRE(server.violations().size() == 1);
    remove(deploy);
    CHECK(settled([&] {
        return get("/apis/apps/v1/namespaces/prod/replicasets?labelSelector=app%3Dorders-api")
            ["items"]
                .empty();
    }));
}

TEST_CASE_FIXTURE(Cluster,
                  "Portworx hooks: attached while a running pod mounts it; source volumes") {
    const std::string volume = "1100000000000000000"; // mongo-data-mongo-0's volume
    CHECK(settled([&] { return server.is_attached(volume); }));
    CHECK(server.is_source_volume(volume));
    CHECK_FALSE(server.is_source_volume("no-such-volume"));
    CHECK_FALSE(server.is_attached("no-such-volume"));
    CHECK(server.attached_among({volume, "no-such-volume"}) == std::set<std::string>{volume});
    // Scaling the StatefulSet to zero detaches it (and is a production write: recorded).
    call(server, "PATCH", "/apis/apps/v1/namespaces/prod/statefulsets/mongo/scale",
         Json{{"spec", {{"replicas", 0}}}}, "application/merge-patch+json");
    CHECK(settled([&] { return !server.is_attached(volume); }));
    CHECK(server.attached_among({volume}).empty());
    CHECK(server.violations().size() == 1);
}

TEST_CASE_FIXTURE(
    Cluster, "failures surface as real clusters show them: ProvisioningFailed, progress deadline") {
    create("/api/v1/namespaces/default/persistentvolumeclaims",
           claim("orphan", "no-such-class", "1Gi"));
    const auto failed_event = [&] {
        const Json events = get("/api/v1/namespaces/default/events");
        for (const Json& event : events["items"]) {
            if (event["reason"] == "ProvisioningFailed" &&
                event["involvedObject"]["name"] == "orphan") {
                return true;
            }
        }
        return false;
    };
    CHECK(settled(failed_event));

    // A Deployment whose pod waits on that claim never progresses.
    create("/apis/apps/v1/namespaces/default/deployments",
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
                         {"persistentVolumeClaim", {{"claimName", "orphan"}}}}}}}}}}}}});
    const auto reason = [&] {
        for (const Json& condition :
             get("/apis/apps/v1/namespaces/default/deployments/stuck")["status"].value(
                 "conditions", Json::array())) {
            if (condition["type"] == "Progressing") {
                return condition["reason"].get<std::string>();
            }
        }
        return std::string();
    };
    CHECK(settled([&] { return reason() == "ProgressDeadlineExceeded"; }));
}

TEST_CASE_FIXTURE(Cluster,
                  "a PV deleted while Bound goes once its claim is gone, and takes its volume") {
    const std::string claims = "/api/v1/namespaces/default/persistentvolumeclaims";
    create(claims, claim("data", "px-db", "1Gi"));
    CHECK(settled([&] { return field(get(claims + "/data"), "/status/phase") == "Bound"; }));
    const std::string pv =
        "/api/v1/persistentvolumes/" + field(get(claims + "/data"), "/spec/volumeName");
    const std::string volume_id = field(get(pv), "/spec/csi/volumeHandle");
    // Deleted first (as a teardown may), the PV is held by pv-protection while Bound...
    CHECK(remove(pv) == 200);
    const Json held = get(pv);
    CHECK_FALSE(field(held, "/metadata/deletionTimestamp").empty());
    CHECK(field(held, "/status/phase") == "Bound");
    // ...and released, then gone with its Portworx volume, once the claim goes.
    CHECK(remove(claims + "/data") == 200);
    CHECK(settled([&] { return !exists(pv) && !server.px().inspect(volume_id).has_value(); }));
}

TEST_CASE_FIXTURE(Cluster,
                  "pre-provisioned VolumeSnapshotContent: bind, restore a PVC, Retain and Delete") {
    const std::string volume = "1100000000000000000"; // mongo-data-mongo-0's volume, 10Gi
    const auto snapshot_id = server.px().create_snapshot(volume, "prod-snap", {});
    REQUIRE(snapshot_id.has_value());
    create("/api/v1/namespaces",
           Json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "stage"}}}});
    const std::string contents = "/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents";
    const std::string snapshots =
        "/apis/snapshot.storage.k8s.io/v1/namespaces/stage/volumesnapshots";
    const std::string claims = "/api/v1/namespaces/stage/persistentvolumeclaims";
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
    const auto restore_claim = [](const std::string& name, const std::string& size,
                                  const std::string& snapshot_name) {
        return claim(name, "px-db", size,
                     {{"dataSource",
                       {{"apiGroup", "snapshot.storage.k8s.io"},
                        {"kind", "VolumeSnapshot"},
                        {"name", snapshot_name}}}});
    };
    const auto ready = [&](const std::string& name) {
        return field(get(snapshots + "/" + name), "/status/readyToUse") == "true";
    };
    const auto error_of = [&](const std::string& name) {
        return field(get(snapshots + "/" + name), "/status/error/message");
    };

    // Retain: the VolumeSnapshot binds to the content (which learns its uid) and is ready with
    // the Portworx snapshot's size.
    create(contents, content("pre-retain", *snapshot_id, "Retain", "snap"));
    create(snapshots, snapshot("snap", "pre-retain"));
    CHECK(settled([&] { return ready("snap"); }));
    const Json bound = get(snapshots + "/snap");
    CHECK(field(bound, "/status/boundVolumeSnapshotContentName") == "pre-retain");
    CHECK(field(bound, "/status/restoreSize") == "10Gi");
    CHECK_FALSE(field(bound, "/status/creationTime").empty());
    const Json retained = get(contents + "/pre-retain");
    CHECK(field(retained, "/spec/volumeSnapshotRef/uid") == field(bound, "/metadata/uid"));
    CHECK(field(retained, "/status/snapshotHandle") == *snapshot_id);
    CHECK(field(retained, "/status/restoreSize") == "10737418240");
    CHECK(field(retained, "/metadata/finalizers").empty()); // Retain: nothing to clean up

    // A PVC from it is a Portworx clone of the snapshot behind a dynamic PV of the class.
    create(claims, restore_claim("restored", "10Gi", "snap"));
    CHECK(settled([&] { return field(get(claims + "/restored"), "/status/phase") == "Bound"; }));
    const Json pv =
        get("/api/v1/persistentvolumes/" + field(get(claims + "/restored"), "/spec/volumeName"));
    CHECK(field(pv, "/spec/persistentVolumeReclaimPolicy") == "Delete");
    CHECK(field(pv, "/spec/storageClassName") == "px-db");
    const std::string clone_id = field(pv, "/spec/csi/volumeHandle");
    const auto clone = server.px().inspect(clone_id);
    REQUIRE(clone.has_value());
    CHECK(field(*clone, "/volume/source/parent") == *snapshot_id);
    // Smaller than the snapshot: the provisioner refuses.
    create(claims, restore_claim("too-small", "1Gi", "snap"));
    CHECK(settled([&] {
        const Json events = get("/api/v1/namespaces/stage/events");
        for (const Json& event : events["items"]) {
            if (event["reason"] == "ProvisioningFailed" &&
                event["involvedObject"]["name"] == "too-small") {
                return event["message"].get<std::string>().find("less than the size") !=
                       std::string::npos;
            }
        }
        return false;
    }));
    CHECK(field(get(claims + "/too-small"), "/status/phase") == "Pending");
    // While a claim waits to be provisioned from it, the snapshot is protected.
    CHECK(remove(snapshots + "/snap") == 200);
    CHECK_FALSE(field(get(snapshots + "/snap"), "/metadata/deletionTimestamp").empty());
    remove(claims + "/too-small");
    CHECK(settled([&] { return !exists(snapshots + "/snap"); }));
    // Retain: the content and the Portworx snapshot stay; deleting the content keeps the latter.
    CHECK(exists(contents + "/pre-retain"));
    CHECK(server.px().inspect(*snapshot_id).has_value());
    remove(contents + "/pre-retain");
    CHECK(settled([&] { return !exists(contents + "/pre-retain"); }));
    CHECK(server.px().inspect(*snapshot_id).has_value());
    // The released Delete-policy PV takes its clone with it.
    remove(claims + "/restored");
    CHECK(settled([&] {
        return !exists("/api/v1/persistentvolumes/" + field(pv, "/metadata/name")) &&
               !server.px().inspect(clone_id).has_value();
    }));
    CHECK(server.px().inspect(*snapshot_id).has_value());

    // Delete: the content waits while its snapshot is bound, then goes with the Portworx snapshot.
    const auto doomed_id = server.px().create_snapshot(volume, "prod-snap-2", {});
    REQUIRE(doomed_id.has_value());
    create(contents, content("pre-delete", *doomed_id, "Delete", "snap2"));
    create(snapshots, snapshot("snap2", "pre-delete"));
    CHECK(settled([&] { return ready("snap2"); }));
    CHECK(remove(contents + "/pre-delete") == 200);
    CHECK_FALSE(field(get(contents + "/pre-delete"), "/metadata/deletionTimestamp").empty());
    CHECK(server.px().inspect(*doomed_id).has_value());
    remove(snapshots + "/snap2");
    CHECK(settled([&] {
        return !exists(snapshots + "/snap2") && !exists(contents + "/pre-delete") &&
               !server.px().inspect(*doomed_id).has_value();
    }));

    // Failures as the snapshot controller reports them.
    create(snapshots, snapshot("lost", "no-such-content"));
    CHECK(settled([&] { return error_of("lost") == "VolumeSnapshotContent is missing"; }));
    create(contents, content("other", *snapshot_id, "Retain", "someone-else"));
    create(snapshots, snapshot("misbound", "other"));
    CHECK(settled([&] { return !error_of("misbound").empty(); }));
    CHECK_FALSE(ready("misbound"));
    CHECK(field(get(contents + "/other"), "/spec/volumeSnapshotRef/uid").empty());
    create(contents, content("gone", "no-such-snapshot", "Retain", "dangling"));
    create(snapshots, snapshot("dangling", "gone"));
    CHECK(settled([&] { return !error_of("dangling").empty(); }));
    CHECK_FALSE(ready("dangling"));
    CHECK(server.violations().empty());
}

TEST_CASE_FIXTURE(
    Cluster, "a Job pod's log is its container's PXSIM_LOG, read as the API server serves logs") {
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
        const Json list = get(pods + "?labelSelector=job-name%3Dtalk");
        if (list["items"].empty() || list["items"][0]["status"]["phase"] != "Succeeded") {
            return false;
        }
        pod = list["items"][0]["metadata"]["name"];
        return true;
    }));
    const std::string log = pods + "/" + pod + "/log";
    CHECK(get(log) == "one\ntwo\nthree\n");
    CHECK(get(log + "?container=c&tailLines=2") == "two\nthree\n");
    CHECK(get(log + "?tailLines=2&limitBytes=5") == "two\nt");
    const Json wrong = get(log + "?container=x", &status);
    CHECK(status == 400);
    CHECK(wrong["message"] == "container x is not valid for pod " + pod);
    get(pods + "/nobody/log", &status);
    CHECK(status == 404);
}

TEST_CASE_FIXTURE(
    Cluster, "a namespace held by another system's finalizer stays Terminating until it goes") {
    int status = 0;
    call(server, "POST", "/api/v1/namespaces",
         Json{{"apiVersion", "v1"},
              {"kind", "Namespace"},
              {"metadata", {{"name", "held"}, {"finalizers", {"example.com/hold"}}}},
              {"spec", {{"finalizers", {"backup.example.com/ns"}}}}},
         "application/json", &status);
    REQUIRE(status == 201);
    const std::string ns = "/api/v1/namespaces/held";
    CHECK(get(ns)["spec"]["finalizers"] == Json::array({"backup.example.com/ns", "kubernetes"}));
    call(server, "DELETE", ns);
    // Emptied: the namespace controller's own finalizer goes, the others stay.
    CHECK(await(server, [&] {
        return get(ns)["spec"]["finalizers"] == Json::array({"backup.example.com/ns"});
    }));
    Json held = get(ns);
    CHECK(held["status"]["phase"] == "Terminating");
    CHECK(held["metadata"]["finalizers"] == Json::array({"example.com/hold"}));
    CHECK(held["metadata"].contains("deletionTimestamp"));
    // Its owners remove theirs: a merge patch of metadata, the finalize subresource for spec.
    call(server, "PATCH", ns, Json{{"metadata", {{"finalizers", nullptr}}}},
         "application/merge-patch+json", &status);
    CHECK(status == 200);
    CHECK(exists(ns));
    held = get(ns);
    held["spec"]["finalizers"] = Json::array();
    call(server, "PUT", ns + "/finalize", held, "application/json", &status);
    CHECK(status == 200);
    CHECK_FALSE(exists(ns));
}
