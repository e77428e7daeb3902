#include "pxclone/k8s/readiness.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace pxclone::k8s;
using nlohmann::json;

namespace {

// The Deployment "db" right after creation, as a v1.26 server returned it (reference/k8s-rest.txt,
// managedFields and the pod template trimmed): no pod available yet.
const json k_deployment_progressing = json::parse(R"({
  "apiVersion": "apps/v1", "kind": "Deployment",
  "metadata": {"generation": 1, "labels": {"app": "db"}, "name": "db", "namespace": "pxdemo",
               "resourceVersion": "227", "uid": "8425d847-0176-4175-b57c-fe497b898046"},
  "spec": {"progressDeadlineSeconds": 600, "replicas": 1, "revisionHistoryLimit": 10,
           "selector": {"matchLabels": {"app": "db"}},
           "strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
                        "type": "RollingUpdate"}},
  "status": {
    "conditions": [
      {"lastTransitionTime": "2026-11-27T09:12:17Z", "lastUpdateTime": "2026-11-27T09:12:17Z",
       "message": "Deployment does not have minimum availability.",
       "reason": "MinimumReplicasUnavailable", "status": "False", "type": "Available"},
      {"lastTransitionTime": "2026-11-27T09:12:17Z", "lastUpdateTime": "2026-11-27T09:12:17Z",
       "message": "ReplicaSet \"db-855df758f\" is progressing.", "reason": "ReplicaSetUpdated",
       "status": "True", "type": "Progressing"}],
    "observedGeneration": 1, "replicas": 1, "unavailableReplicas": 1, "updatedReplicas": 1}})");

// The same Deployment scaled to 0 with generation 3 not yet observed (reference: PATCH reply).
const json k_deployment_unobserved = json::parse(R"({
  "metadata": {"generation": 3, "name": "db"},
  "spec": {"replicas": 0},
  "status": {"conditions": [
      {"message": "Deployment has minimum availability.", "reason": "MinimumReplicasAvailable",
       "status": "True", "type": "Available"},
      {"message": "ReplicaSet \"db-855df758f\" has successfully progressed.",
       "reason": "NewReplicaSetAvailable", "status": "True", "type": "Progressing"}],
    "observedGeneration": 2}})");

} // namespace

TEST_CASE("deployment readiness follows kubectl rollout status") {
    const auto progressing = deployment_readiness(k_deployment_progressing);
    CHECK_FALSE(progressing.ready);
    CHECK_FALSE(progressing.failed);
    CHECK(progressing.text == "deployment/db 0/1 available");

    const auto unobserved = deployment_readiness(k_deployment_unobserved);
    CHECK_FALSE(unobserved.ready);
    CHECK(unobserved.text.find("observe") != std::string::npos);

    auto available = k_deployment_progressing;
    available["status"]["availableReplicas"] = 1;
    available["status"]["readyReplicas"] = 1;
    available["status"].erase("unavailableReplicas");
    const auto ready = deployment_readiness(available);
    CHECK(ready.ready);
    CHECK(ready.text == "deployment/db 1/1 available");

    auto rolling = available;
    rolling["spec"]["replicas"] = 2;
    CHECK(deployment_readiness(rolling).text == "deployment/db 1/2 updated");

    auto old_pods = available;
    old_pods["status"]["replicas"] = 2;
    CHECK(deployment_readiness(old_pods).text.find("1 old replicas") != std::string::npos);

    // Scaled to zero and observed: the server omits every zero status field.
    const auto zero = json::parse(
        R"({"metadata":{"generation":4,"name":"db"},"spec":{"replicas":0},
            "status":{"observedGeneration":4}})");
    CHECK(deployment_readiness(zero).ready);

    auto stuck = k_deployment_progressing;
    stuck["status"]["conditions"][1]["status"] = "False";
    stuck["status"]["conditions"][1]["reason"] = "ProgressDeadlineExceeded";
    stuck["status"]["conditions"][1]["message"] =
        "ReplicaSet \"db-855df758f\" has timed out progressing.";
    const auto failed = deployment_readiness(stuck);
    CHECK(failed.failed);
    CHECK_FALSE(failed.ready);
    CHECK(failed.text.find("progress deadline") != std::string::npos);
    CHECK(failed.text.find("timed out progressing") != std::string::npos);
}

TEST_CASE("statefulset readiness: observed, ready replicas, partition or revisions") {
    auto sts = json::parse(R"({
      "metadata": {"generation": 2, "name": "pg"},
      "spec": {"replicas": 3, "updateStrategy": {"type": "RollingUpdate",
                                                 "rollingUpdate": {"partition": 0}}},
      "status": {"observedGeneration": 2, "replicas": 3, "readyReplicas": 2,
                 "currentReplicas": 3, "updatedReplicas": 3,
                 "currentRevision": "pg-7b9", "updateRevision": "pg-7b9"}})");
    CHECK(statefulset_readiness(sts).text == "statefulset/pg 2/3 ready");
    CHECK_FALSE(statefulset_readiness(sts).ready);

    sts["status"]["readyReplicas"] = 3;
    CHECK(statefulset_readiness(sts).ready);

    sts["status"]["updatedReplicas"] = 1;
    CHECK(statefulset_readiness(sts).text == "statefulset/pg 1/3 updated");

    sts["spec"]["updateStrategy"].erase("rollingUpdate");
    sts["status"]["updateRevision"] = "pg-8c0";
    CHECK_FALSE(statefulset_readiness(sts).ready);
    sts["status"]["currentRevision"] = "pg-8c0";
    CHECK(statefulset_readiness(sts).ready);

    sts["status"].erase("observedGeneration");
    CHECK(statefulset_readiness(sts).text.find("observe") != std::string::npos);
}

TEST_CASE("PVC readiness on the recorded list items") {
    // The two PVCs of the recorded list: one pre-bound to a PV (Bound), one dynamic (Pending).
    const auto list = json::parse(R"({"kind": "PersistentVolumeClaimList", "items": [
      {"metadata": {"name": "data-clone", "namespace": "pxdemo"},
       "spec": {"volumeName": "pv-px-snap1", "storageClassName": ""},
       "status": {"accessModes": ["ReadWriteOnce"], "capacity": {"storage": "1Gi"},
                  "phase": "Bound"}},
      {"metadata": {"name": "data-dynamic", "namespace": "pxdemo"},
       "spec": {"storageClassName": "px-csi-db"}, "status": {"phase": "Pending"}}]})");
    const auto bound = pvc_readiness(list["items"][0]);
    CHECK(bound.ready);
    CHECK(bound.text == "persistentvolumeclaim/data-clone Bound");
    const auto pending = pvc_readiness(list["items"][1]);
    CHECK_FALSE(pending.ready);
    CHECK_FALSE(pending.failed);
    CHECK(pending.text == "persistentvolumeclaim/data-dynamic Pending");
    CHECK(pvc_readiness(json::parse(R"({"metadata":{"name":"x"},"status":{"phase":"Lost"}})"))
              .failed);
}

TEST_CASE("job readiness: Complete or Failed conditions") {
    auto job = json::parse(R"({"metadata": {"name": "migrate"},
        "status": {"active": 1, "startTime": "2026-11-27T09:12:17Z"}})");
    CHECK(job_readiness(job).text == "job/migrate: 1 active, 0 succeeded, 0 failed");
    job["status"] = json::parse(R"({"succeeded": 1, "conditions": [
        {"type": "Complete", "status": "True", "lastProbeTime": "2026-11-27T09:13:00Z"}]})");
    CHECK(job_readiness(job).ready);
    job["status"] = json::parse(R"({"failed": 7, "conditions": [
        {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
         "message": "Job has reached the specified backoff limit"}]})");
    const auto failed = job_readiness(job);
    CHECK(failed.failed);
    CHECK(failed.text == "job/migrate failed: BackoffLimitExceeded: Job has reached the "
                         "specified backoff limit");
}

TEST_CASE("volume snapshot readiness: readyToUse or error") {
    auto snapshot = json::parse(R"({"apiVersion": "snapshot.storage.k8s.io/v1",
        "kind": "VolumeSnapshot", "metadata": {"name": "snap"},
        "spec": {"source": {"persistentVolumeClaimName": "data"},
                 "volumeSnapshotClassName": "px-csi-snapclass"},
        "status": {"readyToUse": false}})");
    CHECK_FALSE(volume_snapshot_readiness(snapshot).ready);
    snapshot["status"] = json::parse(R"({"boundVolumeSnapshotContentName": "snapcontent-1",
        "creationTime": "2026-11-27T09:12:17Z", "readyToUse": true, "restoreSize": "1Gi"})");
    CHECK(volume_snapshot_readiness(snapshot).ready);
    snapshot["status"] = json::parse(R"({"readyToUse": false, "error": {
        "message": "Failed to check and update snapshot content: px driver refused",
        "time": "2026-11-27T09:12:20Z"}})");
    const auto failed = volume_snapshot_readiness(snapshot);
    CHECK(failed.failed);
    CHECK(failed.text.find("px driver refused") != std::string::npos);
}

TEST_CASE("deleted: ready when absent; a Terminating namespace says what holds it") {
    const auto predicate = deleted("namespace/pxdemo");
    CHECK(predicate(nullptr).ready);
    // Recorded: the namespace a few seconds after DELETE.
    const auto terminating = json::parse(R"({"apiVersion": "v1", "kind": "Namespace",
      "metadata": {"deletionTimestamp": "2026-11-27T09:12:22Z", "name": "pxdemo"},
      "spec": {"finalizers": ["kubernetes"]},
      "status": {"conditions": [
        {"message": "All resources successfully discovered", "reason": "ResourcesDiscovered",
         "status": "False", "type": "NamespaceDeletionDiscoveryFailure"},
        {"message": "Some resources are remaining: persistentvolumeclaims. has 2 resource instances",
         "reason": "SomeResourcesRemain", "status": "True", "type": "NamespaceContentRemaining"}],
        "phase": "Terminating"}})");
    const auto lingering = predicate(&terminating);
    CHECK_FALSE(lingering.ready);
    CHECK(lingering.text == "namespace/pxdemo still exists (Terminating): Some resources are "
                            "remaining: persistentvolumeclaims. has 2 resource instances");

    const auto pvc = json::parse(R"({"metadata": {"name": "p1",
        "finalizers": ["kubernetes.io/pvc-protection"]}, "status": {"phase": "Bound"}})");
    CHECK(deleted("persistentvolumeclaim/p1")(&pvc).text ==
          "persistentvolumeclaim/p1 still exists (Bound): finalizers kubernetes.io/pvc-protection");
}

TEST_CASE("when_present and readiness_rule") {
    const auto predicate = when_present(pvc_readiness, "persistentvolumeclaim/data");
    CHECK(predicate(nullptr).text == "persistentvolumeclaim/data does not exist yet");
    const auto bound = json::parse(R"({"metadata":{"name":"data"},"status":{"phase":"Bound"}})");
    CHECK(predicate(&bound).ready);

    CHECK(readiness_rule(resource_of("Deployment")));
    CHECK(readiness_rule(resource_of("StatefulSet")));
    CHECK(readiness_rule(resource_of("Job")));
    CHECK(readiness_rule(resource_of("VolumeSnapshot")));
    CHECK((*readiness_rule(resource_of("PersistentVolumeClaim")))(bound).ready);
    CHECK_FALSE(readiness_rule(resource_of("ConfigMap")));
    CHECK(object_label(resource_of("Deployment"), "app") == "deployment/app");
}

TEST_CASE("deleted: a namespace emptied but held by finalizers names them, spec's too") {
    const auto held = json::parse(R"({"metadata": {"name": "stg",
        "deletionTimestamp": "2026-11-27T09:12:22Z", "finalizers": ["example.com/hold"]},
      "spec": {"finalizers": ["backup.example.com/ns"]},
      "status": {"phase": "Terminating", "conditions": [
        {"type": "NamespaceContentRemaining", "status": "False", "reason": "ContentRemoved",
         "message": "All content successfully removed"}]}})");
    CHECK(deleted("namespace/stg")(&held).text ==
          "namespace/stg still exists (Terminating): finalizers example.com/hold "
          "backup.example.com/ns");
}
