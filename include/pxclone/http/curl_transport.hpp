// The libcurl implementation of Transport. Only its .cpp (and libcurl_api.{hpp,cpp}, which loads
// libcurl at run time) include <curl/curl.h>.
#pragma once

#include "pxclone/http/transport.hpp"
#include "pxclone/util/clock.hpp"
#include "pxclone/util/deadline.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace pxclone::http {

// How to trust the server and how to prove who we are. In-memory PEM wins over a file when both
// are set. Nothing set: the system's CA store, no client certificate.
struct TlsConfig {
    std::string ca_file;   // PEM bundle path
    std::string ca_pem;    // PEM bundle content (CURLOPT_CAINFO_BLOB)
    std::string cert_file; // client certificate (PEM) path
    std::string cert_pem;  // client certificate content
    std::string key_file;  // client key (PEM) path
    std::string key_pem;   // client key content
    // Skips verification of the server's certificate; a warning is emitted when the transport
    // is made. Only ever from an explicit `insecure-skip-tls-verify: true`.
    bool insecure_skip_verify = false;
    // The name to verify the server's certificate against (and send as SNI) instead of the URL's
    // host; requests still connect to the URL's host and port (CURLOPT_CONNECT_TO).
    std::string server_name;
};

// The most of one reply body kept in memory by default: far above any API answer pxclone reads
// (the API server refuses objects over about 1.5 MiB; a list of thousands is a few MiB), far
// below what would exhaust memory.
inline constexpr std::size_t k_default_max_body_bytes = 64 * 1024 * 1024;

struct CurlOptions {
    TlsConfig tls;
    // Explicit proxy ("http://proxy:3128", "socks5://..."). Empty: libcurl's usual variables
    // (http_proxy, https_proxy, HTTPS_PROXY, all_proxy, no_proxy) apply.
    std::string proxy_url;
    std::chrono::milliseconds connect_timeout{10'000};
    // Whole-request limit when Request::timeout is 0 (--request-timeout; 0: none). Streams have
    // none by default and rely on the low-speed limit instead.
    std::chrono::milliseconds request_timeout{30'000};
    // A reply (not a stream) that makes less progress than reply_stall_bytes per second for
    // reply_stall_window is cut (TransportError timeout), whatever request_timeout says: a server
    // that stalls, or trickles a byte a second, is caught long before a minute.
    long reply_stall_bytes = 16;
    std::chrono::seconds reply_stall_window{30};
    // The command's deadline (--timeout): every transfer ends by it (util::Deadline::left_for);
    // one it cuts, or one not started because it has passed, is a pxclone::TimeoutError (exit
    // 4) naming the request. `clock` tells the time it is measured on (nullptr: the system's).
    util::Deadline deadline;
    std::shared_ptr<const util::Clock> clock;
    // A stream that delivers fewer than low_speed_bytes per second for low_speed_window is cut
    // (TransportError timeout), so a dead watch connection cannot hang forever.
    long low_speed_bytes = 1;
    std::chrono::seconds low_speed_window{120};
    // Idle easy handles kept for reuse; about the number of worker threads (--parallel).
    std::size_t max_idle_handles = 8;
    // The most connections send() has open at once, to one server and in all (the requests in
    // flight, util::fan_out_width(--parallel)): over HTTP/1.1 each carries one request, and a
    // request finding none free waits (its timeout counts from when it has one). Once the server
    // has answered over HTTP/2 the bound is max_kept_connections, the requests multiplexed on
    // them. Streams are not counted (see CurlTransport).
    std::size_t max_connections = 8;
    // The most idle connections kept for reuse (--parallel): the keep-alive pool. Those beyond it
    // are closed when their request ends. Not lower than the pool is wide: HTTP/1.1 snapshot
    // creates of a whole set must run at once, since a freeze hook holds production meanwhile.
    std::size_t max_kept_connections = 8;
    // How long the connections of a burst of requests stay open after it, for the next burst:
    // max_kept_connections idle ones over the most requests in flight in that time.
    std::chrono::milliseconds idle_linger{3000};
    // A reply body larger than this (announced by Content-Length, or counted as it arrives) ends
    // the transfer with pxclone::Error (exit 1) naming the request's URL and the limit: a server
    // or proxy that sends without end cannot make pxclone buffer it all. Not retried. A 2xx body
    // handed to a stream's ChunkHandler is not kept and not counted here (its reader bounds it).
    std::size_t max_body_bytes = k_default_max_body_bytes;
    // When set and true, transfers in flight stop within about a second and new ones fail at
    // once, with pxclone::InterruptedError (SIGINT/SIGTERM handling sets it).
    std::shared_ptr<const std::atomic<bool>> cancelled;
    // The same for streams (watches) only: a wait that can last minutes stops within about a
    // second, while ordinary requests still run, so an interrupted command can still clean up
    // and report what exists. `cancelled`, when set, wins.
    std::shared_ptr<const std::atomic<bool>> streams_cancelled;
    // Receives warnings (insecure TLS); may be empty.
    std::function<void(std::string_view)> warn;
    std::string user_agent = "pxclone";
};

// Thread-safe. send() hands its transfer to one event loop (libcurl's multi interface, on a thread
// of its own) and waits for it: at most CurlOptions::max_kept_connections connections are kept and
// reused there, and HTTP/2, used when the server offers it over TLS (ALPN), multiplexes the
// requests in flight onto them. stream() runs on its caller's thread on a connection of its own
// (a watch holds one for its whole life), kept by its handle for the next stream.
// Easy handles are pooled and reused across threads. Errors map to TransportError kinds: connect
// (DNS, refused, proxy), tls (handshake, verification, bad certificate/key), timeout, reset
// (connection dropped mid-answer), other. A reply over CurlOptions::max_body_bytes is a
// pxclone::Error instead.
class CurlTransport final : public Transport {
public:
    explicit CurlTransport(CurlOptions options);
    ~CurlTransport() override;
    CurlTransport(const CurlTransport&) = delete;
    CurlTransport& operator=(const CurlTransport&) = delete;

    Response send(const Request& request) override;
    Response stream(const Request& request, const ChunkHandler& on_chunk) override;

    // Replaces the client certificate and key (PEM content) for the requests that follow; an
    // exec credential plugin that returns a certificate uses this. Empty strings remove it.
    void set_client_certificate(std::string cert_pem, std::string key_pem);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace pxclone::http
