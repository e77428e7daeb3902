#include "pxclone/util/worker_pool.hpp"

#include <algorithm>

namespace pxclone::util {

WorkerPool::WorkerPool(std::size_t threads, Start start)
    : m_max_threads(std::max<std::size_t>(threads, 1)) {
    if (start == Start::on_demand) {
        return;
    }
    m_threads.reserve(m_max_threads);
    for (std::size_t i = 0; i < m_max_threads; ++i) {
        m_threads.emplace_back([this] { work(); });
    }
}

std::size_t WorkerPool::size() const {
    const std::scoped_lock lock(m_mutex);
    return m_threads.size();
}

std::size_t fan_out_width(std::size_t parallel) {
    if (parallel <= 1) {
        return 1;
    }
    return std::max(parallel, k_max_fan_out);
}

void get_all(std::vector<std::future<void>>& futures) {
    std::exception_ptr first;
    for (auto& future : futures) {
        try {
            future.get();
        } catch (...) {
            if (!first) {
                first = std::current_exception();
            }
        }
    }
    if (first) {
        std::rethrow_exception(first);
    }
}

WorkerPool::~WorkerPool() {
    {
        const std::scoped_lock lock(m_mutex);
        m_stopping = true;
    }
    m_ready.notify_all();
    // A running task may still queue one more (and so start a worker): join until none is left.
    for (;;) {
        std::thread thread;
        {
            const std::scoped_lock lock(m_mutex);
            if (m_threads.empty()) {
                return;
            }
            thread = std::move(m_threads.back());
            m_threads.pop_back();
        }
        thread.join();
    }
}

void WorkerPool::enqueue(std::function<void(bool)> job) {
    {
        const std::scoped_lock lock(m_mutex);
        m_queue.push_back(std::move(job));
        // More tasks waiting than idle workers to take them: one more worker, while allowed.
        if (m_queue.size() > m_idle && m_threads.size() < m_max_threads) {
            m_threads.emplace_back([this] { work(); });
        }
    }
    m_ready.notify_one();
}

void WorkerPool::work() {
    for (;;) {
        std::function<void(bool)> job;
        {
            std::unique_lock lock(m_mutex);
            ++m_idle;
            m_ready.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
            --m_idle;
            if (m_queue.empty()) {
                return;
            }
            job = std::move(m_queue.front());
            m_queue.pop_front();
        }
        job(m_cancelled.load());
    }
}

} // namespace pxclone::util
