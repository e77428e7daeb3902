#include "server_pool.hpp"

#include <algorithm>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

namespace pxsim::srv {

ConnectionPool::ConnectionPool(std::size_t initial) {
    const std::lock_guard lock(m_mutex);
    for (std::size_t i = 0; i < initial; ++i) {
        m_threads.emplace_back([this] { work(); });
    }
}

ConnectionPool::~ConnectionPool() {
    shutdown();
}

void ConnectionPool::enqueue(std::function<void()> task) {
    {
        const std::lock_guard lock(m_mutex);
        m_tasks.push_back(std::move(task));
        // Every waiting task needs a thread of its own now, not when a connection closes.
        if (m_tasks.size() > m_idle && !m_stopping) {
            m_threads.emplace_back([this] { work(); });
        }
    }
    m_ready.notify_one();
}

void ConnectionPool::shutdown() {
    std::vector<std::thread> threads;
    {
        const std::lock_guard lock(m_mutex);
        m_stopping = true;
        threads.swap(m_threads);
    }
    m_ready.notify_all();
    for (auto& thread : threads) {
        thread.join();
    }
}

void ConnectionPool::work() {
    for (;;) {
        std::function<void()> task;
        {
            std::unique_lock lock(m_mutex);
            ++m_idle;
            m_ready.wait(lock, [this] { return !m_tasks.empty() || m_stopping; });
            --m_idle;
            if (m_tasks.empty()) {
                return; // stopping, nothing left
            }
            task = std::move(m_tasks.front());
            m_tasks.pop_front();
        }
        task();
    }
}

bool widen_listen_backlog(int port) {
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    const int last = static_cast<int>(std::min<rlim_t>(limit.rlim_cur, 65536));
    for (int fd = 3; fd < last; ++fd) {
        int listening = 0;
        socklen_t size = sizeof listening;
        sockaddr_storage local{};
        socklen_t local_size = sizeof local;
        if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) != 0 || listening == 0 ||
            getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_size) != 0) {
            continue;
        }
        const auto local_port =
            local.ss_family == AF_INET
                ? ntohs(reinterpret_cast<const sockaddr_in&>(local).sin_port)
                : (local.ss_family == AF_INET6
                       ? ntohs(reinterpret_cast<const sockaddr_in6&>(local).sin6_port)
                       : 0);
        // listen() again on a listening socket only sets its backlog (Linux); SOMAXCONN is
        // capped by net.core.somaxconn, as Go's net/http (the API server) asks for.
        if (local_port == port && listen(fd, SOMAXCONN) == 0) {
            return true;
        }
    }
    return false;
}

} // namespace pxsim::srv
