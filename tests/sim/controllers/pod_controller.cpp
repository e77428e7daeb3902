// The kubelet: a pod starts once every claim it mounts is bound (after the rollout or job-start
// latency); a Job's pod then runs for the job latency and succeeds or (per faults) fails. Owners
// and claims hear about their pods.
#include <functional>

#include "controllers/controller.hpp"

namespace pxsim {

namespace {

class PodController final : public Controller {
public:
    explicit PodController(Controllers& core) : Controller(core, {"Pod"}) {}
    void reconcile(const ResourceType& type, const Json& pod) override;

    void deleted(const ResourceType& /*type*/, const Json& object) override {
        for (const Json& owner : at(object, "/metadata/ownerReferences", Json::array())) {
            const std::string kind = owner.value("kind", "");
            const ResourceType& owner_type = kind == "ReplicaSet"    ? k_replicasets()
                                             : kind == "StatefulSet" ? k_statefulsets()
                                                                     : k_jobs();
            requeue(owner_type, ns_of(object), owner.value("name", ""));
        }
        for (const std::string& claim : claims_of(object)) {
            requeue(k_pvcs(), ns_of(object), claim);
        }
    }
};

void PodController::reconcile(const ResourceType& /*type*/, const Json& pod) {
    if (deleting(pod)) {
        return;
    }
    const std::string phase = at(pod, "/status/phase", "");
    if (phase != "Pending" && phase != "Running") {
        return;
    }
    const std::string ns = ns_of(pod);
    const std::string name = name_of(pod);
    const std::string uid = uid_of(pod);
    const auto retry = [this, ns, name] {
        requeue(k_pods(), ns, name);
    };
    std::string job_name;
    for (const Json& owner : at(pod, "/metadata/ownerReferences", Json::array())) {
        if (owner.value("kind", "") == "Job") {
            job_name = owner.value("name", "");
        }
    }
    if (phase == "Pending") {
        // Scheduled only once every claim it mounts is bound (claims waiting for a first consumer
        // are told about it).
        for (const std::string& claim_name : claims_of(pod)) {
            const auto claim = m_store.transact(
                [&](Store::Txn& txn) { return txn.get(k_pvcs(), ns, claim_name); });
            if (!claim || at(*claim, "/status/phase", "") != "Bound") {
                if (claim) {
                    requeue(k_pvcs(), ns, claim_name);
                }
                return;
            }
        }
        const std::string delay_name = job_name.empty() ? "rollout" : "job-start";
        if (!waited("start/" + uid, m_latency.of(delay_name), retry)) {
            return;
        }
        const std::string now = format_time(m_api.options().now());
        mutate(m_store, k_pods(), ns, name, [&](Json& updated) {
            updated["spec"]["nodeName"] = k_node;
            Json statuses = Json::array();
            for (const Json& container : at(updated, "/spec/containers", Json::array())) {
                statuses.push_back({{"name", container.value("name", "")},
                                    {"image", container.value("image", "")},
                                    {"imageID", "docker.io/" + container.value("image", "")},
                                    {"containerID", "containerd://" + short_hash(uid + name, 24)},
                                    {"ready", true},
                                    {"started", true},
                                    {"restartCount", 0},
                                    {"state", {{"running", {{"startedAt", now}}}}}});
            }
            Json& status = updated["status"];
            status["phase"] = "Running";
            status["hostIP"] = "10.0.0.10";
            status["podIP"] = "10.244.0." + std::to_string(2 + std::hash<std::string>{}(uid) % 250);
            status["podIPs"] = Json::array({{{"ip", status["podIP"]}}});
            status["startTime"] = now;
            status["containerStatuses"] = statuses;
            for (const char* type : {"Initialized", "Ready", "ContainersReady", "PodScheduled"}) {
                set_condition(
                    status, {{"type", type}, {"status", "True"}, {"lastProbeTime", nullptr}}, now);
            }
            return true;
        });
        for (const Json& owner : at(pod, "/metadata/ownerReferences", Json::array())) {
            const std::string kind = owner.value("kind", "");
            requeue(kind == "ReplicaSet"    ? k_replicasets()
                    : kind == "StatefulSet" ? k_statefulsets()
                                            : k_jobs(),
                    ns, owner.value("name", ""));
        }
        if (!job_name.empty()) {
            retry();
        }
        return;
    }
    if (job_name.empty()) {
        return;
    }
    // A Job's pod runs for the `job` latency, then succeeds or (per faults) fails.
    if (!waited("finish/" + uid, m_latency.of("job"), retry)) {
        return;
    }
    const auto job =
        m_store.transact([&](Store::Txn& txn) { return txn.get(k_jobs(), ns, job_name); });
    const bool fail = job && (at(*job, "/metadata/annotations/pxsim.io~1fail", "") == "true" ||
                              m_faults.job_fails(ns + "/" + job_name));
    const std::string now = format_time(m_api.options().now());
    mutate(m_store, k_pods(), ns, name, [&](Json& updated) {
        Json& status = updated["status"];
        status["phase"] = fail ? "Failed" : "Succeeded";
        for (Json& container : status["containerStatuses"]) {
            container["ready"] = false;
            container["started"] = false;
            container["state"] = {{"terminated",
                                   {{"exitCode", fail ? 1 : 0},
                                    {"reason", fail ? "Error" : "Completed"},
                                    {"startedAt", status.value("startTime", now)},
                                    {"finishedAt", now}}}};
        }
        set_condition(status, {{"type", "Ready"}, {"status", "False"}, {"reason", "PodCompleted"}},
                      now);
        set_condition(
            status, {{"type", "ContainersReady"}, {"status", "False"}, {"reason", "PodCompleted"}},
            now);
        return true;
    });
    requeue(k_jobs(), ns, job_name);
}

} // namespace

std::unique_ptr<Controller> make_pod_controller(Controllers& core) {
    return std::make_unique<PodController>(core);
}

} // namespace pxsim
