#include "controllers.hpp"

#include <algorithm>

namespace pxsim {

Controllers::Controllers(Store& store, K8sApi& api, PxApi& px, const Latency& latency,
                         FaultPlan& faults)
    : m_store(store), m_api(api), m_px(px), m_latency(latency), m_faults(faults) {
    // The garbage collector first: a deleted object's dependents are collected before its own
    // controller looks at it; the namespace controller next, as any change inside a
    // terminating namespace moves its deletion on. One line a controller.
    m_controllers.push_back(make_garbage_collector(*this));
    m_controllers.push_back(make_namespace_controller(*this));
    m_controllers.push_back(make_volume_controller(*this));
    m_controllers.push_back(make_pod_controller(*this));
    m_controllers.push_back(make_replicaset_controller(*this));
    m_controllers.push_back(make_deployment_controller(*this));
    m_controllers.push_back(make_statefulset_controller(*this));
    m_controllers.push_back(make_job_controller(*this));
    m_controllers.push_back(make_snapshot_controller(*this));
    m_controllers.push_back(make_snapshot_content_controller(*this));
}

Controllers::~Controllers() {
    stop();
}

void Controllers::start() {
    m_scheduler = std::thread([this] { run_scheduler(); });
    m_follower = std::thread([this] { follow_events(); });
}

void Controllers::stop() {
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping && !m_scheduler.joinable()) {
            return;
        }
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_follower.joinable()) {
        m_follower.join();
    }
    if (m_scheduler.joinable()) {
        m_scheduler.join();
    }
    std::vector<std::thread> workers;
    {
        std::lock_guard lock(m_mutex);
        workers.swap(m_workers);
    }
    for (std::thread& worker : workers) {
        worker.join();
    }
}

void Controllers::after(std::chrono::milliseconds delay, std::function<void()> work) {
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping) {
            return;
        }
        m_tasks.push({Clock::now() + delay, m_sequence++, std::move(work)});
    }
    m_wake.notify_all();
}

void Controllers::in_background(std::function<void()> work) {
    std::lock_guard lock(m_mutex);
    if (m_stopping) {
        return;
    }
    // Join the workers that are done, so a long run does not pile up finished threads.
    for (const std::thread::id id : m_finished) {
        const auto found =
            std::find_if(m_workers.begin(), m_workers.end(),
                         [id](const std::thread& worker) { return worker.get_id() == id; });
        if (found != m_workers.end()) {
            found->join();
            m_workers.erase(found);
        }
    }
    m_finished.clear();
    m_workers.emplace_back([this, work = std::move(work)] {
        work();
        std::lock_guard done(m_mutex);
        m_finished.push_back(std::this_thread::get_id());
    });
}

void Controllers::run_scheduler() {
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
        if (m_tasks.empty()) {
            m_wake.wait(lock);
            continue;
        }
        const auto due = m_tasks.top().due;
        if (Clock::now() < due) {
            m_wake.wait_until(lock, due);
            continue;
        }
        Task task = m_tasks.top();
        m_tasks.pop();
        lock.unlock();
        task.work();
        lock.lock();
    }
}

void Controllers::follow_events() {
    std::uint64_t cursor = m_store.resource_version();
    const auto resync = [this] {
        m_store.transact([&](Store::Txn& txn) {
            for (const ResourceType& type : resource_types()) {
                for (const Json& object : txn.list(type, "")) {
                    after(std::chrono::milliseconds(0),
                          [this, &type, object] { reconcile(type, object, "SYNC"); });
                }
            }
        });
    };
    resync();
    for (;;) {
        {
            std::lock_guard lock(m_mutex);
            if (m_stopping) {
                return;
            }
        }
        Store::WaitResult result = m_store.wait_events(cursor, std::chrono::milliseconds(200));
        if (result.stopping) {
            return;
        }
        if (result.expired) {
            cursor = m_store.resource_version();
            resync();
            continue;
        }
        for (StoreEvent& event : result.events) {
            cursor = event.resource_version;
            const ResourceType* type = event.resource;
            if (event.type != "DELETED") {
                // A reconcile reads the object as it is when it runs: one queued is enough.
                reconcile_soon(*type, ns_of(event.object), name_of(event.object));
                continue;
            }
            after(std::chrono::milliseconds(0),
                  [this, type, object = std::move(event.object), kind = event.type] {
                      reconcile(*type, object, kind);
                  });
        }
    }
}

bool Controllers::waited(const std::string& key, std::chrono::milliseconds delay,
                         const std::function<void()>& retry) {
    if (delay.count() <= 0) {
        return true;
    }
    const auto now = Clock::now();
    const auto found = m_ready_at.find(key);
    if (found == m_ready_at.end()) {
        m_ready_at[key] = now + delay;
        after(delay, retry);
        return false;
    }
    return now >= found->second;
}

void Controllers::reconcile_soon(const ResourceType& type, const std::string& ns,
                                 const std::string& name) {
    const std::string key = type.kind + "/" + ns + "/" + name;
    {
        std::lock_guard lock(m_mutex);
        if (!m_queued.insert(key).second) {
            return;
        }
    }
    after(std::chrono::milliseconds(0), [this, &type, ns, name, key] {
        {
            std::lock_guard lock(m_mutex);
            m_queued.erase(key);
        }
        const auto object =
            m_store.transact([&](Store::Txn& txn) { return txn.get(type, ns, name); });
        if (object) {
            reconcile(type, *object, "SYNC");
        }
    });
}

void Controllers::reconcile(const ResourceType& type, const Json& event_object,
                            const std::string& event) {
    if (event == "DELETED") {
        for (const auto& controller : m_controllers) {
            if (controller->sees(type)) {
                controller->deleted(type, event_object);
            }
        }
        return;
    }
    const auto current = m_store.transact(
        [&](Store::Txn& txn) { return txn.get(type, ns_of(event_object), name_of(event_object)); });
    if (!current) {
        return;
    }
    const Json& object = *current;
    if (type.kind != "Namespace" && deleting(object)) {
        // Each finalizer is its owner's; one nobody owns stays until a client removes it.
        for (const Json& entry : at(object, "/metadata/finalizers", Json::array())) {
            const std::string finalizer = entry.get<std::string>();
            for (const auto& controller : m_controllers) {
                if (controller->finalize(type, object, finalizer)) {
                    break;
                }
            }
        }
    }
    for (const auto& controller : m_controllers) {
        if (controller->sees(type)) {
            controller->reconcile(type, object);
        }
    }
}

void Controllers::record_event(const ResourceType& type, const Json& object,
                               const std::string& event_type, const std::string& reason,
                               const std::string& message, const std::string& component) {
    if (!m_pending.insert("event/" + uid_of(object) + "/" + reason).second) {
        return;
    }
    const std::string now = format_time(m_api.options().now());
    const std::string ns = type.namespaced ? ns_of(object) : "default";
    Json event = {{"apiVersion", "v1"},
                  {"kind", "Event"},
                  {"metadata",
                   {{"name", name_of(object) + "." + short_hash(uid_of(object) + reason, 16)},
                    {"namespace", ns}}},
                  {"involvedObject",
                   {{"apiVersion", type.api_version()},
                    {"kind", type.kind},
                    {"name", name_of(object)},
                    {"namespace", ns_of(object)},
                    {"resourceVersion", object["metadata"].value("resourceVersion", "")},
                    {"uid", uid_of(object)}}},
                  {"reason", reason},
                  {"message", message},
                  {"type", event_type},
                  {"source", {{"component", component}}},
                  {"reportingComponent", component},
                  {"reportingInstance", ""},
                  {"firstTimestamp", now},
                  {"lastTimestamp", now},
                  {"count", 1}};
    api_create(m_api, rt("", "events"), event);
}

// --- what a controller may use ------------------------------------------------------------------

Controller::Controller(Controllers& core, std::set<std::string> kinds)
    : m_store(core.m_store), m_api(core.m_api), m_px(core.m_px), m_latency(core.m_latency),
      m_faults(core.m_faults), m_pending(core.m_pending), m_core(core), m_kinds(std::move(kinds)) {}

bool Controller::sees(const ResourceType& type) const {
    return m_kinds.empty() || m_kinds.count(type.kind) > 0;
}

void Controller::reconcile(const ResourceType& /*type*/, const Json& /*object*/) {}

bool Controller::finalize(const ResourceType& /*type*/, const Json& /*object*/,
                          const std::string& /*finalizer*/) {
    return false;
}

void Controller::deleted(const ResourceType& /*type*/, const Json& /*object*/) {}

void Controller::after(std::chrono::milliseconds delay, std::function<void()> work) {
    m_core.after(delay, std::move(work));
}

void Controller::requeue(const ResourceType& type, const std::string& ns, const std::string& name) {
    m_core.reconcile_soon(type, ns, name);
}

void Controller::in_background(std::function<void()> work) {
    m_core.in_background(std::move(work));
}

bool Controller::waited(const std::string& key, std::chrono::milliseconds delay,
                        const std::function<void()>& retry) {
    return m_core.waited(key, delay, retry);
}

void Controller::record_event(const ResourceType& type, const Json& object,
                              const std::string& event_type, const std::string& reason,
                              const std::string& message, const std::string& component) {
    m_core.record_event(type, object, event_type, reason, message, component);
}

} // namespace pxsim
