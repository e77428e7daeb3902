// What one of pxsim's controllers implements, and what it may use (with controller_util.hpp).
// Controllers (controllers.hpp) runs every callback on its one scheduler thread, so controllers
// never race each other and need no locks; the member references below are safe to use there and
// only there.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "controllers/controller_util.hpp"
#include "faults.hpp"
#include "k8s_api.hpp"
#include "k8s_store.hpp"
#include "px_api.hpp"

namespace pxsim {

class Controllers;

class Controller {
public:
    // Sees the changes of objects of `kinds` (of every kind when empty).
    explicit Controller(Controllers& core, std::set<std::string> kinds = {});
    virtual ~Controller() = default;
    Controller(const Controller&) = delete;
    Controller& operator=(const Controller&) = delete;

    bool sees(const ResourceType& type) const;

    // A change of an object of its kinds that still exists, read as it is now (also while it is
    // being deleted). Controllers see a change in registration order.
    virtual void reconcile(const ResourceType& type, const nlohmann::json& object);
    // One finalizer of an object being deleted (not a Namespace), of any kind: returns true when
    // this controller owns the finalizer (and has acted on it); the next one is not asked then.
    virtual bool finalize(const ResourceType& type, const nlohmann::json& object,
                          const std::string& finalizer);
    // An object of its kinds gone from the store, with its last state.
    virtual void deleted(const ResourceType& type, const nlohmann::json& object);

protected:
    Store& m_store;
    K8sApi& m_api;
    PxApi& m_px;
    const Latency& m_latency;
    FaultPlan& m_faults;
    // Keys of one-shot work started and not to be started again (a delayed step scheduled, a
    // Portworx call in flight, an event recorded); shared by every controller, so a key names
    // its purpose ("provision/UID").
    std::set<std::string>& m_pending;

    // Runs `work` on the scheduler thread after `delay`.
    void after(std::chrono::milliseconds delay, std::function<void()> work);
    // Reconciles the object soon, unless a reconcile of it is already queued and not started.
    void requeue(const ResourceType& type, const std::string& ns, const std::string& name);
    // Runs `work` on a worker thread (for blocking Portworx calls); it hands results back
    // through after().
    void in_background(std::function<void()> work);
    // Returns true once `delay` has passed since the first call for `key` (scheduling a
    // re-run of `retry` then).
    bool waited(const std::string& key, std::chrono::milliseconds delay,
                const std::function<void()>& retry);
    // Records a core/v1 Event about `object` once per (object, reason).
    void record_event(const ResourceType& type, const nlohmann::json& object,
                      const std::string& event_type, const std::string& reason,
                      const std::string& message, const std::string& component);

private:
    Controllers& m_core;
    std::set<std::string> m_kinds;
};

// One controller a file (tests/sim/controllers/), each registered once in Controllers'
// constructor (controllers.cpp); a change is offered to them in that order.
std::unique_ptr<Controller> make_garbage_collector(Controllers& core);
std::unique_ptr<Controller> make_namespace_controller(Controllers& core);
std::unique_ptr<Controller> make_volume_controller(Controllers& core);
std::unique_ptr<Controller> make_pod_controller(Controllers& core);
std::unique_ptr<Controller> make_replicaset_controller(Controllers& core);
std::unique_ptr<Controller> make_deployment_controller(Controllers& core);
std::unique_ptr<Controller> make_statefulset_controller(Controllers& core);
std::unique_ptr<Controller> make_job_controller(Controllers& core);
std::unique_ptr<Controller> make_snapshot_controller(Controllers& core);
std::unique_ptr<Controller> make_snapshot_content_controller(Controllers& core);

} // namespace pxsim
