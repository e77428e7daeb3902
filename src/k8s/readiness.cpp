#include "pxclone/k8s/readiness.hpp"

#include "pxclone/k8s/client.hpp"

#include <fmt/format.h>

namespace pxclone::k8s {

namespace {

using nlohmann::json;

const json& field(const json& object, const char* key) {
    static const json k_null;
    if (!object.is_object()) {
        return k_null;
    }
    const auto it = object.find(key);
    return it == object.end() ? k_null : *it;
}

long long integer(const json& object, const char* key, long long fallback = 0) {
    const auto& value = field(object, key);
    return value.is_number_integer() ? value.get<long long>() : fallback;
}

std::string text(const json& object, const char* key) {
    const auto& value = field(object, key);
    return value.is_string() ? value.get<std::string>() : std::string{};
}

// The condition of that type, or null.
const json& condition(const json& object, const char* type) {
    static const json k_null;
    const auto& conditions = field(field(object, "status"), "conditions");
    if (!conditions.is_array()) {
        return k_null;
    }
    for (const auto& entry : conditions) {
        if (text(entry, "type") == type) {
            return entry;
        }
    }
    return k_null;
}

Readiness pending(std::string message) {
    return {false, false, std::move(message)};
}

} // namespace

std::string object_label(const Resource& resource, const std::string& name) {
    return resource.singular() + "/" + name;
}

Readiness deployment_readiness(const json& deployment) {
    const auto label = "deployment/" + string_field(deployment, "/metadata/name");
    const auto& metadata = field(deployment, "metadata");
    const auto& spec = field(deployment, "spec");
    const auto& status = field(deployment, "status");
    if (integer(metadata, "generation") > integer(status, "observedGeneration")) {
        return pending(label + ": waiting for the controller to observe the new spec");
    }
    const auto& progressing = condition(deployment, "Progressing");
    if (text(progressing, "reason") == "ProgressDeadlineExceeded") {
        return {false, true,
                fmt::format("{} exceeded its progress deadline: {}", label,
                            text(progressing, "message"))};
    }
    const auto updated = integer(status, "updatedReplicas");
    const auto current = integer(status, "replicas");
    const auto available = integer(status, "availableReplicas");
    const auto& desired_field = field(spec, "replicas");
    if (desired_field.is_number_integer() && updated < desired_field.get<long long>()) {
        return pending(
            fmt::format("{} {}/{} updated", label, updated, desired_field.get<long long>()));
    }
    if (current > updated) {
        return pending(
            fmt::format("{}: {} old replicas pending termination", label, current - updated));
    }
    if (available < updated) {
        return pending(fmt::format("{} {}/{} available", label, available, updated));
    }
    return {true, false, fmt::format("{} {}/{} available", label, available, updated)};
}

Readiness statefulset_readiness(const json& statefulset) {
    const auto label = "statefulset/" + string_field(statefulset, "/metadata/name");
    const auto& metadata = field(statefulset, "metadata");
    const auto& spec = field(statefulset, "spec");
    const auto& status = field(statefulset, "status");
    const auto observed = integer(status, "observedGeneration");
    if (observed == 0 || integer(metadata, "generation") > observed) {
        return pending(label + ": waiting for the controller to observe the new spec");
    }
    const auto& desired_field = field(spec, "replicas");
    const auto ready = integer(status, "readyReplicas");
    if (desired_field.is_number_integer() && ready < desired_field.get<long long>()) {
        return pending(fmt::format("{} {}/{} ready", label, ready, desired_field.get<long long>()));
    }
    const auto& strategy = field(spec, "updateStrategy");
    const auto& rolling = field(strategy, "rollingUpdate");
    const auto updated = integer(status, "updatedReplicas");
    // OnDelete never replaces pods by itself: ready pods are all there is to wait for.
    if (text(strategy, "type") == "OnDelete") {
        return {true, false, fmt::format("{} {} ready", label, ready)};
    }
    if (rolling.is_object()) {
        const auto& partition = field(rolling, "partition");
        if (desired_field.is_number_integer() && partition.is_number_integer()) {
            const auto wanted = desired_field.get<long long>() - partition.get<long long>();
            if (updated < wanted) {
                return pending(fmt::format("{} {}/{} updated", label, updated, wanted));
            }
        }
        return {true, false, fmt::format("{} {} ready, {} updated", label, ready, updated)};
    }
    const auto update_revision = text(status, "updateRevision");
    if (update_revision != text(status, "currentRevision")) {
        return pending(fmt::format("{}: rolling update, {} pods at revision {}", label, updated,
                                   update_revision));
    }
    return {true, false, fmt::format("{} {} ready", label, ready)};
}

Readiness pvc_readiness(const json& pvc) {
    const auto label = "persistentvolumeclaim/" + string_field(pvc, "/metadata/name");
    auto phase = text(field(pvc, "status"), "phase");
    if (phase == "Bound") {
        return {true, false, label + " Bound"};
    }
    if (phase == "Lost") {
        return {false, true, label + " Lost: its volume is gone"};
    }
    return pending(fmt::format("{} {}", label, phase.empty() ? "Pending" : phase));
}

Readiness job_readiness(const json& job) {
    const auto label = "job/" + string_field(job, "/metadata/name");
    const auto& complete = condition(job, "Complete");
    if (text(complete, "status") == "True") {
        return {true, false, label + " complete"};
    }
    const auto& failed = condition(job, "Failed");
    if (text(failed, "status") == "True") {
        return {false, true,
                fmt::format("{} failed: {}: {}", label, text(failed, "reason"),
                            text(failed, "message"))};
    }
    const auto& status = field(job, "status");
    return pending(fmt::format("{}: {} active, {} succeeded, {} failed", label,
                               integer(status, "active"), integer(status, "succeeded"),
                               integer(status, "failed")));
}

Readiness volume_snapshot_readiness(const json& snapshot) {
    const auto label = "volumesnapshot/" + string_field(snapshot, "/metadata/name");
    const auto& status = field(snapshot, "status");
    const auto& ready = field(status, "readyToUse");
    if (ready.is_boolean() && ready.get<bool>()) {
        return {true, false, label + " ready to use"};
    }
    const auto& error = field(status, "error");
    if (error.is_object()) {
        const auto message = text(error, "message");
        return {false, true,
                fmt::format("{} failed: {}", label, message.empty() ? "(no message)" : message)};
    }
    return pending(label + " not ready to use yet");
}

std::optional<std::function<Readiness(const json&)>> readiness_rule(const Resource& resource) {
    if (resource.kind == "Deployment") {
        return deployment_readiness;
    }
    if (resource.kind == "StatefulSet") {
        return statefulset_readiness;
    }
    if (resource.kind == "PersistentVolumeClaim") {
        return pvc_readiness;
    }
    if (resource.kind == "Job") {
        return job_readiness;
    }
    if (resource.kind == "VolumeSnapshot") {
        return volume_snapshot_readiness;
    }
    return std::nullopt;
}

WaitPredicate when_present(std::function<Readiness(const json&)> rule, std::string label) {
    return [rule = std::move(rule), label = std::move(label)](const json* object) {
        if (object == nullptr) {
            return pending(label + " does not exist yet");
        }
        return rule(*object);
    };
}

WaitPredicate deleted(std::string label) {
    return [label = std::move(label)](const json* object) {
        if (object == nullptr) {
            return Readiness{true, false, label + " deleted"};
        }
        const auto& status = field(*object, "status");
        auto message = label + " still exists";
        const auto phase = text(status, "phase");
        if (!phase.empty()) {
            message += " (" + phase + ")";
        }
        // A Terminating namespace says in its True conditions what holds it back.
        const auto& conditions = field(status, "conditions");
        if (conditions.is_array()) {
            for (const auto& entry : conditions) {
                if (text(entry, "status") == "True" && !text(entry, "message").empty()) {
                    message += ": " + text(entry, "message");
                    return pending(message);
                }
            }
        }
        // Its own finalizers, and a Namespace's spec.finalizers (other systems may hold it there
        // too, besides the namespace controller's "kubernetes").
        std::string names;
        for (const auto* finalizers : {&field(field(*object, "metadata"), "finalizers"),
                                       &field(field(*object, "spec"), "finalizers")}) {
            if (!finalizers->is_array()) {
                continue;
            }
            for (const auto& finalizer : *finalizers) {
                names += " " + (finalizer.is_string() ? finalizer.get<std::string>() : "?");
            }
        }
        if (!names.empty()) {
            message += ": finalizers" + names;
        }
        return pending(message);
    };
}

} // namespace pxclone::k8s
