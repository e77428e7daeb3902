// A cpp-httplib server on 127.0.0.1 with an OS-chosen port, run on its own thread.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include <httplib.h>

namespace pxclone::test {

class HttpServer {
public:
    // Plain HTTP.
    HttpServer() : m_server(std::make_unique<httplib::Server>()) {}
    // HTTPS; with client_ca a client certificate signed by it is required.
    HttpServer(const std::string& cert, const std::string& key, const std::string& client_ca = {})
        : m_server(std::make_unique<httplib::SSLServer>(
              cert.c_str(), key.c_str(), client_ca.empty() ? nullptr : client_ca.c_str())),
          m_tls(true) {}
    ~HttpServer() { stop(); }

    httplib::Server& routes() { return *m_server; }

    // Binds (the socket listens from here on, so no wait for the thread is needed) and serves.
    void start() {
        m_port = m_server->bind_to_any_port("127.0.0.1");
        m_thread = std::thread([this] { m_server->listen_after_bind(); });
    }
    void stop() {
        if (m_thread.joinable()) {
            // httplib 0.11 ignores stop() until its accept loop runs and offers nothing to wait
            // on, so yield until it does (immediate in practice: requests were already served).
            while (!m_server->is_running()) {
                std::this_thread::yield();
            }
            m_server->stop();
            m_thread.join();
        }
    }
    std::string url(const std::string& path = "/") const {
        return std::string(m_tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(m_port) +
               path;
    }
    int port() const { return m_port; }

private:
    std::unique_ptr<httplib::Server> m_server;
    bool m_tls = false;
    int m_port = 0;
    std::thread m_thread;
};

} // namespace pxclone::test
