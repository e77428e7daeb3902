// How pxsim's HTTP server takes connections: as a real API server does, never making one client
// wait silently for another (issue 18).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

#include <httplib.h>

namespace pxsim::srv {

// cpp-httplib's task queue, with a thread started whenever a connection arrives and every thread
// is busy. cpp-httplib gives each connection a thread for its whole life, idle keep-alive time
// included; with a fixed pool, the connection after the last free thread waited unanswered until
// some other connection closed (30 s of keep-alive), which a client sees as a request that never
// reached the server. `initial` threads start at once; threads are never ended before shutdown.
class ConnectionPool final : public httplib::TaskQueue {
public:
    explicit ConnectionPool(std::size_t initial);
    ~ConnectionPool() override;
    ConnectionPool(const ConnectionPool&) = delete;
    ConnectionPool& operator=(const ConnectionPool&) = delete;

    void enqueue(std::function<void()> task) override;
    void shutdown() override;

private:
    void work();

    std::mutex m_mutex;
    std::condition_variable m_ready;
    std::list<std::function<void()>> m_tasks;
    std::vector<std::thread> m_threads;
    std::size_t m_idle = 0;
    bool m_stopping = false;
};

// Raises the backlog of the listening socket on `port` (in this process) to the system's limit:
// cpp-httplib 0.11 listens with 5, so a burst of connections (a client opening 200 at once)
// overflowed it and the kernel dropped their handshakes; with SYN cookies some of those clients
// then waited for a reply to a request the server never received. False when no such socket.
bool widen_listen_backlog(int port);

} // namespace pxsim::srv
