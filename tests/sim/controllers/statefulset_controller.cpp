// kube-controller-manager's StatefulSet controller: ordinal pods with their claims from
// volumeClaimTemplates, one at a time (OrderedReady) or all at once (Parallel), old revisions
// replaced from the highest ordinal, and the status counts and revisions.
#include <map>

#include "controllers/controller.hpp"

namespace pxsim {

namespace {

class StatefulSetController final : public Controller {
public:
    explicit StatefulSetController(Controllers& core) : Controller(core, {"StatefulSet"}) {}
    void reconcile(const ResourceType& type, const Json& statefulset) override;
};

void StatefulSetController::reconcile(const ResourceType& /*type*/, const Json& statefulset) {
    if (deleting(statefulset)) {
        return;
    }
    const std::string ns = ns_of(statefulset);
    const std::string name = name_of(statefulset);
    const std::string uid = uid_of(statefulset);
    const Json pod_template = at(statefulset, "/spec/template", Json::object());
    const std::string revision = name + "-" + short_hash(pod_template.dump());
    const int replicas = at(statefulset, "/spec/replicas", 1).get<int>();
    const bool parallel = at(statefulset, "/spec/podManagementPolicy", "") == "Parallel";
    const Json claim_templates = at(statefulset, "/spec/volumeClaimTemplates", Json::array());
    // What this needs of each pod it owns, read in place: a StatefulSet of N pods is reconciled
    // about N times while it rolls out, and copying every pod of the namespace each time was
    // most of pxsim's CPU (and of a 200-replica rollout's time) at N=200.
    struct OwnedPod {
        Json ref; // metadata.namespace and .name, to delete it
        bool deleting = false;
        std::string revision;
        bool ready = false;
    };
    std::map<int, OwnedPod> pods;
    m_store.transact([&](Store::Txn& txn) {
        txn.for_each(k_pods(), ns, [&](const Json& pod) {
            const std::string pod_name = name_of(pod);
            if (pod_name.rfind(name + "-", 0) != 0 || !owned_by(pod, uid)) {
                return;
            }
            try {
                pods[std::stoi(pod_name.substr(name.size() + 1))] = OwnedPod{
                    {{"metadata", {{"namespace", ns}, {"name", pod_name}}}},
                    deleting(pod),
                    at(pod, "/metadata/labels/controller-revision-hash", "").get<std::string>(),
                    pod_ready(pod)};
            } catch (const std::exception&) {
            }
        });
    });
    // Scale down from the highest ordinal; replace pods of an old revision one at a time.
    for (auto it = pods.rbegin(); it != pods.rend(); ++it) {
        if (it->first >= replicas && !it->second.deleting) {
            api_delete(m_api, k_pods(), it->second.ref);
        }
    }
    bool all_ready_below = true;
    for (int i = 0; i < replicas; ++i) {
        const std::string pod_name = name + "-" + std::to_string(i);
        const auto existing = pods.find(i);
        if (existing != pods.end()) {
            const OwnedPod& pod = existing->second;
            if (!pod.deleting && pod.revision != revision && all_ready_below) {
                api_delete(m_api, k_pods(), pod.ref);
                all_ready_below = false;
                continue;
            }
            all_ready_below = all_ready_below && pod.ready;
            continue;
        }
        if (!parallel && !all_ready_below) {
            break;
        }
        for (const Json& claim_template : claim_templates) {
            const std::string claim_name =
                at(claim_template, "/metadata/name", "").get<std::string>() + "-" + pod_name;
            Json claim = {
                {"apiVersion", "v1"},
                {"kind", "PersistentVolumeClaim"},
                {"metadata",
                 {{"name", claim_name},
                  {"namespace", ns},
                  {"labels", at(statefulset, "/spec/selector/matchLabels", Json::object())}}},
                {"spec", at(claim_template, "/spec", Json::object())}};
            const bool exists = m_store.transact(
                [&](Store::Txn& txn) { return txn.get(k_pvcs(), ns, claim_name).has_value(); });
            if (!exists) {
                api_create(m_api, k_pvcs(), claim);
            }
        }
        Json pod = pod_from_template(pod_template, ns);
        pod["metadata"]["name"] = pod_name;
        pod["metadata"]["labels"]["controller-revision-hash"] = revision;
        pod["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] = pod_name;
        pod["metadata"]["ownerReferences"] =
            Json::array({owner_reference(k_statefulsets(), statefulset)});
        pod["spec"]["hostname"] = pod_name;
        pod["spec"]["subdomain"] = at(statefulset, "/spec/serviceName", "");
        Json& volumes = pod["spec"]["volumes"];
        if (!volumes.is_array()) {
            volumes = Json::array();
        }
        for (const Json& claim_template : claim_templates) {
            const std::string claim_name = at(claim_template, "/metadata/name", "");
            volumes.push_back(
                {{"name", claim_name},
                 {"persistentVolumeClaim", {{"claimName", claim_name + "-" + pod_name}}}});
        }
        api_create(m_api, k_pods(), pod);
        all_ready_below = false;
    }
    int count = 0;
    int ready = 0;
    int updated_count = 0;
    m_store.transact([&](Store::Txn& txn) {
        txn.for_each(k_pods(), ns, [&](const Json& pod) {
            if (!owned_by(pod, uid) || deleting(pod)) {
                return;
            }
            ++count;
            ready += pod_ready(pod) ? 1 : 0;
            updated_count +=
                at(pod, "/metadata/labels/controller-revision-hash", "") == revision ? 1 : 0;
        });
    });
    mutate(m_store, k_statefulsets(), ns, name, [&](Json& changed) {
        Json status = changed.value("status", Json::object());
        const bool rolled = updated_count == replicas && ready == replicas && count == replicas;
        status["observedGeneration"] = at(changed, "/metadata/generation", 1);
        status["replicas"] = count;
        status["readyReplicas"] = ready;
        status["availableReplicas"] = ready;
        status["currentReplicas"] = rolled ? count : count - updated_count;
        status["updatedReplicas"] = updated_count;
        status["updateRevision"] = revision;
        if (rolled || !status.contains("currentRevision")) {
            status["currentRevision"] =
                rolled ? revision : status.value("currentRevision", revision);
        }
        status["collisionCount"] = 0;
        omit_zero(status,
                  {"readyReplicas", "availableReplicas", "currentReplicas", "updatedReplicas"});
        changed["status"] = status;
        return true;
    });
}

} // namespace

std::unique_ptr<Controller> make_statefulset_controller(Controllers& core) {
    return std::make_unique<StatefulSetController>(core);
}

} // namespace pxsim
