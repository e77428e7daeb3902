// When an object is ready, as kubectl judges it (`rollout status`, `wait --for`): pure predicates
// over the JSON the API server returns (the objects' status fields). No I/O.
#pragma once

#include "pxclone/k8s/resource.hpp"

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace pxclone::k8s {

struct Readiness {
    bool ready = false;
    // It will not become ready by waiting longer (a Job that failed, a deadline exceeded).
    bool failed = false;
    // One short line for progress and errors: what is pending (`deployment/app 0/1 available`),
    // why it failed, or what is done.
    std::string text;
};

// Rules over a present object. Missing status fields count as zero (the server omits zeros).

// Deployment: observedGeneration >= generation, then updated >= spec.replicas, no old replicas
// left, available >= updated. Failed: condition Progressing reason ProgressDeadlineExceeded.
Readiness deployment_readiness(const nlohmann::json& deployment);
// StatefulSet: observedGeneration >= generation (and set), readyReplicas >= spec.replicas, with a
// rollingUpdate partition the updated pods cover the unpartitioned ones, otherwise
// currentRevision == updateRevision.
Readiness statefulset_readiness(const nlohmann::json& statefulset);
// PersistentVolumeClaim: status.phase Bound. Failed: phase Lost. (ProvisioningFailed is an event;
// wait_for reports it when it gives up.)
Readiness pvc_readiness(const nlohmann::json& pvc);
// Job: condition Complete True. Failed: condition Failed True.
Readiness job_readiness(const nlohmann::json& job);
// VolumeSnapshot: status.readyToUse true. Failed: status.error set.
Readiness volume_snapshot_readiness(const nlohmann::json& snapshot);

// The rule for objects of this kind (Deployment, StatefulSet, PersistentVolumeClaim, Job,
// VolumeSnapshot); nullopt for kinds that have none.
std::optional<std::function<Readiness(const nlohmann::json&)>>
readiness_rule(const Resource& resource);

// What wait_for evaluates: the object, or nullptr while it does not exist.
using WaitPredicate = std::function<Readiness(const nlohmann::json* object)>;

// Ready when `rule` says so; while absent, pending "`label` does not exist yet".
WaitPredicate when_present(std::function<Readiness(const nlohmann::json&)> rule, std::string label);

// Ready once the object is gone (GET would be 404): a deleted Namespace, PV or PVC. While it
// lingers the text says why (phase Terminating, the namespace's True conditions, else its
// metadata.finalizers and a Namespace's spec.finalizers).
WaitPredicate deleted(std::string label);

// "deployment/app" from the resource and name.
std::string object_label(const Resource& resource, const std::string& name);

} // namespace pxclone::k8s
