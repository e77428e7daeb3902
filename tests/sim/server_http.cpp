// pxsim's server, the HTTP side: one request from cpp-httplib through authentication,
// authorization, faults and latency to the APIs and back (a watch streamed), logged.
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <httplib.h>

#include "server.hpp"
#include "server_internal.hpp"

namespace pxsim {

using namespace srv;

namespace {

bool is_watch(const SimRequest& request) {
    const auto found = request.query.find("watch");
    return request.method == "GET" && found != request.query.end() &&
           (found->second == "1" || found->second == "true");
}

// The socket of a request's connection: httplib does not hand it to handlers, so find the fd
// whose ports match (unique while the connection lives). -1 when not found.
int find_socket(const httplib::Request& request) {
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    const int last = static_cast<int>(std::min<rlim_t>(limit.rlim_cur, 65536));
    for (int fd = 3; fd < last; ++fd) {
        sockaddr_storage local{};
        sockaddr_storage peer{};
        socklen_t local_size = sizeof local;
        socklen_t peer_size = sizeof peer;
        if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_size) != 0 ||
            getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_size) != 0 ||
            local.ss_family != AF_INET) {
            continue;
        }
        const auto port = [](const sockaddr_storage& address) {
            return ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port);
        };
        if (port(local) == request.local_port && port(peer) == request.remote_port) {
            return fd;
        }
    }
    return -1;
}

// True once the peer has closed (or reset) the connection; a watch then ends at once instead of
// holding its thread until its timeout.
bool peer_closed(int fd) {
    if (fd < 0) {
        return false;
    }
    pollfd entry{fd, POLLIN | POLLRDHUP, 0};
    if (poll(&entry, 1, 0) <= 0) {
        return false;
    }
    if ((entry.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0) {
        return true;
    }
    char byte = 0;
    return recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

// Counts one request as being handled for as long as it lives (GET /_sim/idle waits for none).
class BusyCount {
public:
    BusyCount(std::mutex& mutex, std::condition_variable& changed, int& count)
        : m_mutex(mutex), m_changed(changed), m_count(count) {
        const std::lock_guard lock(m_mutex);
        ++m_count;
    }
    ~BusyCount() {
        {
            const std::lock_guard lock(m_mutex);
            --m_count;
        }
        m_changed.notify_all();
    }
    BusyCount(const BusyCount&) = delete;
    BusyCount& operator=(const BusyCount&) = delete;

private:
    std::mutex& m_mutex;
    std::condition_variable& m_changed;
    int& m_count;
};

} // namespace

void Server::serve(const httplib::Request& http_request, httplib::Response& http_response) {
    const auto started = std::chrono::steady_clock::now();
    // No compression: a gzip stream would hold watch events back in its buffer.
    const_cast<httplib::Request&>(http_request).headers.erase("Accept-Encoding");
    SimRequest request;
    request.method = http_request.method;
    request.path = http_request.path;
    for (const auto& [key, value] : http_request.params) {
        request.query.emplace(key, value);
    }
    for (const auto& [key, value] : http_request.headers) {
        request.headers[lower(key)] = value;
    }
    request.body = http_request.body;
    const auto respond = [&](const SimReply& reply) {
        http_response.status = reply.status;
        for (const auto& [key, value] : reply.headers) {
            http_response.set_header(key, value);
        }
        http_response.set_content(reply.body, reply.content_type.c_str());
        log_request(request, reply.status, started);
    };
    // A content provider that writes nothing: httplib closes the connection without a reply.
    const auto drop_connection = [&] {
        http_response.status = 200;
        http_response.set_content_provider(
            1024, "application/json",
            [](std::size_t, std::size_t, httplib::DataSink&) { return false; });
        log_request(request, 0, started);
    };
    if (auto reply = admin(request)) {
        respond(*reply);
        return;
    }
    const BusyCount busy(m_busy_mutex, m_busy_changed, m_busy);
    SimRequest routed = request;
    bool px = to_portworx(routed);
    const bool client_cert = !m_options.client_ca.empty() && http_request.ssl != nullptr;
    if (auto denied = authenticate(routed, px, client_cert)) {
        respond(*denied);
        return;
    }
    if (auto denied = authorize(request, px)) {
        respond(*denied);
        return;
    }
    const bool watching = !px && is_watch(routed);
    const FaultDecision fault = m_faults->decide(request.method, routed.path, watching);
    const int retry_after = m_faults->retry_after_seconds();
    switch (fault.kind) {
    case FaultKind::TooManyRequests:
    case FaultKind::Unavailable: {
        const bool throttle = fault.kind == FaultKind::TooManyRequests;
        SimReply reply =
            px ? px_error(throttle ? 429 : 503, throttle ? 8 : 14,
                          throttle ? "rate limited (injected fault)"
                                   : "unavailable (injected fault)")
               : json_reply(throttle ? 429 : 503,
                            status_failure(throttle ? 429 : 503,
                                           throttle ? "TooManyRequests" : "ServiceUnavailable",
                                           throttle ? "Too many requests, please try again later."
                                                    : "the server is currently unable to handle "
                                                      "the request",
                                           {{"retryAfterSeconds", retry_after}}));
        reply.headers.emplace_back("Retry-After", std::to_string(retry_after));
        respond(reply);
        return;
    }
    case FaultKind::Status: {
        respond(px ? px_error(fault.status, 13, "injected fault")
                   : json_reply(fault.status, status_failure(fault.status, "InternalError",
                                                             "Internal error occurred: injected "
                                                             "fault")));
        return;
    }
    case FaultKind::Reset:
        drop_connection();
        return;
    case FaultKind::Slow:
        sleep_for(m_faults->slow_delay(), m_stopping);
        break;
    case FaultKind::BackupFail:
    case FaultKind::BackupSlow:
    case FaultKind::BackupStuck:
        routed.op_fault = op_fault_name(fault.kind); // the operation's course, not the reply's
        break;
    default:
        break;
    }
    sleep_for(m_latency.of("request"), m_stopping);
    std::optional<WatchSpec> watch;
    SimReply reply = route(routed, watch, px);
    if (fault.kind == FaultKind::ResetAfter && !watch) {
        // Handled (a create landed), but the reply is lost with the connection.
        drop_connection();
        return;
    }
    if (!watch) {
        respond(reply);
        return;
    }
    log_request(request, 200, started);
    http_response.status = 200;
    const bool gone = fault.kind == FaultKind::Gone;
    std::optional<std::size_t> close_after;
    if (fault.kind == FaultKind::WatchClose) {
        // Closed after a few events, or after a second when nothing happens.
        close_after = fault.close_after;
        watch->timeout =
            std::min<std::chrono::milliseconds>(watch->timeout, std::chrono::seconds(1));
    }
    const int socket = find_socket(http_request);
    http_response.set_chunked_content_provider(
        "application/json",
        [this, spec = *watch, gone, close_after, socket](std::size_t, httplib::DataSink& sink) {
            const auto write = [&sink](const std::string& line) {
                return sink.write(line.data(), line.size());
            };
            if (gone) {
                write(Json{{"type", "ERROR"},
                           {"object", status_failure(410, "Expired",
                                                     "too old resource version (injected fault)")}}
                          .dump() +
                      "\n");
            } else if (!close_after || *close_after > 0) {
                m_k8s->stream_watch(
                    spec, write,
                    [this, socket] { return m_stopping.load() || peer_closed(socket); },
                    close_after);
            }
            sink.done();
            return true;
        });
}

} // namespace pxsim
