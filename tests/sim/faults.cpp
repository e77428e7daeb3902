#include "faults.hpp"

#include <regex>
#include <stdexcept>

namespace pxsim {

namespace {

std::uint64_t mix(std::uint64_t seed, const std::string& text, std::uint64_t n) {
    // FNV-1a over the text, then splitmix64 with the seed and counter.
    std::uint64_t hash = 14695981039346656037ULL;
    for (unsigned char c : text) {
        hash ^= c;
        hash *= 1099511628211ULL;
    }
    std::uint64_t z = hash ^ (seed * 0x9e3779b97f4a7c15ULL) ^ (n * 0xbf58476d1ce4e5b9ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

double unit(std::uint64_t value) {
    return static_cast<double>(value >> 11) * 0x1.0p-53;
}

FaultKind kind_named(const std::string& name) {
    if (name == "429") {
        return FaultKind::TooManyRequests;
    }
    if (name == "503") {
        return FaultKind::Unavailable;
    }
    if (name == "reset") {
        return FaultKind::Reset;
    }
    if (name == "reset-after") {
        return FaultKind::ResetAfter;
    }
    if (name == "slow") {
        return FaultKind::Slow;
    }
    if (name == "watch-close") {
        return FaultKind::WatchClose;
    }
    if (name == "410") {
        return FaultKind::Gone;
    }
    if (name == "backup-fail") {
        return FaultKind::BackupFail;
    }
    if (name == "backup-slow") {
        return FaultKind::BackupSlow;
    }
    if (name == "backup-stuck") {
        return FaultKind::BackupStuck;
    }
    if (name == "status-500") {
        return FaultKind::CloudStatus500;
    }
    throw std::invalid_argument("unknown fault kind '" + name +
                                "' (kinds: 429, 503, reset, reset-after, slow, watch-close, 410, "
                                "job-fail, backup-fail, backup-slow, backup-stuck, status-500)");
}

bool is_backup_kind(FaultKind kind) {
    return kind == FaultKind::BackupFail || kind == FaultKind::BackupSlow ||
           kind == FaultKind::BackupStuck;
}

// A kind that only some requests can have: none for the others (as watch-close for a request
// that is no watch).
FaultDecision applicable(FaultDecision decision, const std::string& route, bool watch) {
    const bool watch_only =
        decision.kind == FaultKind::WatchClose || decision.kind == FaultKind::Gone;
    const bool starts_operation =
        route == "POST /v1/cloudbackups" || route == "POST /v1/cloudbackups/restore";
    if ((watch_only && !watch) || (is_backup_kind(decision.kind) && !starts_operation)) {
        return {};
    }
    if (decision.kind == FaultKind::CloudStatus500) {
        if (route != "POST /v1/cloudbackups/status") {
            return {};
        }
        decision.kind = FaultKind::Status;
        decision.status = 500;
    }
    return decision;
}

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    std::string current;
    for (char c : text) {
        if (c == separator) {
            parts.push_back(current);
            current.clear();
        } else {
            current += c;
        }
    }
    parts.push_back(current);
    return parts;
}

} // namespace

const char* op_fault_name(FaultKind kind) {
    switch (kind) {
    case FaultKind::BackupFail:
        return "backup-fail";
    case FaultKind::BackupSlow:
        return "backup-slow";
    case FaultKind::BackupStuck:
        return "backup-stuck";
    default:
        return "";
    }
}

std::chrono::milliseconds parse_duration(const std::string& text) {
    static const std::regex k_duration(R"(^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)?$)");
    std::smatch match;
    if (!std::regex_match(text, match, k_duration)) {
        throw std::invalid_argument("bad duration '" + text + "' (e.g. 500ms, 2s, 1m)");
    }
    const double number = std::stod(match[1].str());
    const std::string unit_name = match[2].str();
    const double factor = unit_name == "s"   ? 1000.0
                          : unit_name == "m" ? 60000.0
                          : unit_name == "h" ? 3600000.0
                                             : 1.0;
    return std::chrono::milliseconds(static_cast<std::int64_t>(number * factor));
}

Latency Latency::parse(const std::string& spec) {
    Latency latency;
    if (spec.empty()) {
        return latency;
    }
    for (const std::string& item : split(spec, ',')) {
        const auto eq = item.find('=');
        if (eq == std::string::npos || eq == 0) {
            throw std::invalid_argument("bad latency item '" + item + "' (expected NAME=DURATION)");
        }
        latency.m_times[item.substr(0, eq)] = parse_duration(item.substr(eq + 1));
    }
    return latency;
}

std::chrono::milliseconds Latency::of(const std::string& operation) const {
    const auto found = m_times.find(operation);
    return found == m_times.end() ? std::chrono::milliseconds(0) : found->second;
}

FaultPlan FaultPlan::parse(const std::vector<std::string>& specs, std::uint64_t seed) {
    FaultPlan plan;
    plan.m_seed = seed;
    static const std::regex k_targeted(R"(^([A-Z]+) (/\S*)#([0-9]+)=(\S+)$)");
    for (const std::string& spec : specs) {
        if (spec.empty()) {
            continue;
        }
        for (const std::string& item : split(spec, ',')) {
            std::smatch match;
            if (std::regex_match(item, match, k_targeted)) {
                FaultDecision decision;
                const std::string what = match[4].str();
                if (std::regex_match(what, std::regex("^[0-9]{3}$")) && what != "429" &&
                    what != "503" && what != "410") {
                    decision.kind = FaultKind::Status;
                    decision.status = std::stoi(what);
                } else {
                    decision.kind = kind_named(what);
                }
                // A Portworx path written as the service proxy serves it counts in its gateway
                // form, which is what decide() is asked about.
                static const std::regex k_proxied(
                    R"(^/api/v1/namespaces/[^/]+/services/[^/]+/proxy(/v1/\S*)$)");
                std::smatch proxied;
                const std::string path = match[2].str();
                const std::string route =
                    std::regex_match(path, proxied, k_proxied) ? proxied[1].str() : path;
                plan.m_targeted[match[1].str() + " " + route][std::stoull(match[3].str())] =
                    decision;
                continue;
            }
            const auto eq = item.find('=');
            if (eq == std::string::npos) {
                throw std::invalid_argument("bad fault item '" + item + "'");
            }
            const std::string key = item.substr(0, eq);
            const std::string value = item.substr(eq + 1);
            try {
                if (key == "rate") {
                    plan.m_rate = std::stod(value);
                    if (plan.m_rate < 0.0 || plan.m_rate > 1.0) {
                        throw std::invalid_argument("rate");
                    }
                } else if (key == "kinds") {
                    for (const std::string& name : split(value, '+')) {
                        if (name == "job-fail") {
                            plan.m_job_fail = true;
                        } else {
                            plan.m_kinds.push_back(kind_named(name));
                        }
                    }
                } else if (key == "retry-after") {
                    plan.m_retry_after = std::stoi(value);
                } else if (key == "slow") {
                    plan.m_slow = parse_duration(value);
                } else {
                    throw std::invalid_argument("key");
                }
            } catch (const std::invalid_argument& error) {
                if (std::string(error.what()).rfind("unknown fault kind", 0) == 0) {
                    throw;
                }
                throw std::invalid_argument("bad fault item '" + item + "'");
            }
        }
    }
    return plan;
}

FaultDecision FaultPlan::decide(const std::string& method, const std::string& path, bool watch) {
    const std::string route = method + " " + path;
    std::uint64_t n = 0;
    {
        std::lock_guard lock(m_counts->mutex);
        n = ++m_counts->seen[route];
    }
    if (const auto targets = m_targeted.find(route); targets != m_targeted.end()) {
        if (const auto hit = targets->second.find(n); hit != targets->second.end()) {
            FaultDecision decision = hit->second;
            if (decision.kind == FaultKind::WatchClose) {
                decision.close_after = mix(m_seed, route, n + 7) % 3;
            }
            return is_backup_kind(decision.kind) || decision.kind == FaultKind::CloudStatus500
                       ? applicable(decision, route, watch)
                       : decision;
        }
    }
    if (m_rate <= 0.0 || m_kinds.empty()) {
        return {};
    }
    const std::uint64_t draw = mix(m_seed, route, n);
    if (unit(draw) >= m_rate) {
        return {};
    }
    FaultDecision decision;
    decision.kind = m_kinds[mix(m_seed, route, n + 0x51ed) % m_kinds.size()];
    decision.close_after = mix(m_seed, route, n + 7) % 3;
    return applicable(decision, route, watch);
}

bool FaultPlan::job_fails(const std::string& key) const {
    return m_job_fail && unit(mix(m_seed, "job " + key, 1)) < m_rate;
}

} // namespace pxsim
