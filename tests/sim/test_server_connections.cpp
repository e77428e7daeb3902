// pxsim's connections: a burst of clients and more keep-alive connections than request threads
// are served, never silently stalled (issue 18: a 200-volume snapshot lost ~50 SnapshotCreates).
#include <cctype>
#include <memory>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

#include <doctest/doctest.h>

#include "sim_test_support.hpp"

namespace {

// The listening socket of `port` in this process; -1 when none.
int listening_socket(int port) {
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    for (int fd = 3; fd < static_cast<int>(std::min<rlim_t>(limit.rlim_cur, 65536)); ++fd) {
        int listening = 0;
        socklen_t size = sizeof listening;
        sockaddr_in local{};
        socklen_t local_size = sizeof local;
        if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) == 0 && listening != 0 &&
            getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_size) == 0 &&
            local.sin_family == AF_INET && ntohs(local.sin_port) == port) {
            return fd;
        }
    }
    return -1;
}

// A plain TCP connection to 127.0.0.1:port whose reads give up after `seconds`.
class Connection {
public:
    Connection(int port, int seconds) : m_fd(socket(AF_INET, SOCK_STREAM, 0)) {
        timeval timeout{seconds, 0};
        setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        m_connected = connect(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    }
    ~Connection() { close(m_fd); }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Sends one keep-alive GET; returns the status line of its reply ("" when none came in time).
    std::string get(const std::string& path) {
        if (!m_connected) {
            return "";
        }
        const std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        if (send(m_fd, request.data(), request.size(), MSG_NOSIGNAL) !=
            static_cast<ssize_t>(request.size())) {
            return "";
        }
        // The whole reply (headers, then Content-Length bytes), so the next one starts clean.
        std::string reply;
        std::size_t end = std::string::npos;
        std::size_t length = 0;
        while (end == std::string::npos || reply.size() < end + 4 + length) {
            char buffer[4096];
            const ssize_t got = recv(m_fd, buffer, sizeof buffer, 0);
            if (got <= 0) {
                return "";
            }
            reply.append(buffer, static_cast<std::size_t>(got));
            if (end == std::string::npos && (end = reply.find("\r\n\r\n")) != std::string::npos) {
                std::string head = reply.substr(0, end);
                for (char& c : head) {
                    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                }
                const auto at = head.find("content-length:");
                length = at == std::string::npos ? 0 : std::stoul(head.substr(at + 15));
            }
        }
        return reply.substr(0, reply.find("\r\n"));
    }

private:
    int m_fd;
    bool m_connected = false;
};

} // namespace

TEST_CASE("the listen backlog takes a burst of connections (as a real API server's does)") {
    // cpp-httplib 0.11 listens with a backlog of 5: a client opening 200 connections at once saw
    // some of them accepted by the kernel only after their requests had timed out, unanswered.
    pxsim::ServerOptions options;
    options.controllers = false;
    pxsim::Server server(options);
    const int port = server.start();
    const int fd = listening_socket(port);
    REQUIRE(fd >= 0);
    tcp_info info{};
    socklen_t size = sizeof info;
    REQUIRE(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &size) == 0);
    // For a listening socket, tcpi_sacked is the backlog it was given (capped by somaxconn).
    CHECK(info.tcpi_sacked >= 128);
    server.stop();
}

TEST_CASE("more keep-alive connections than request threads are all answered") {
    // A keep-alive connection holds a request thread while idle; with a fixed pool, the next
    // connection waited (silently) until one of them closed.
    pxsim::ServerOptions options;
    options.controllers = false;
    options.threads = 2;
    pxsim::Server server(options);
    const int port = server.start();
    std::vector<std::unique_ptr<Connection>> connections;
    for (int i = 0; i < 6; ++i) {
        // 10 s: far longer than any answer takes, far shorter than the keep-alive timeout (30 s).
        connections.push_back(std::make_unique<Connection>(port, 10));
        CHECK(connections.back()->get("/api/v1/namespaces") == "HTTP/1.1 200 OK");
    }
    // And each is still served on its own connection afterwards.
    for (auto& connection : connections) {
        CHECK(connection->get("/v1/identities/version") == "HTTP/1.1 200 OK");
    }
    connections.clear(); // closed first: stop() waits for the threads serving them
    server.stop();
}
