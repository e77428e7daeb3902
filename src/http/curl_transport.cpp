#include "pxclone/http/curl_transport.hpp"

#include "pxclone/error.hpp"
#include "pxclone/http/library.hpp"
#include "pxclone/http/redact.hpp"
#include "pxclone/util/text.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "libcurl_api.hpp"

namespace pxclone::http {

std::string libcurl_version() {
    // Loads libcurl (see libcurl_api.hpp); `pxclone version -o json` is the only caller.
    try {
        const auto* info = libcurl::api().version_info(CURLVERSION_NOW);
        return info != nullptr && info->version != nullptr ? info->version : "unknown";
    } catch (const Error& error) {
        return fmt::format("unavailable ({})", error.what());
    }
}

namespace {

TransportError::Kind kind_of(CURLcode code) {
    switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        return TransportError::Kind::connect;
    case CURLE_OPERATION_TIMEDOUT:
        return TransportError::Kind::timeout;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
        return TransportError::Kind::tls;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return TransportError::Kind::reset;
    default:
        return TransportError::Kind::other;
    }
}

std::string protocol_name(long version) {
    switch (version) {
    case CURL_HTTP_VERSION_1_0:
        return "HTTP/1.0";
    case CURL_HTTP_VERSION_1_1:
        return "HTTP/1.1";
    case CURL_HTTP_VERSION_2_0:
        return "HTTP/2";
    case CURL_HTTP_VERSION_3:
        return "HTTP/3";
    default:
        return {};
    }
}

// Who we are to the server; replaced as a whole so a request never sees half an update.
struct Identity {
    std::string cert_file;
    std::string cert_pem;
    std::string key_file;
    std::string key_pem;
};

// One transfer's state, reached from libcurl's callbacks.
struct Transfer {
    CURL* handle = nullptr;
    Response response;
    const ChunkHandler* on_chunk = nullptr;
    std::size_t max_body_bytes = 0;
    bool aborted = false;
    bool too_large = false;
    std::exception_ptr failure;
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
    auto& transfer = *static_cast<Transfer*>(user);
    std::string_view line(data, size * count);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
        line.remove_suffix(1);
    }
    if (line.rfind("HTTP/", 0) == 0) {
        // A new status line (after 100 Continue, a proxy CONNECT or a redirect): start over.
        transfer.response.headers.clear();
        return size * count;
    }
    if (const auto colon = line.find(':'); colon != std::string_view::npos) {
        auto value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
            value.remove_prefix(1);
        }
        transfer.response.headers.emplace_back(std::string(line.substr(0, colon)),
                                               std::string(value));
    }
    return size * count;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
    auto& transfer = *static_cast<Transfer*>(user);
    const std::string_view chunk(data, size * count);
    if (transfer.on_chunk != nullptr) {
        long status = 0;
        libcurl::api().easy_getinfo(transfer.handle, CURLINFO_RESPONSE_CODE, &status);
        if (status >= 200 && status < 300) {
            try {
                if (!(*transfer.on_chunk)(chunk)) {
                    transfer.aborted = true;
                    return 0;
                }
            } catch (...) {
                // Never let an exception cross libcurl's C frames; rethrown after perform.
                transfer.failure = std::current_exception();
                return 0;
            }
            return chunk.size();
        }
    }
    if (chunk.size() > transfer.max_body_bytes - transfer.response.body.size()) {
        // Returning less than was given makes libcurl end the transfer (CURLE_WRITE_ERROR).
        transfer.too_large = true;
        return 0;
    }
    transfer.response.body.append(chunk);
    return chunk.size();
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    const auto* cancelled = static_cast<const std::atomic<bool>*>(user);
    return cancelled->load() ? 1 : 0;
}

void set_blob(CURL* handle, CURLoption option, const std::string& data) {
    const auto& curl = libcurl::api();
    curl_blob blob{};
    blob.data = const_cast<char*>(data.data());
    blob.len = data.size();
    blob.flags = CURL_BLOB_COPY;
    curl.easy_setopt(handle, option, &blob);
}

struct UrlParts {
    std::string host;
    std::string port;
};

std::optional<UrlParts> split_url(const std::string& url) {
    const auto& curl = libcurl::api();
    CURLU* parsed = curl.url();
    if (parsed == nullptr) {
        return std::nullopt;
    }
    std::optional<UrlParts> result;
    char* host = nullptr;
    char* port = nullptr;
    if (curl.url_set(parsed, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
        curl.url_get(parsed, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl.url_get(parsed, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
        result = UrlParts{host, port};
    }
    curl.free(host);
    curl.free(port);
    curl.url_cleanup(parsed);
    return result;
}

std::string with_host(const std::string& url, const std::string& host) {
    const auto& curl = libcurl::api();
    CURLU* parsed = curl.url();
    std::string result = url;
    char* text = nullptr;
    if (curl.url_set(parsed, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
        curl.url_set(parsed, CURLUPART_HOST, host.c_str(), 0) == CURLUE_OK &&
        curl.url_get(parsed, CURLUPART_URL, &text, 0) == CURLUE_OK) {
        result = text;
    }
    curl.free(text);
    curl.url_cleanup(parsed);
    return result;
}

} // namespace

struct CurlTransport::Impl {
    // Loaded by the first transport made (see libcurl_api.hpp); throws when it cannot be.
    const libcurl::Api& curl = libcurl::api();
    CurlOptions options;
    CURLSH* share = nullptr;
    std::array<std::mutex, CURL_LOCK_DATA_LAST> share_locks;

    std::mutex pool_mutex;
    // Idle handles by use: [0] sends (the loop's multi), [1] streams (easy_perform and the share
    // handle). A handle never changes sides: one that moved between the two left the loop's
    // connections unfreed (LeakSanitizer, libcurl 7.88).
    std::array<std::vector<CURL*>, 2> idle;

    std::mutex identity_mutex;
    std::shared_ptr<const Identity> identity;

    static void lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
        static_cast<Impl*>(user)->share_locks.at(static_cast<std::size_t>(data)).lock();
    }
    static void unlock(CURL*, curl_lock_data data, void* user) {
        static_cast<Impl*>(user)->share_locks.at(static_cast<std::size_t>(data)).unlock();
    }

    CURL* acquire(bool stream) {
        auto& pool = idle.at(stream ? 1 : 0);
        {
            const std::scoped_lock guard(pool_mutex);
            if (!pool.empty()) {
                CURL* handle = pool.back();
                pool.pop_back();
                return handle;
            }
        }
        CURL* handle = curl.easy_init();
        if (handle == nullptr) {
            throw TransportError(TransportError::Kind::other, "libcurl: cannot create a handle");
        }
        return handle;
    }

    void release(CURL* handle, bool stream) {
        auto& pool = idle.at(stream ? 1 : 0);
        // reset drops this transfer's options; the handle's connections live on (a stream
        // handle's in its own cache, a send handle's in the loop's).
        curl.easy_reset(handle);
        const std::scoped_lock guard(pool_mutex);
        if (pool.size() < options.max_idle_handles) {
            pool.push_back(handle);
            return;
        }
        curl.easy_cleanup(handle);
    }

    std::shared_ptr<const util::Clock> clock;

    // One event loop (libcurl's multi interface, on its own thread) drives every send(), over at
    // most CurlOptions::max_connections connections: over HTTP/2 the requests in flight share
    // them, multiplexed; over HTTP/1.1 a request waits in the loop for a free one.
    // Streams (watches) keep easy_perform on their caller's thread, outside that bound: a watch
    // holds its HTTP/1.1 connection for minutes, so counting it would let a few waits hold
    // every other request up (at --parallel 1 all of them, until the wait ends), and its chunk
    // handler (JSON parsing, waking waiters) would run on the loop and hold every
    // other transfer up. No connection is used from two threads: the loop's are its own, and
    // a stream handle keeps its connection to itself (see the share handle in the constructor).
    struct Submitted {
        CURL* handle = nullptr;
        std::promise<CURLcode> done;
        // The request's own limit, counted from when it has a connection (libcurl's
        // CURLOPT_TIMEOUT_MS would count the wait for a free one too); 0: none.
        std::chrono::milliseconds own_limit{0};
        // What the command's deadline leaves, counted from the submission.
        std::optional<std::chrono::steady_clock::time_point> cutoff;
        std::optional<std::chrono::steady_clock::time_point> started;
    };

    // CURLOPT_PREREQFUNCTION, on the loop's thread: the request has its connection.
    static int on_connected(void* user, char*, char*, int, int) {
        static_cast<Submitted*>(user)->started = std::chrono::steady_clock::now();
        return CURL_PREREQFUNC_OK;
    }
    CURLM* multi = nullptr;
    std::thread loop;
    std::mutex loop_mutex;
    std::vector<Submitted*> incoming;
    bool stopping = false;

    // Runs the transfer `handle` is set up for on the loop; returns its result once it ended:
    // CURLE_OPERATION_TIMEDOUT when `limit` ran out, CURLE_ABORTED_BY_CALLBACK when cancelled.
    CURLcode run_on_loop(CURL* handle, const util::Bound& limit) {
        Submitted submitted;
        submitted.handle = handle;
        if (limit.by_deadline) {
            submitted.cutoff = std::chrono::steady_clock::now() + limit.limit;
        } else {
            submitted.own_limit = limit.limit;
        }
        curl.easy_setopt(handle, CURLOPT_PREREQFUNCTION, &Impl::on_connected);
        curl.easy_setopt(handle, CURLOPT_PREREQDATA, &submitted);
        auto done = submitted.done.get_future();
        {
            const std::scoped_lock guard(loop_mutex);
            incoming.push_back(&submitted);
        }
        curl.multi_wakeup(multi);
        return done.get();
    }

    void run_loop() {
        std::map<CURL*, Submitted*> active;
        for (;;) {
            {
                const std::scoped_lock guard(loop_mutex);
                for (auto* submitted : incoming) {
                    const CURLMcode added = curl.multi_add_handle(multi, submitted->handle);
                    if (added != CURLM_OK) {
                        submitted->done.set_value(CURLE_OUT_OF_MEMORY);
                        continue;
                    }
                    active.emplace(submitted->handle, submitted);
                }
                incoming.clear();
                if (stopping && active.empty()) {
                    return;
                }
            }
            keep_idle(active.size());
            int running = 0;
            curl.multi_perform(multi, &running);
            int left = 0;
            while (CURLMsg* message = curl.multi_info_read(multi, &left)) {
                if (message->msg != CURLMSG_DONE) {
                    continue;
                }
                CURL* handle = message->easy_handle;
                const CURLcode result = message->data.result;
                narrow_when_multiplexed(handle);
                curl.multi_remove_handle(multi, handle);
                // Removed first: no callback of this transfer runs after its caller resumes.
                if (const auto found = active.find(handle); found != active.end()) {
                    found->second->done.set_value(result);
                    active.erase(found);
                }
            }
            const auto wait = end_due(active);
            // Woken by multi_wakeup when a transfer is submitted or the transport ends.
            curl.multi_poll(multi, nullptr, 0, static_cast<int>(wait.count()), nullptr);
        }
    }

    // Once the server has answered over HTTP/2, at most max_kept_connections connections: the
    // requests in flight share them, multiplexed (before that, a burst that started while the
    // first connection was being set up may have opened a few more; CURLOPT_PIPEWAIT keeps
    // that rare). Over HTTP/1.1 the bound stays max_connections, a connection per request.
    void narrow_when_multiplexed(CURL* handle) {
        long version = 0;
        if (narrowed || curl.easy_getinfo(handle, CURLINFO_HTTP_VERSION, &version) != CURLE_OK ||
            version != CURL_HTTP_VERSION_2_0) {
            return;
        }
        const auto kept = static_cast<long>(std::max<std::size_t>(options.max_kept_connections, 1));
        curl.multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, kept);
        curl.multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, kept);
        narrowed = true;
    }
    bool narrowed = false; // the loop's own

    // libcurl's CURLMOPT_MAXCONNECTS bounds every connection it holds, those carrying a request
    // too: with more requests in flight than that, each connection was closed as its request
    // ended (an N=200 teardown opened 783 TLS connections for 817 requests; most of its CPU, and
    // of the server's, was their handshakes). So it is max_kept_connections over the most
    // requests in flight of the last CurlOptions::idle_linger: a command's requests come in
    // bursts (discovery's reads, then a set's creates; one stage of a teardown, then the next),
    // and the next burst reuses the last one's connections instead of opening as many again. Set as
    // the transfers in flight change, on the loop's thread.
    void keep_idle(std::size_t in_flight) {
        const auto now = std::chrono::steady_clock::now();
        if (in_flight >= recent_peak || now >= peak_until) {
            recent_peak = in_flight;
            peak_until = now + options.idle_linger;
        }
        const auto kept = std::max<std::size_t>(options.max_kept_connections, 1) + recent_peak;
        if (kept != kept_connections) {
            curl.multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(kept));
            kept_connections = kept;
        }
    }
    std::size_t recent_peak = 0;                      // the loop's own
    std::chrono::steady_clock::time_point peak_until; // the loop's own
    std::size_t kept_connections = 0;                 // the loop's own

    // Ends the transfers whose time is up, or all when cancelled (a transfer still waiting for a
    // connection runs no callback that could see the flag); returns how long the loop may sleep.
    std::chrono::milliseconds end_due(std::map<CURL*, Submitted*>& active) {
        using namespace std::chrono;
        const auto now = steady_clock::now();
        const bool cancel = options.cancelled && options.cancelled->load();
        milliseconds wait{1000};
        for (auto it = active.begin(); it != active.end();) {
            Submitted& submitted = *it->second;
            auto ends = submitted.cutoff;
            if (submitted.started && submitted.own_limit.count() > 0) {
                const auto own = *submitted.started + submitted.own_limit;
                ends = ends ? std::min(*ends, own) : own;
            }
            if (cancel || (ends && now >= *ends)) {
                curl.multi_remove_handle(multi, it->first);
                submitted.done.set_value(cancel ? CURLE_ABORTED_BY_CALLBACK
                                                : CURLE_OPERATION_TIMEDOUT);
                it = active.erase(it);
                continue;
            }
            if (ends) {
                wait = std::min(wait, ceil<milliseconds>(*ends - now));
            }
            ++it;
        }
        return wait;
    }

    Response perform(const Request& request, const ChunkHandler* on_chunk);

    // `what` happened to `request` because of the deadline: exit 4, naming the request.
    TimeoutError deadline_error(const Request& request, std::string_view what) const {
        return TimeoutError(fmt::format("{} {}: {} before the deadline ({})",
                                        method_name(request.method), redact_url(request.url), what,
                                        options.deadline.origin()),
                            "the server did not answer in time: check it, or allow more time");
    }
};

Response CurlTransport::Impl::perform(const Request& request, const ChunkHandler* on_chunk) {
    const auto& cancelled =
        options.cancelled || on_chunk == nullptr ? options.cancelled : options.streams_cancelled;
    if (cancelled && cancelled->load()) {
        throw InterruptedError();
    }
    // Its own limit (CURLOPT_TIMEOUT_MS), or what the command's deadline leaves, if less.
    const auto own =
        request.timeout.count() > 0
            ? request.timeout
            : (on_chunk != nullptr ? std::chrono::milliseconds(0) : options.request_timeout);
    const auto limit = util::bound(own, options.deadline, clock->now());
    if (limit.expired()) {
        throw deadline_error(request, "not sent");
    }
    CURL* handle = acquire(on_chunk != nullptr);
    struct Release {
        Impl* impl;
        CURL* handle;
        bool stream;
        curl_slist* headers = nullptr;
        ~Release() {
            impl->curl.slist_free_all(headers);
            impl->release(handle, stream);
        }
    } release{this, handle, on_chunk != nullptr};

    Transfer transfer;
    transfer.handle = handle;
    transfer.on_chunk = on_chunk;
    transfer.max_body_bytes = options.max_body_bytes;
    std::array<char, CURL_ERROR_SIZE> error_text{};

    std::string url = request.url;
    std::string connect_to;
    curl_slist* connect_list = nullptr;
    if (!options.tls.server_name.empty()) {
        // Verify (and send SNI for) server_name while connecting to the URL's real address.
        if (const auto parts = split_url(request.url)) {
            url = with_host(request.url, options.tls.server_name);
            connect_to = fmt::format("{}:{}:{}:{}", options.tls.server_name, parts->port,
                                     parts->host, parts->port);
            connect_list = curl.slist_append(nullptr, connect_to.c_str());
        }
    }
    struct FreeList {
        const libcurl::Api& curl;
        curl_slist* list;
        ~FreeList() { curl.slist_free_all(list); }
    } free_connect{curl, connect_list};

    curl.easy_setopt(handle, CURLOPT_URL, url.c_str());
    // Every transfer shares DNS and TLS sessions through the share handle (not connections: a
    // send's are the loop's, a stream's its own). A handle's session cache is otherwise its own,
    // so each new handle of a burst made a full handshake (the server's certificate signature
    // and all) instead of resuming: N=200 snapshot creates went out over 390-480 ms, 250-350 ms
    // sharing them.
    curl.easy_setopt(handle, CURLOPT_SHARE, share);
    if (on_chunk == nullptr) {
        // A send waits for a connection being set up to the same server rather than opening
        // another, so that HTTP/2 multiplexes onto it (HTTP/1.1 then opens the next one as
        // before). Never a stream: its easy_perform runs its own multi, which is not told when
        // another thread's connection turns out not to multiplex, so it waited for that
        // connection to be free - a whole watch (found as a deploy-staging stalled for minutes).
        curl.easy_setopt(handle, CURLOPT_PIPEWAIT, 1L);
    }
    curl.easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl.easy_setopt(handle, CURLOPT_ERRORBUFFER, error_text.data());
    curl.easy_setopt(handle, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    // libcurl's default receive buffer (16 KiB), not the 4 KiB this had to save memory: with
    // HTTP/2, libcurl 7.88 corrupts its heap when a reply's DATA frames (16 KiB) do not fit the
    // buffer (an N=200 teardown through nghttpx crashed in nghttp2_session_send or OpenSSL, 4
    // runs in 4; after: none).
    curl.easy_setopt(handle, CURLOPT_TCP_KEEPALIVE, 1L);
    curl.easy_setopt(handle, CURLOPT_TCP_KEEPIDLE, 30L);
    curl.easy_setopt(handle, CURLOPT_TCP_KEEPINTVL, 15L);
    curl.easy_setopt(handle, CURLOPT_ACCEPT_ENCODING, "");
    curl.easy_setopt(handle, CURLOPT_USERAGENT, options.user_agent.c_str());
    curl.easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options.connect_timeout.count()));
    if (on_chunk != nullptr) {
        // A send's limit is kept by the loop (see Submitted).
        curl.easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(limit.limit.count()));
    }
    curl.easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT,
                     on_chunk != nullptr ? options.low_speed_bytes : options.reply_stall_bytes);
    curl.easy_setopt(handle, CURLOPT_LOW_SPEED_TIME,
                     static_cast<long>(on_chunk != nullptr ? options.low_speed_window.count()
                                                           : options.reply_stall_window.count()));
    if (on_chunk == nullptr) {
        // Refuses at once a reply whose Content-Length is over the limit; on_body counts the
        // rest (chunked or close-delimited replies). A stream's 2xx body is not kept.
        curl.easy_setopt(handle, CURLOPT_MAXFILESIZE_LARGE,
                         static_cast<curl_off_t>(options.max_body_bytes));
    }
    if (connect_list != nullptr) {
        curl.easy_setopt(handle, CURLOPT_CONNECT_TO, connect_list);
    }

    // TLS
    const auto& tls = options.tls;
    if (!tls.ca_pem.empty()) {
        set_blob(handle, CURLOPT_CAINFO_BLOB, tls.ca_pem);
    } else if (!tls.ca_file.empty()) {
        curl.easy_setopt(handle, CURLOPT_CAINFO, tls.ca_file.c_str());
    }
    if (tls.insecure_skip_verify) {
        curl.easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 0L);
        curl.easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    std::shared_ptr<const Identity> who;
    {
        const std::scoped_lock guard(identity_mutex);
        who = identity;
    }
    if (who) {
        if (!who->cert_pem.empty()) {
            set_blob(handle, CURLOPT_SSLCERT_BLOB, who->cert_pem);
            curl.easy_setopt(handle, CURLOPT_SSLCERTTYPE, "PEM");
        } else if (!who->cert_file.empty()) {
            curl.easy_setopt(handle, CURLOPT_SSLCERT, who->cert_file.c_str());
        }
        if (!who->key_pem.empty()) {
            set_blob(handle, CURLOPT_SSLKEY_BLOB, who->key_pem);
            curl.easy_setopt(handle, CURLOPT_SSLKEYTYPE, "PEM");
        } else if (!who->key_file.empty()) {
            curl.easy_setopt(handle, CURLOPT_SSLKEY, who->key_file.c_str());
        }
    }
    if (!options.proxy_url.empty()) {
        curl.easy_setopt(handle, CURLOPT_PROXY, options.proxy_url.c_str());
    }

    // Method and body
    switch (request.method) {
    case Method::get:
        curl.easy_setopt(handle, CURLOPT_HTTPGET, 1L);
        break;
    case Method::post:
        curl.easy_setopt(handle, CURLOPT_POST, 1L);
        break;
    case Method::put:
    case Method::patch:
    case Method::del:
        curl.easy_setopt(handle, CURLOPT_CUSTOMREQUEST, method_name(request.method).data());
        break;
    }
    if (request.method != Method::get &&
        (!request.body.empty() || request.method == Method::post)) {
        curl.easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.data());
        curl.easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(request.body.size()));
    }
    for (const auto& [name, value] : request.headers) {
        release.headers = curl.slist_append(release.headers, (name + ": " + value).c_str());
    }
    // No "Expect: 100-continue" round trip before bodies.
    release.headers = curl.slist_append(release.headers, "Expect:");
    curl.easy_setopt(handle, CURLOPT_HTTPHEADER, release.headers);

    curl.easy_setopt(handle, CURLOPT_HEADERFUNCTION, on_header);
    curl.easy_setopt(handle, CURLOPT_HEADERDATA, &transfer);
    curl.easy_setopt(handle, CURLOPT_WRITEFUNCTION, on_body);
    curl.easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);

    if (cancelled) {
        curl.easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
        curl.easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl.easy_setopt(handle, CURLOPT_XFERINFODATA,
                         const_cast<std::atomic<bool>*>(cancelled.get()));
    }

    const CURLcode code =
        on_chunk != nullptr ? curl.easy_perform(handle) : run_on_loop(handle, limit);
    if (transfer.failure) {
        std::rethrow_exception(transfer.failure);
    }
    if (code == CURLE_ABORTED_BY_CALLBACK) {
        throw InterruptedError();
    }
    if (transfer.too_large || code == CURLE_FILESIZE_EXCEEDED) {
        throw Error(ExitCode::failed,
                    fmt::format("{} {}: the reply is larger than {}, the most pxclone reads of "
                                "one reply",
                                method_name(request.method), redact_url(request.url),
                                util::describe_bytes(options.max_body_bytes)),
                    "something between pxclone and the server (a proxy or load balancer), or the "
                    "server itself, sent far more than an API answer");
    }
    if (code == CURLE_OPERATION_TIMEDOUT &&
        (limit.by_deadline || options.deadline.passed(clock->now()))) {
        throw deadline_error(request, "no complete answer");
    }
    if (code != CURLE_OK && !(code == CURLE_WRITE_ERROR && transfer.aborted)) {
        std::string detail = error_text[0] != '\0' ? error_text.data() : curl.easy_strerror(code);
        if (code == CURLE_OPERATION_TIMEDOUT && error_text[0] == '\0') {
            // Ended by the loop (see Submitted), which libcurl does not word.
            detail = fmt::format("no complete answer within {} ms of the request being sent",
                                 limit.limit.count());
        }
        throw TransportError(kind_of(code), fmt::format("{} {}: {}", method_name(request.method),
                                                        redact_url(request.url), detail));
    }
    long status = 0;
    curl.easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
    transfer.response.status = static_cast<int>(status);
    long version = 0;
    curl.easy_getinfo(handle, CURLINFO_HTTP_VERSION, &version);
    transfer.response.protocol = protocol_name(version);
    return std::move(transfer.response);
}

CurlTransport::CurlTransport(CurlOptions options) : m_impl(std::make_unique<Impl>()) {
    const auto& curl = m_impl->curl;
    m_impl->options = std::move(options);
    m_impl->clock =
        m_impl->options.clock ? m_impl->options.clock : std::make_shared<const util::SystemClock>();
    const auto& tls = m_impl->options.tls;
    m_impl->identity = std::make_shared<const Identity>(
        Identity{tls.cert_file, tls.cert_pem, tls.key_file, tls.key_pem});
    m_impl->share = curl.share_init();
    if (m_impl->share == nullptr) {
        throw TransportError(TransportError::Kind::other, "libcurl: cannot create a share handle");
    }
    curl.share_setopt(m_impl->share, CURLSHOPT_LOCKFUNC, &Impl::lock);
    curl.share_setopt(m_impl->share, CURLSHOPT_UNLOCKFUNC, &Impl::unlock);
    curl.share_setopt(m_impl->share, CURLSHOPT_USERDATA, m_impl.get());
    curl.share_setopt(m_impl->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl.share_setopt(m_impl->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    // Not CURL_LOCK_DATA_CONNECT: libcurl documents sharing connections between concurrent
    // threads as unsafe (over HTTP/2 a stream could multiplex onto a connection another
    // thread's stream is driving). A stream handle keeps its own connection for the next stream
    // it runs.
    m_impl->multi = curl.multi_init();
    if (m_impl->multi == nullptr) {
        curl.share_cleanup(m_impl->share);
        throw TransportError(TransportError::Kind::other, "libcurl: cannot create a multi handle");
    }
    // At most max_connections connections open to one server and in all; a request that finds
    // none free waits in the loop (HTTP/1.1) or shares one (HTTP/2 multiplexing,
    // CURLOPT_PIPEWAIT). The cache keeps max_kept_connections idle ones for reuse (keep_idle).
    const auto connections =
        static_cast<long>(std::max<std::size_t>(m_impl->options.max_connections, 1));
    curl.multi_setopt(m_impl->multi, CURLMOPT_MAX_HOST_CONNECTIONS, connections);
    curl.multi_setopt(m_impl->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, connections);
    m_impl->keep_idle(0);
    curl.multi_setopt(m_impl->multi, CURLMOPT_PIPELINING, static_cast<long>(CURLPIPE_MULTIPLEX));
    m_impl->loop = std::thread([impl = m_impl.get()] { impl->run_loop(); });
    if (tls.insecure_skip_verify && m_impl->options.warn) {
        m_impl->options.warn("warning: TLS certificate verification is disabled "
                             "(insecure-skip-tls-verify); the connection is not authenticated");
    }
}

CurlTransport::~CurlTransport() {
    const auto& curl = m_impl->curl;
    {
        const std::scoped_lock guard(m_impl->loop_mutex);
        m_impl->stopping = true;
    }
    curl.multi_wakeup(m_impl->multi);
    m_impl->loop.join();
    for (const auto& pool : m_impl->idle) {
        for (CURL* handle : pool) {
            curl.easy_cleanup(handle);
        }
    }
    // Idle handles first: cleaning the multi closes the connections they may still point to.
    curl.multi_cleanup(m_impl->multi);
    curl.share_cleanup(m_impl->share);
}

Response CurlTransport::send(const Request& request) {
    return m_impl->perform(request, nullptr);
}

Response CurlTransport::stream(const Request& request, const ChunkHandler& on_chunk) {
    return m_impl->perform(request, &on_chunk);
}

void CurlTransport::set_client_certificate(std::string cert_pem, std::string key_pem) {
    auto next =
        std::make_shared<const Identity>(Identity{{}, std::move(cert_pem), {}, std::move(key_pem)});
    const std::scoped_lock guard(m_impl->identity_mutex);
    m_impl->identity = std::move(next);
}

} // namespace pxclone::http
