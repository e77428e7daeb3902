#include "pxclone/http/logging.hpp"

#include "pxclone/error.hpp"
#include "pxclone/http/redact.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace pxclone::http {

namespace {

long long millis(std::chrono::steady_clock::duration took) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
}

} // namespace

void LogSink::write(std::string_view line) {
    const std::scoped_lock lock(m_mutex);
    m_out << line << '\n';
    m_out.flush();
}

std::string url_path(std::string_view url) {
    const auto scheme = url.find("://");
    if (scheme == std::string_view::npos) {
        return std::string(url);
    }
    const auto path = url.find_first_of("/?", scheme + 3);
    if (path == std::string_view::npos) {
        return "/";
    }
    return std::string(url.substr(path));
}

LoggingTransport::LoggingTransport(std::shared_ptr<Transport> inner, std::shared_ptr<LogSink> sink,
                                   int verbosity)
    : m_inner(std::move(inner)), m_sink(std::move(sink)), m_verbosity(verbosity) {}

void LoggingTransport::log_request(const Request& request) const {
    if (m_verbosity < 2) {
        return;
    }
    m_sink->write(
        fmt::format("{} {} {}", request.api, method_name(request.method), redact_url(request.url)));
    for (const auto& [name, value] : request.headers) {
        m_sink->write(fmt::format("> {}: {}", name, redact_header(name, value)));
    }
    if (m_verbosity >= 3 && !request.body.empty()) {
        m_sink->write("> " + redact_body(request.body));
    }
}

void LoggingTransport::log_result(const Request& request, const Response& response,
                                  std::chrono::steady_clock::duration took) const {
    if (m_verbosity >= 2) {
        for (const auto& [name, value] : response.headers) {
            m_sink->write(fmt::format("< {}: {}", name, redact_header(name, value)));
        }
    }
    if (m_verbosity >= 3 && !response.body.empty()) {
        m_sink->write("< " + redact_body(response.body));
    }
    auto line = fmt::format("{} {} {} {} {}ms", request.api, method_name(request.method),
                            redact_url(url_path(request.url)), response.status, millis(took));
    if (!response.protocol.empty()) {
        line += ' ' + response.protocol;
    }
    if (response.retries > 0) {
        line += fmt::format(" retries={}", response.retries);
    }
    m_sink->write(line);
}

void LoggingTransport::log_error(const Request& request, const std::exception& error,
                                 std::chrono::steady_clock::duration took) const {
    m_sink->write(fmt::format("{} {} {} error after {}ms: {}", request.api,
                              method_name(request.method), redact_url(url_path(request.url)),
                              millis(took), error.what()));
}

Response LoggingTransport::send(const Request& request) {
    if (m_verbosity <= 0) {
        return m_inner->send(request);
    }
    log_request(request);
    const auto start = std::chrono::steady_clock::now();
    try {
        auto response = m_inner->send(request);
        log_result(request, response, std::chrono::steady_clock::now() - start);
        return response;
    } catch (const std::exception& error) {
        log_error(request, error, std::chrono::steady_clock::now() - start);
        throw;
    }
}

Response LoggingTransport::stream(const Request& request, const ChunkHandler& on_chunk) {
    if (m_verbosity <= 0) {
        return m_inner->stream(request, on_chunk);
    }
    log_request(request);
    ChunkHandler handler = on_chunk;
    if (m_verbosity >= 3) {
        handler = [this, &on_chunk](std::string_view chunk) {
            m_sink->write("< " + redact_body(chunk));
            return on_chunk(chunk);
        };
    }
    const auto start = std::chrono::steady_clock::now();
    try {
        auto response = m_inner->stream(request, handler);
        log_result(request, response, std::chrono::steady_clock::now() - start);
        return response;
    } catch (const std::exception& error) {
        log_error(request, error, std::chrono::steady_clock::now() - start);
        throw;
    }
}

void RunRecord::add(RequestRecord record) {
    const std::scoped_lock lock(m_mutex);
    m_requests.push_back(std::move(record));
}

void RunRecord::set_result(nlohmann::json result) {
    const std::scoped_lock lock(m_mutex);
    m_result = std::move(result);
}

std::vector<RequestRecord> RunRecord::requests() const {
    const std::scoped_lock lock(m_mutex);
    return m_requests;
}

nlohmann::json RunRecord::to_json() const {
    const std::scoped_lock lock(m_mutex);
    auto requests = nlohmann::json::array();
    for (const auto& record : m_requests) {
        nlohmann::json item = {{"api", record.api},
                               {"method", record.method},
                               {"path", record.path},
                               {"status", record.status},
                               {"durationMs", record.duration.count()},
                               {"retries", record.retries}};
        if (!record.error.empty()) {
            item["error"] = record.error;
        }
        requests.push_back(std::move(item));
    }
    return {{"requests", std::move(requests)}, {"result", m_result}};
}

void RunRecord::write_file(const std::string& path) const {
    const auto text = to_json().dump(2) + "\n";
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        throw Error(ExitCode::failed,
                    fmt::format("cannot write the run record {}: {}", path, std::strerror(errno)));
    }
    // An existing file keeps its mode on O_TRUNC: tighten it too.
    ::fchmod(fd, 0600);
    std::size_t written = 0;
    while (written < text.size()) {
        const auto n = ::write(fd, text.data() + written, text.size() - written);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            const int saved = errno;
            ::close(fd);
            throw Error(ExitCode::failed, fmt::format("cannot write the run record {}: {}", path,
                                                      std::strerror(saved)));
        }
        written += static_cast<std::size_t>(n);
    }
    ::close(fd);
}

RecordingTransport::RecordingTransport(std::shared_ptr<Transport> inner,
                                       std::shared_ptr<RunRecord> record)
    : m_inner(std::move(inner)), m_record(std::move(record)) {}

template <typename Call>
Response RecordingTransport::recorded(const Request& request, Call&& call) {
    RequestRecord record;
    record.api = request.api;
    record.method = std::string(method_name(request.method));
    record.path = redact_url(url_path(request.url));
    const auto start = std::chrono::steady_clock::now();
    const auto took = [&] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - start);
    };
    try {
        auto response = call();
        record.status = response.status;
        record.retries = response.retries;
        record.duration = took();
        m_record->add(std::move(record));
        return response;
    } catch (const Error& error) {
        // No answer (TransportError), a reply over the size limit, or a request cut by Ctrl-C:
        // the record shows it too.
        record.error = error.what();
        record.duration = took();
        m_record->add(std::move(record));
        throw;
    }
}

Response RecordingTransport::send(const Request& request) {
    return recorded(request, [&] { return m_inner->send(request); });
}

Response RecordingTransport::stream(const Request& request, const ChunkHandler& on_chunk) {
    return recorded(request, [&] { return m_inner->stream(request, on_chunk); });
}

} // namespace pxclone::http
