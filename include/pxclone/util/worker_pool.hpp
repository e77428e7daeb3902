// A fixed number of threads running independent tasks (--parallel N, default 8).
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

    // Starts `threads` workers (at least one).
    explicit WorkerPool(std::size_t threads = k_default_threads);
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
    std::size_t size() const { return m_threads.size(); }

private:
    void enqueue(std::function<void(bool cancelled)> job);
    void work();

    std::atomic<bool> m_cancelled{false};
    std::mutex m_mutex;
    std::condition_variable m_ready;
    std::deque<std::function<void(bool)>> m_queue;
    bool m_stopping = false;
    std::vector<std::thread> m_threads;
};

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

} // namespace pxclone::util
