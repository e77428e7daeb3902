// --latency and --faults: modelled operation times, and injected failures drawn from --seed so a
// failing run reproduces exactly (each decision hashes the seed, the request's method and path and
// how many times that method and path were seen before, so concurrency elsewhere does not shift
// it).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace pxsim {

// "2s", "500ms", "1m", "1.5s"; a bare number is milliseconds. Throws std::invalid_argument.
std::chrono::milliseconds parse_duration(const std::string& text);

// `snapshot=2s,clone=1s,pvc-bind=500ms,rollout=3s,job=2s,ns-delete=1s,request=5ms`.
class Latency {
public:
    Latency() = default;
    // Throws std::invalid_argument naming the bad item.
    static Latency parse(const std::string& spec);
    // The modelled time of an operation; zero when not given.
    std::chrono::milliseconds of(const std::string& operation) const;

private:
    std::map<std::string, std::chrono::milliseconds> m_times;
};

// Reset drops the connection before the request is handled; ResetAfter handles it (a create
// lands) and then drops the connection, so the client never sees the reply. The Backup kinds are
// the course of the cloud backup or restore a request starts (POST /v1/cloudbackups or
// /v1/cloudbackups/restore only): it ends Failed, takes `slow` longer, or stays Active for ever;
// CloudStatus500 is a 500 code 13 to POST /v1/cloudbackups/status only.
enum class FaultKind {
    None,
    TooManyRequests,
    Unavailable,
    Reset,
    ResetAfter,
    Slow,
    WatchClose,
    Gone,
    Status,
    BackupFail,
    BackupSlow,
    BackupStuck,
    CloudStatus500
};

// "backup-fail", "backup-slow", "backup-stuck" for the Backup kinds (SimRequest::op_fault), ""
// for the others.
const char* op_fault_name(FaultKind kind);

struct FaultDecision {
    FaultKind kind = FaultKind::None;
    int status = 0;              // for FaultKind::Status (targeted "=500")
    std::size_t close_after = 0; // for FaultKind::WatchClose: events sent before closing
};

// `rate=0.1,kinds=429+503+reset+reset-after+slow+watch-close+410+job-fail,retry-after=1,slow=2s`
// (also backup-fail, backup-slow, backup-stuck, status-500)
// plus targeted items `METHOD PATH#N=STATUS|KIND` (the N-th such request, counting from 1).
// Portworx paths are matched in their gateway form (/v1/...), also when the request came through
// the service proxy (an item may name either form).
class FaultPlan {
public:
    FaultPlan() = default;
    // Throws std::invalid_argument naming the bad item.
    static FaultPlan parse(const std::vector<std::string>& specs, std::uint64_t seed);

    // Counts this request and decides its fault. Thread-safe.
    FaultDecision decide(const std::string& method, const std::string& path, bool watch);
    // Whether a Job fails rather than completes (kind job-fail at the rate, by the Job's key).
    bool job_fails(const std::string& key) const;
    int retry_after_seconds() const { return m_retry_after; }
    std::chrono::milliseconds slow_delay() const { return m_slow; }

private:
    std::uint64_t m_seed = 0;
    double m_rate = 0.0;
    std::vector<FaultKind> m_kinds;
    bool m_job_fail = false;
    int m_retry_after = 1;
    std::chrono::milliseconds m_slow{2000};
    std::map<std::string, std::map<std::uint64_t, FaultDecision>> m_targeted;
    struct Counts {
        std::mutex mutex;
        std::map<std::string, std::uint64_t> seen;
    };
    std::unique_ptr<Counts> m_counts = std::make_unique<Counts>();
};

} // namespace pxsim
