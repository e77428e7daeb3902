// Threads running independent tasks: a fixed number (--parallel N, default 8), or up to a limit
// started as tasks queue up (the fan-out pool of the steps that mostly wait on the server).
#pragma once

#include "pxclone/error.hpp"

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

namespace pxclone::util {

class WorkerPool {
public:
    static constexpr std::size_t k_default_threads = 8;

    enum class Start { eager, on_demand };

    // eager: starts `threads` workers (at least one) now. on_demand: starts a worker when a task
    // is queued and no idle worker is left to take it, up to `threads` (at least one).
    explicit WorkerPool(std::size_t threads = k_default_threads, Start start = Start::eager);
    // Runs what is queued (or fails it when cancelled), then joins the workers.
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    // Queues a task; its future holds the result or the exception it threw. A task still queued
    // when cancel() is called never runs: its future throws InterruptedError.
    template <typename F>
    auto submit(F task) -> std::future<std::invoke_result_t<F>> {
        using Result = std::invoke_result_t<F>;
        auto promise = std::make_shared<std::promise<Result>>();
        auto future = promise->get_future();
        enqueue([promise, task = std::move(task)](bool cancelled) mutable {
            if (cancelled) {
                promise->set_exception(std::make_exception_ptr(InterruptedError()));
                return;
            }
            try {
                if constexpr (std::is_void_v<Result>) {
                    task();
                    promise->set_value();
                } else {
                    promise->set_value(task());
                }
            } catch (...) {
                promise->set_exception(std::current_exception());
            }
        });
        return future;
    }

    // Stops starting queued tasks (SIGINT/SIGTERM); running ones finish. Safe from any thread.
    void cancel() { m_cancelled = true; }
    bool cancelled() const { return m_cancelled; }
    // The workers started so far.
    std::size_t size() const;

private:
    void enqueue(std::function<void(bool cancelled)> job);
    void work();

    std::atomic<bool> m_cancelled{false};
    std::size_t m_max_threads = 1;
    std::size_t m_idle = 0; // workers waiting for a task
    mutable std::mutex m_mutex;
    std::condition_variable m_ready;
    std::deque<std::function<void(bool)>> m_queue;
    bool m_stopping = false;
    std::vector<std::thread> m_threads;
};

// How many latency-bound tasks (a snapshot or clone the server takes seconds over, a readiness
// wait) may be in flight at once. They cost the client almost nothing while they wait, so they
// are not bounded by --parallel (which bounds the API-server requests of ordinary steps) but by
// k_max_fan_out: never fewer than `parallel`; `parallel` 1 keeps everything one at a time (a
// deterministic order of requests). Every volume's chain of a 200-volume set is in flight at
// once (the critical-path bound assumes it); each in-flight task costs a thread and, over
// HTTP/1.1, a connection (about 100 KiB of RSS with TLS), hence a bound for larger sets.
inline constexpr std::size_t k_max_fan_out = 256;
std::size_t fan_out_width(std::size_t parallel);

// The outcome of one task of run_all: a value or the exception it threw.
template <typename T>
struct TaskResult {
    std::optional<T> value;
    std::exception_ptr error;
    bool ok() const { return error == nullptr; }
};

// Runs every task on the pool and waits for all of them; results are in the tasks' order. One
// failure does not stop the others (the caller decides what a partial outcome means).
template <typename T>
std::vector<TaskResult<T>> run_all(WorkerPool& pool, std::vector<std::function<T()>> tasks) {
    std::vector<std::future<T>> futures;
    futures.reserve(tasks.size());
    for (auto& task : tasks) {
        futures.push_back(pool.submit(std::move(task)));
    }
    std::vector<TaskResult<T>> results(futures.size());
    for (std::size_t i = 0; i < futures.size(); ++i) {
        try {
            results[i].value = futures[i].get();
        } catch (...) {
            results[i].error = std::current_exception();
        }
    }
    return results;
}

// run_all on `pool`, or, without one (nullptr), each task in turn on this thread: the same
// outcomes, in the tasks' order.
template <typename T>
std::vector<TaskResult<T>> run_all(WorkerPool* pool, std::vector<std::function<T()>> tasks) {
    if (pool != nullptr) {
        return run_all(*pool, std::move(tasks));
    }
    std::vector<TaskResult<T>> results(tasks.size());
    for (std::size_t i = 0; i < tasks.size(); ++i) {
        try {
            results[i].value = tasks[i]();
        } catch (...) {
            results[i].error = std::current_exception();
        }
    }
    return results;
}

// Waits for every future, then rethrows the first exception one of them holds (in the futures'
// order), so that nothing is still running behind the error; returns the values in order.
template <typename T>
std::vector<T> get_all(std::vector<std::future<T>>& futures) {
    std::vector<T> values;
    values.reserve(futures.size());
    std::exception_ptr first;
    for (auto& future : futures) {
        try {
            values.push_back(future.get());
        } catch (...) {
            values.emplace_back();
            if (!first) {
                first = std::current_exception();
            }
        }
    }
    if (first) {
        std::rethrow_exception(first);
    }
    return values;
}

// Independent tasks: at once on `pool`, or one after another in order without one (nullptr).
// Their values in the tasks' order; when one throws, the first error (in order) is rethrown once
// every task has ended.
template <typename T>
std::vector<T> run_each(WorkerPool* pool, std::vector<std::function<T()>> tasks) {
    if (pool == nullptr) {
        std::vector<T> values;
        values.reserve(tasks.size());
        for (auto& task : tasks) {
            values.push_back(task());
        }
        return values;
    }
    std::vector<std::future<T>> futures;
    futures.reserve(tasks.size());
    for (auto& task : tasks) {
        futures.push_back(pool->submit(std::move(task)));
    }
    return get_all(futures);
}

// get_all for tasks without a value.
void get_all(std::vector<std::future<void>>& futures);

} // namespace pxclone::util
