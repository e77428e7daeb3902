// pxsim's etcd: every Kubernetes object as JSON, one global resourceVersion counter, and a bounded
// history of change events that watches read from. Thread-safe; a transaction runs under one lock.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "k8s_resources.hpp"

namespace pxsim {

struct StoreEvent {
    std::uint64_t resource_version = 0;
    std::string type; // ADDED, MODIFIED, DELETED
    const ResourceType* resource = nullptr;
    nlohmann::json object;
};

class Store {
public:
    // history_size bounds the events kept for watches; older resourceVersions are Expired.
    explicit Store(std::size_t history_size = 4096);

    // The view of the store inside one transaction.
    class Txn {
    public:
        std::optional<nlohmann::json> get(const ResourceType& type, const std::string& ns,
                                          const std::string& name) const;
        // Objects of a type, sorted by namespace then name; ns "" lists every namespace.
        std::vector<nlohmann::json> list(const ResourceType& type, const std::string& ns) const;
        // list() without the copies: `visit` sees each object in place, in list()'s order.
        void for_each(const ResourceType& type, const std::string& ns,
                      const std::function<void(const nlohmann::json&)>& visit) const;
        // Stores a new object or replaces one: sets metadata.resourceVersion, records the event.
        nlohmann::json put(const ResourceType& type, nlohmann::json object);
        // Removes an object, recording a DELETED event with a new resourceVersion; nullopt if
        // absent.
        std::optional<nlohmann::json> erase(const ResourceType& type, const std::string& ns,
                                            const std::string& name);
        std::uint64_t resource_version() const;

    private:
        friend class Store;
        explicit Txn(Store& store) : m_store(store) {}
        Store& m_store;
    };

    template <class F>
    auto transact(F&& body) {
        std::unique_lock lock(m_mutex);
        Txn txn(*this);
        if constexpr (std::is_void_v<decltype(body(txn))>) {
            body(txn);
            lock.unlock();
            m_changed.notify_all();
        } else {
            auto result = body(txn);
            lock.unlock();
            m_changed.notify_all();
            return result;
        }
    }

    struct WaitResult {
        bool expired = false;  // `after` is older than the kept history
        bool stopping = false; // shutdown() was called
        std::vector<StoreEvent> events;
        // The store's resourceVersion when the events were taken: every event up to it is in
        // `events`, so a watch may resume (or bookmark) from here without losing one.
        std::uint64_t resource_version = 0;
    };
    // Events newer than `after`, waiting up to `timeout` for the first one.
    WaitResult wait_events(std::uint64_t after, std::chrono::milliseconds timeout);
    // Wakes every waiter and makes further waits return at once.
    void shutdown();
    // Drops every object and the history (the resourceVersion counter keeps counting).
    void clear();
    // Every object, grouped by "apiVersion/plural" (for /_sim/state).
    nlohmann::json dump();
    std::uint64_t resource_version();

private:
    using Key = std::string; // "namespace/name"
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::map<const ResourceType*, std::map<Key, nlohmann::json>> m_objects;
    std::deque<StoreEvent> m_history;
    std::size_t m_history_size;
    std::uint64_t m_resource_version = 1;
    std::uint64_t m_compacted = 1; // events after this resourceVersion are all in m_history
    bool m_stopping = false;

    void record(const ResourceType& type, const std::string& event, const nlohmann::json& object);
};

} // namespace pxsim
