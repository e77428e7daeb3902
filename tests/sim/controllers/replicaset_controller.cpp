// kube-controller-manager's ReplicaSet controller: as many pods of the template as
// spec.replicas, and the status counts; the owning Deployment hears of each change.
#include "controllers/controller.hpp"

namespace pxsim {

namespace {

class ReplicaSetController final : public Controller {
public:
    explicit ReplicaSetController(Controllers& core) : Controller(core, {"ReplicaSet"}) {}
    void reconcile(const ResourceType& type, const Json& replicaset) override;
};

void ReplicaSetController::reconcile(const ResourceType& /*type*/, const Json& replicaset) {
    if (deleting(replicaset)) {
        return;
    }
    const std::string ns = ns_of(replicaset);
    const std::string uid = uid_of(replicaset);
    std::vector<Json> pods;
    m_store.transact([&](Store::Txn& txn) {
        for (Json& pod : txn.list(k_pods(), ns)) {
            if (owned_by(pod, uid) && !deleting(pod)) {
                pods.push_back(std::move(pod));
            }
        }
    });
    const int want = at(replicaset, "/spec/replicas", 1).get<int>();
    for (int i = static_cast<int>(pods.size()); i < want; ++i) {
        Json pod = pod_from_template(at(replicaset, "/spec/template", Json::object()), ns);
        pod["metadata"]["generateName"] = name_of(replicaset) + "-";
        pod["metadata"]["ownerReferences"] =
            Json::array({owner_reference(k_replicasets(), replicaset)});
        if (auto created = api_create(m_api, k_pods(), pod)) {
            pods.push_back(*created);
        }
    }
    while (static_cast<int>(pods.size()) > want) {
        api_delete(m_api, k_pods(), pods.back());
        pods.pop_back();
    }
    int ready = 0;
    for (const Json& pod : pods) {
        ready += pod_ready(pod) ? 1 : 0;
    }
    const auto generation = at(replicaset, "/metadata/generation", 1);
    mutate(m_store, k_replicasets(), ns, name_of(replicaset), [&](Json& updated) {
        Json status = {{"replicas", static_cast<int>(pods.size())},
                       {"fullyLabeledReplicas", static_cast<int>(pods.size())},
                       {"readyReplicas", ready},
                       {"availableReplicas", ready},
                       {"observedGeneration", generation}};
        omit_zero(status, {"fullyLabeledReplicas", "readyReplicas", "availableReplicas"});
        if (status["replicas"] == 0) {
            status["replicas"] = 0;
        }
        updated["status"] = status;
        return true;
    });
    for (const Json& owner : at(replicaset, "/metadata/ownerReferences", Json::array())) {
        if (owner.value("kind", "") == "Deployment") {
            requeue(k_deployments(), ns, owner.value("name", ""));
        }
    }
}

} // namespace

std::unique_ptr<Controller> make_replicaset_controller(Controllers& core) {
    return std::make_unique<ReplicaSetController>(core);
}

} // namespace pxsim
