// kube-controller-manager's Deployment controller: one ReplicaSet per pod template (scaled up,
// older ones down to zero), revisions, and the Available and Progressing conditions (with
// ProgressDeadlineExceeded after progressDeadlineSeconds without a new ready pod).
#include <algorithm>

#include "controllers/controller.hpp"

namespace pxsim {

namespace {

class DeploymentController final : public Controller {
public:
    explicit DeploymentController(Controllers& core) : Controller(core, {"Deployment"}) {}
    void reconcile(const ResourceType& type, const Json& deployment) override;
};

void DeploymentController::reconcile(const ResourceType& /*type*/, const Json& deployment) {
    if (deleting(deployment)) {
        return;
    }
    const std::string ns = ns_of(deployment);
    const std::string name = name_of(deployment);
    const std::string uid = uid_of(deployment);
    const Json pod_template = at(deployment, "/spec/template", Json::object());
    const std::string hash = short_hash(pod_template.dump());
    const std::string rs_name = name + "-" + hash;
    const int replicas = at(deployment, "/spec/replicas", 1).get<int>();
    std::vector<Json> owned;
    m_store.transact([&](Store::Txn& txn) {
        for (Json& rs : txn.list(k_replicasets(), ns)) {
            if (owned_by(rs, uid)) {
                owned.push_back(std::move(rs));
            }
        }
    });
    int revision = 0;
    bool have_current = false;
    for (const Json& rs : owned) {
        revision = std::max(
            revision,
            std::stoi(at(rs, "/metadata/annotations/deployment.kubernetes.io~1revision", "0")
                          .get<std::string>()));
        have_current = have_current || name_of(rs) == rs_name;
    }
    if (!have_current) {
        Json rs_template = pod_template;
        rs_template["metadata"]["labels"]["pod-template-hash"] = hash;
        Json selector = at(deployment, "/spec/selector", Json::object());
        selector["matchLabels"]["pod-template-hash"] = hash;
        Json rs = {
            {"apiVersion", "apps/v1"},
            {"kind", "ReplicaSet"},
            {"metadata",
             {{"name", rs_name},
              {"namespace", ns},
              {"labels", rs_template["metadata"]["labels"]},
              {"annotations",
               {{"deployment.kubernetes.io/desired-replicas", std::to_string(replicas)},
                {"deployment.kubernetes.io/max-replicas", std::to_string(replicas + 1)},
                {"deployment.kubernetes.io/revision", std::to_string(revision + 1)}}},
              {"ownerReferences", Json::array({owner_reference(k_deployments(), deployment)})}}},
            {"spec", {{"replicas", replicas}, {"selector", selector}, {"template", rs_template}}}};
        if (auto created = api_create(m_api, k_replicasets(), rs)) {
            owned.push_back(*created);
        }
        revision += 1;
        mutate(m_store, k_deployments(), ns, name, [&](Json& updated) {
            updated["metadata"]["annotations"]["deployment.kubernetes.io/revision"] =
                std::to_string(revision);
            return true;
        });
    }
    int total = 0;
    int updated_replicas = 0;
    int ready = 0;
    for (const Json& rs : owned) {
        const bool current = name_of(rs) == rs_name;
        const int want = current ? replicas : 0;
        if (at(rs, "/spec/replicas", 1).get<int>() != want) {
            mutate(m_store, k_replicasets(), ns, name_of(rs), [&](Json& changed) {
                changed["spec"]["replicas"] = want;
                changed["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] =
                    std::to_string(replicas);
                return true;
            });
        }
        const int count = at(rs, "/status/replicas", 0).get<int>();
        total += count;
        ready += at(rs, "/status/readyReplicas", 0).get<int>();
        if (current) {
            updated_replicas = count;
        }
    }
    const std::string now = format_time(m_api.options().now());
    const int max_unavailable = replicas / 4;
    const bool available = ready >= replicas - max_unavailable;
    const bool complete = updated_replicas == replicas && total == replicas && ready == replicas;
    // No progress (no new ready pod) for progressDeadlineSeconds: ProgressDeadlineExceeded.
    const auto deadline =
        std::chrono::seconds(at(deployment, "/spec/progressDeadlineSeconds", 600).get<int>());
    const bool stalled =
        !complete && waited("progress/" + uid + "/" + hash + "/" + std::to_string(ready),
                            std::chrono::duration_cast<std::chrono::milliseconds>(deadline),
                            [this, ns, name] { requeue(k_deployments(), ns, name); });
    mutate(m_store, k_deployments(), ns, name, [&](Json& changed) {
        Json status = changed.value("status", Json::object());
        status["observedGeneration"] = at(changed, "/metadata/generation", 1);
        status["replicas"] = total;
        status["updatedReplicas"] = updated_replicas;
        status["readyReplicas"] = ready;
        status["availableReplicas"] = ready;
        status["unavailableReplicas"] = std::max(0, total - ready);
        if (total < replicas) {
            status["unavailableReplicas"] = replicas - ready;
        }
        omit_zero(status, {"replicas", "updatedReplicas", "readyReplicas", "availableReplicas",
                           "unavailableReplicas"});
        set_condition(
            status,
            {{"type", "Available"},
             {"status", available ? "True" : "False"},
             {"reason", available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable"},
             {"message", available ? "Deployment has minimum availability."
                                   : "Deployment does not have minimum availability."},
             {"lastUpdateTime", now}},
            now);
        if (stalled) {
            set_condition(status,
                          {{"type", "Progressing"},
                           {"status", "False"},
                           {"reason", "ProgressDeadlineExceeded"},
                           {"message", "ReplicaSet \"" + rs_name + "\" has timed out progressing."},
                           {"lastUpdateTime", now}},
                          now);
        } else {
            set_condition(status,
                          {{"type", "Progressing"},
                           {"status", "True"},
                           {"reason", complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated"},
                           {"message",
                            complete ? "ReplicaSet \"" + rs_name + "\" has successfully progressed."
                                     : "ReplicaSet \"" + rs_name + "\" is progressing."},
                           {"lastUpdateTime", now}},
                          now);
        }
        changed["status"] = status;
        return true;
    });
}

} // namespace

std::unique_ptr<Controller> make_deployment_controller(Controllers& core) {
    return std::make_unique<DeploymentController>(core);
}

} // namespace pxsim
