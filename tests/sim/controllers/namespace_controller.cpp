// kube-controller-manager's namespace controller: a deleted namespace's contents are deleted,
// then its own finalizer goes; its status conditions say what remains.
#include <map>
#include <utility>
#include <vector>

#include "controllers/controller.hpp"

namespace pxsim {

namespace {

class NamespaceController final : public Controller {
public:
    using Controller::Controller;

    void reconcile(const ResourceType& type, const Json& object) override {
        // A change inside a terminating namespace moves its deletion on.
        if (type.namespaced) {
            const auto ns = m_store.transact(
                [&](Store::Txn& txn) { return txn.get(k_namespaces(), "", ns_of(object)); });
            if (ns && deleting(*ns)) {
                requeue(k_namespaces(), "", ns_of(object));
            }
        }
        if (type.kind == "Namespace") {
            reconcile_namespace(object);
        }
    }

private:
    void reconcile_namespace(const Json& ns);
};

void NamespaceController::reconcile_namespace(const Json& ns) {
    if (!deleting(ns)) {
        return;
    }
    const std::string name = name_of(ns);
    if (!waited("ns-delete/" + uid_of(ns), m_latency.of("ns-delete"),
                [this, name] { requeue(k_namespaces(), "", name); })) {
        return;
    }
    std::vector<std::pair<const ResourceType*, Json>> contents;
    m_store.transact([&](Store::Txn& txn) {
        for (const ResourceType& type : resource_types()) {
            if (type.namespaced) {
                for (Json& item : txn.list(type, name)) {
                    contents.emplace_back(&type, std::move(item));
                }
            }
        }
    });
    if (contents.empty()) {
        // Empty: the namespace controller's own finalizer goes (PUT .../finalize); finalizers
        // of other systems, in spec or metadata, keep the namespace Terminating until those
        // systems remove them.
        const std::string now = format_time(m_api.options().now());
        mutate(m_store, k_namespaces(), "", name, [&](Json& updated) {
            Json& spec_finalizers = updated["spec"]["finalizers"];
            Json kept = Json::array();
            for (const Json& finalizer : at(updated, "/spec/finalizers", Json::array())) {
                if (finalizer != "kubernetes") {
                    kept.push_back(finalizer);
                }
            }
            spec_finalizers = kept;
            Json& status = updated["status"];
            set_condition(status,
                          {{"type", "NamespaceContentRemaining"},
                           {"status", "False"},
                           {"reason", "ContentRemoved"},
                           {"message", "All content successfully removed"}},
                          now);
            set_condition(status,
                          {{"type", "NamespaceFinalizersRemaining"},
                           {"status", "False"},
                           {"reason", "ContentHasNoFinalizers"},
                           {"message", "All content-preserving finalizers finished"}},
                          now);
            return true;
        });
        return;
    }
    std::map<std::string, int> remaining;
    for (const auto& [type, item] : contents) {
        ++remaining[type->qualified_plural()];
        if (!deleting(item)) {
            api_delete(m_api, *type, item);
        }
    }
    std::string summary;
    int total = 0;
    for (const auto& [plural, count] : remaining) {
        summary += (summary.empty() ? "" : ", ") + plural + ". has " + std::to_string(count) +
                   " resource instances";
        total += count;
    }
    const std::string now = format_time(m_api.options().now());
    mutate(m_store, k_namespaces(), "", name, [&](Json& updated) {
        set_condition(updated["status"],
                      {{"type", "NamespaceContentRemaining"},
                       {"status", "True"},
                       {"reason", "SomeResourcesRemain"},
                       {"message", "Some resources are remaining: " + summary}},
                      now);
        return true;
    });
    (void)total;
    after(std::chrono::milliseconds(100), [this, name] { requeue(k_namespaces(), "", name); });
}

} // namespace

std::unique_ptr<Controller> make_namespace_controller(Controllers& core) {
    return std::make_unique<NamespaceController>(core);
}

} // namespace pxsim
