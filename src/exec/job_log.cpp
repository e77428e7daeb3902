#include "pxclone/exec/job_log.hpp"

#include "pxclone/http/redact.hpp"
#include "pxclone/k8s/paths.hpp"
#include "pxclone/util/text.hpp"

#include <exception>

#include <fmt/format.h>

namespace pxclone::exec {

namespace {

using nlohmann::json;

// The reason in a few words: an error's first line, without the long tail.
std::string short_reason(std::string_view text) {
    return util::one_line(text, 160);
}

// The newest pod of `pods` (by creationTimestamp, RFC 3339 sorts as text; then by name).
const json* newest(const std::vector<json>& pods) {
    const json* best = nullptr;
    const auto key = [](const json& pod) {
        return std::make_pair(k8s::string_field(pod, "/metadata/creationTimestamp"),
                              k8s::string_field(pod, "/metadata/name"));
    };
    for (const auto& pod : pods) {
        if (best == nullptr || key(*best) < key(pod)) {
            best = &pod;
        }
    }
    return best;
}

} // namespace

LogTail read_job_log_tail(const k8s::Client& kube, const std::string& job_namespace,
                          const std::string& job, const std::string& container, int tail_lines) {
    LogTail tail;
    try {
        const auto found = kube.get(k8s::resource_of("Job"), job_namespace, job);
        if (!found) {
            tail.error = fmt::format("job/{} is gone", job);
            return tail;
        }
        const auto uid = k8s::string_field(*found, "/metadata/uid");
        k8s::ListOptions options;
        options.label_selector = uid.empty() ? k8s::label_selector({{"job-name", job}})
                                             : k8s::label_selector({{"controller-uid", uid}});
        const auto pods = kube.list(k8s::resource_of("Pod"), job_namespace, options);
        const auto* pod = newest(pods.items);
        if (pod == nullptr) {
            tail.error = fmt::format("job/{} has no pod", job);
            return tail;
        }
        tail.pod = k8s::string_field(*pod, "/metadata/name");
        tail.text = kube.pod_log(job_namespace, tail.pod, container, tail_lines);
    } catch (const k8s::ApiError& e) {
        tail.text.clear();
        // A denial's essential part is at its end (who may not do what, where): the server's own
        // sentence, whole, without pxclone's prefix that would push it past a cut.
        tail.error = e.http_status() == 403 && !e.server_message().empty()
                         ? util::one_line(e.server_message())
                         : short_reason(e.what());
    } catch (const std::exception& e) {
        tail.text.clear();
        tail.error = short_reason(e.what());
    }
    return tail;
}

std::string with_log_tail(std::string_view failure, const LogTail& tail,
                          const std::vector<std::string>& secrets) {
    if (!tail.error.empty()) {
        return fmt::format("{}; pod log unavailable: {}", failure,
                           http::redact_text(tail.error, secrets));
    }
    std::string joined;
    std::size_t start = 0;
    const std::string_view text = tail.text;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        auto line = text.substr(start, end - start);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) {
            line.remove_suffix(1);
        }
        if (!line.empty()) {
            joined += (joined.empty() ? "" : " | ") + std::string(line);
        }
        start = end + 1;
    }
    // Redacted before cutting, so that a cut never leaves half a secret visible.
    joined = util::one_line(http::redact_text(joined, secrets), joined.size() + 1);
    if (joined.empty()) {
        return fmt::format("{}; log of pod {}: (empty)", failure, tail.pod);
    }
    if (joined.size() > k_log_tail_bytes) {
        auto cut = joined.size() - k_log_tail_bytes;
        // Not inside a UTF-8 sequence.
        while (cut < joined.size() && (static_cast<unsigned char>(joined[cut]) & 0xC0) == 0x80) {
            ++cut;
        }
        joined = "..." + joined.substr(cut);
    }
    return fmt::format("{}; log of pod {}: {}", failure, tail.pod, joined);
}

} // namespace pxclone::exec
