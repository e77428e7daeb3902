#include "pxclone/util/worker_pool.hpp"

#include <algorithm>

namespace pxclone::util {

WorkerPool::WorkerPool(std::size_t threads) {
    const auto count = std::max<std::size_t>(threads, 1);
    m_threads.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        m_threads.emplace_back([this] { work(); });
    }
}

WorkerPool::~WorkerPool() {
    {
        const std::scoped_lock lock(m_mutex);
        m_stopping = true;
    }
    m_ready.notify_all();
    for (auto& thread : m_threads) {
        thread.join();
    }
}

void WorkerPool::enqueue(std::function<void(bool)> job) {
    {
        const std::scoped_lock lock(m_mutex);
        m_queue.push_back(std::move(job));
    }
    m_ready.notify_one();
}

void WorkerPool::work() {
    for (;;) {
        std::function<void(bool)> job;
        {
            std::unique_lock lock(m_mutex);
            m_ready.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
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
