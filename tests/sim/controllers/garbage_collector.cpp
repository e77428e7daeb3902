// kube-controller-manager's garbage collector: dependents (by ownerReferences) of a deleted
// object go in the background, or first (finalizer foregroundDeletion), or are orphaned
// (finalizer orphan).
#include <utility>
#include <vector>

#include "controllers/controller.hpp"

namespace pxsim {

namespace {

// The objects in `owner`'s namespace that name it as an owner.
std::vector<std::pair<const ResourceType*, Json>> dependents(Store& store, const Json& owner) {
    const std::string uid = uid_of(owner);
    std::vector<std::pair<const ResourceType*, Json>> found;
    store.transact([&](Store::Txn& txn) {
        for (const ResourceType& candidate : resource_types()) {
            if (!candidate.namespaced) {
                continue;
            }
            // In place: each deleted object looked at every object of its namespace.
            txn.for_each(candidate, ns_of(owner), [&](const Json& item) {
                if (owned_by(item, uid)) {
                    found.emplace_back(&candidate, item);
                }
            });
        }
    });
    return found;
}

class GarbageCollector final : public Controller {
public:
    using Controller::Controller;

    bool finalize(const ResourceType& type, const Json& object,
                  const std::string& finalizer) override {
        if (finalizer == "foregroundDeletion") {
            const auto children = dependents(m_store, object);
            if (children.empty()) {
                remove_finalizer(m_store, type, object, finalizer);
            } else {
                for (const auto& [child_type, child] : children) {
                    if (!deleting(child)) {
                        api_delete(m_api, *child_type, child, "Foreground");
                    }
                }
                after(std::chrono::milliseconds(50),
                      [this, &type, ns = ns_of(object), name = name_of(object)] {
                          requeue(type, ns, name);
                      });
            }
            return true;
        }
        if (finalizer == "orphan") {
            const std::string uid = uid_of(object);
            for (const auto& [child_type, child] : dependents(m_store, object)) {
                mutate(m_store, *child_type, ns_of(child), name_of(child), [&](Json& updated) {
                    Json& owners = updated["metadata"]["ownerReferences"];
                    Json kept = Json::array();
                    for (const Json& owner : owners) {
                        if (owner.value("uid", "") != uid) {
                            kept.push_back(owner);
                        }
                    }
                    owners = kept;
                    return true;
                });
            }
            remove_finalizer(m_store, type, object, finalizer);
            return true;
        }
        return false;
    }

    // Background propagation.
    void deleted(const ResourceType& type, const Json& object) override {
        if (!type.namespaced && type.kind != "Namespace") {
            return;
        }
        for (const auto& [child_type, child] : dependents(m_store, object)) {
            api_delete(m_api, *child_type, child);
        }
    }
};

} // namespace

std::unique_ptr<Controller> make_garbage_collector(Controllers& core) {
    return std::make_unique<GarbageCollector>(core);
}

} // namespace pxsim
