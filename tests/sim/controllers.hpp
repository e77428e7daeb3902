// pxsim's controllers: what kube-controller-manager, the kubelet, the CSI external provisioner and
// snapshotter and Portworx would do, each step after its --latency delay. This is their shared
// core: the reconcile queue and loop. One scheduler thread runs every reconcile (so they never race
// each other); blocking Portworx calls run on worker threads. The controllers themselves are in
// controllers/, one a file, each implementing controllers/controller.hpp.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <queue>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "controllers/controller.hpp"
#include "faults.hpp"
#include "k8s_api.hpp"
#include "k8s_store.hpp"
#include "px_api.hpp"

namespace pxsim {

class Controllers {
public:
    Controllers(Store& store, K8sApi& api, PxApi& px, const Latency& latency, FaultPlan& faults);
    ~Controllers();
    Controllers(const Controllers&) = delete;
    Controllers& operator=(const Controllers&) = delete;

    // Reconciles every existing object, then follows the store's events.
    void start();
    // Stops the threads; pending work is dropped. Idempotent.
    void stop();

private:
    friend class Controller; // its protected helpers forward to the ones below

    using Clock = std::chrono::steady_clock;
    struct Task {
        Clock::time_point due;
        std::uint64_t sequence;
        std::function<void()> work;
        bool operator>(const Task& other) const {
            return due != other.due ? due > other.due : sequence > other.sequence;
        }
    };

    Store& m_store;
    K8sApi& m_api;
    PxApi& m_px;
    const Latency& m_latency;
    FaultPlan& m_faults;

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::priority_queue<Task, std::vector<Task>, std::greater<>> m_tasks;
    std::uint64_t m_sequence = 0;
    bool m_stopping = false;
    std::thread m_scheduler;
    std::thread m_follower;
    std::vector<std::thread> m_workers;
    std::vector<std::thread::id> m_finished; // workers done, to be joined
    std::map<std::string, Clock::time_point> m_ready_at;
    // Keys ("kind/ns/name") with a reconcile queued to run now and not started yet: another
    // change to the object before it starts needs no second one (a reconcile reads the object
    // as it is then). 200 pods turning Ready within a few milliseconds were 200 reconciles of
    // their StatefulSet, each reading every pod.
    std::set<std::string> m_queued;
    // Controller::m_pending (scheduler thread only).
    std::set<std::string> m_pending;
    // Registered in the constructor; each change is offered to them in this order.
    std::vector<std::unique_ptr<Controller>> m_controllers;

    void after(std::chrono::milliseconds delay, std::function<void()> work);
    // Reconciles the object now, unless a reconcile of it is already queued and not started.
    void reconcile_soon(const ResourceType& type, const std::string& ns, const std::string& name);
    // Runs `work` on a worker thread, then `done` on the scheduler thread.
    void in_background(std::function<void()> work);
    void run_scheduler();
    void follow_events();
    // Offers one change to every controller: an object gone (`event` DELETED), or one that
    // still exists (read again now; its finalizers first when it is being deleted).
    void reconcile(const ResourceType& type, const nlohmann::json& object,
                   const std::string& event);
    // Returns true once `delay` has passed since the first call for `key` (scheduling a
    // re-run of `retry` then).
    bool waited(const std::string& key, std::chrono::milliseconds delay,
                const std::function<void()>& retry);

    // Records a core/v1 Event about `object` once per (object, reason).
    void record_event(const ResourceType& type, const nlohmann::json& object,
                      const std::string& event_type, const std::string& reason,
                      const std::string& message, const std::string& component);
};

} // namespace pxsim
