// kube-controller-manager's Job controller: one pod (unless suspended), and the status counts
// and the Complete or Failed condition once it has finished.
#include "controllers/controller.hpp"

namespace pxsim {

namespace {

class JobController final : public Controller {
public:
    explicit JobController(Controllers& core) : Controller(core, {"Job"}) {}
    void reconcile(const ResourceType& type, const Json& job) override;
};

void JobController::reconcile(const ResourceType& /*type*/, const Json& job) {
    if (deleting(job)) {
        return;
    }
    for (const Json& condition : at(job, "/status/conditions", Json::array())) {
        const std::string type = condition.value("type", "");
        if ((type == "Complete" || type == "Failed") && condition.value("status", "") == "True") {
            return;
        }
    }
    const std::string ns = ns_of(job);
    const std::string name = name_of(job);
    const std::string uid = uid_of(job);
    std::vector<Json> pods;
    m_store.transact([&](Store::Txn& txn) {
        for (Json& pod : txn.list(k_pods(), ns)) {
            if (owned_by(pod, uid)) {
                pods.push_back(std::move(pod));
            }
        }
    });
    if (at(job, "/spec/suspend", false).get<bool>()) {
        return;
    }
    if (pods.empty()) {
        Json pod = pod_from_template(at(job, "/spec/template", Json::object()), ns);
        pod["metadata"]["generateName"] = name + "-";
        pod["metadata"]["ownerReferences"] = Json::array({owner_reference(k_jobs(), job)});
        if (auto created = api_create(m_api, k_pods(), pod)) {
            pods.push_back(*created);
        }
    }
    int active = 0;
    int ready = 0;
    int succeeded = 0;
    int failed = 0;
    for (const Json& pod : pods) {
        const std::string phase = at(pod, "/status/phase", "");
        succeeded += phase == "Succeeded" ? 1 : 0;
        failed += phase == "Failed" ? 1 : 0;
        active += phase == "Pending" || phase == "Running" ? 1 : 0;
        ready += pod_ready(pod) ? 1 : 0;
    }
    const std::string now = format_time(m_api.options().now());
    mutate(m_store, k_jobs(), ns, name, [&](Json& changed) {
        Json status = changed.value("status", Json::object());
        if (!status.contains("startTime")) {
            status["startTime"] = now;
        }
        status["active"] = active;
        status["ready"] = ready;
        status["succeeded"] = succeeded;
        status["failed"] = failed;
        status["uncountedTerminatedPods"] = Json::object();
        omit_zero(status, {"active", "succeeded", "failed"});
        if (succeeded > 0) {
            status["completionTime"] = now;
            set_condition(status,
                          {{"type", "Complete"}, {"status", "True"}, {"lastProbeTime", now}}, now);
        } else if (failed > 0) {
            set_condition(status,
                          {{"type", "Failed"},
                           {"status", "True"},
                           {"reason", "BackoffLimitExceeded"},
                           {"message", "Job has reached the specified backoff limit"},
                           {"lastProbeTime", now}},
                          now);
        }
        changed["status"] = status;
        return true;
    });
}

} // namespace

std::unique_ptr<Controller> make_job_controller(Controllers& core) {
    return std::make_unique<JobController>(core);
}

} // namespace pxsim
