#include "pxclone/k8s/watch.hpp"

#include "pxclone/error.hpp"
#include "pxclone/http/redact.hpp"
#include "pxclone/k8s/paths.hpp"
#include "pxclone/k8s/status.hpp"
#include "pxclone/util/duration.hpp"
#include "pxclone/util/json.hpp"
#include "pxclone/util/text.hpp"

#include <algorithm>
#include <exception>
#include <stdexcept>

#include <fmt/format.h>

namespace pxclone::k8s {

namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

std::string resource_version_of(const json& object) {
    const auto metadata = object.find("metadata");
    if (metadata == object.end() || !metadata->is_object()) {
        return {};
    }
    return metadata->value("resourceVersion", "");
}

// Why the stream ended, as far as the loop cares.
enum class StreamEnd { closed, broken, gone, stopped, deadline, cancelled };

milliseconds remaining(const util::Clock& clock, std::chrono::system_clock::time_point deadline) {
    return std::chrono::duration_cast<milliseconds>(deadline - clock.now());
}

} // namespace

std::optional<WatchEvent> parse_watch_event(std::string_view line) {
    const auto parsed = util::parse_json(line);
    if (parsed.is_discarded() || !parsed.is_object()) {
        return std::nullopt;
    }
    const auto type = parsed.find("type");
    const auto object = parsed.find("object");
    if (type == parsed.end() || !type->is_string() || object == parsed.end() ||
        !object->is_object()) {
        return std::nullopt;
    }
    WatchEvent event;
    const auto& name = type->get_ref<const std::string&>();
    if (name == "ADDED") {
        event.type = WatchEventType::added;
    } else if (name == "MODIFIED") {
        event.type = WatchEventType::modified;
    } else if (name == "DELETED") {
        event.type = WatchEventType::deleted;
    } else if (name == "BOOKMARK") {
        event.type = WatchEventType::bookmark;
    } else if (name == "ERROR") {
        event.type = WatchEventType::error;
    } else {
        return std::nullopt;
    }
    event.object = *object;
    return event;
}

bool LineSplitter::feed(std::string_view chunk,
                        const std::function<bool(std::string_view line)>& on_line) {
    // Between feeds the buffer is one unfinished line (no '\n'): only the new bytes are searched.
    auto from = m_buffer.size();
    m_buffer.append(chunk);
    std::size_t start = 0;
    bool keep_going = true;
    while (keep_going) {
        const auto end = m_buffer.find('\n', from);
        auto line = std::string_view(m_buffer).substr(
            start, end == std::string::npos ? std::string::npos : end - start);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (line.size() > m_max_line_bytes) {
            // Finished or not, this line is already too long: none of it is kept.
            m_overflowed = true;
            keep_going = false;
            break;
        }
        if (end == std::string::npos) {
            break;
        }
        start = end + 1;
        from = start;
        if (!line.empty()) {
            keep_going = on_line(line);
        }
    }
    if (!keep_going) {
        m_buffer.clear();
        return false;
    }
    m_buffer.erase(0, start);
    return true;
}

WatchEnd list_and_watch(const Client& client, const Resource& resource, std::string_view ns,
                        const WatchOptions& options, const WatchHandlers& handlers,
                        const util::Clock& clock, util::Sleeper& sleeper,
                        std::chrono::system_clock::time_point deadline) {
    ListOptions list_options;
    list_options.label_selector = options.label_selector;
    list_options.field_selector = options.field_selector;

    std::string resource_version;
    const auto relist = [&] {
        const auto list = client.list(resource, ns, list_options);
        resource_version = list.resource_version;
        return handlers.on_list(list);
    };
    if (!relist()) {
        return WatchEnd::stopped;
    }

    auto backoff = options.min_backoff;
    const auto pause = [&] {
        const auto left = remaining(clock, deadline);
        if (left <= milliseconds(0)) {
            return;
        }
        sleeper.sleep(std::min(left, backoff));
        backoff = std::min(backoff * 2, options.max_backoff);
    };

    const auto cancelled = [&] {
        return options.cancelled && options.cancelled();
    };
    for (;;) {
        if (cancelled()) {
            return WatchEnd::cancelled;
        }
        const auto left = remaining(clock, deadline);
        if (left <= milliseconds(0)) {
            return WatchEnd::deadline;
        }
        // Round up so a wait of 300ms still asks for one second rather than zero (= default).
        const auto stream_seconds = std::clamp<long long>(
            (left.count() + 999) / 1000, 1, static_cast<long long>(options.max_stream.count()));
        Query query;
        query.add("watch", "1")
            .add("allowWatchBookmarks", "true")
            .add_if("labelSelector", options.label_selector)
            .add_if("fieldSelector", options.field_selector)
            .add_if("resourceVersion", resource_version)
            .add("timeoutSeconds", std::to_string(stream_seconds));

        LineSplitter splitter(options.max_event_bytes);
        auto end = StreamEnd::closed;
        int events = 0;
        std::optional<ApiError> error_event;
        const auto on_line = [&](std::string_view line) {
            auto event = parse_watch_event(line);
            if (!event) {
                // A garbled line (a proxy cutting in): drop this stream, resume from the last rv.
                end = StreamEnd::broken;
                return false;
            }
            if (event->type == WatchEventType::error) {
                http::Response as_response;
                as_response.status = event->object.value("code", 0);
                as_response.body = event->object.dump();
                auto error = make_api_error(as_response, resource, ns, {}, "watch");
                if (error.is_gone()) {
                    end = StreamEnd::gone;
                } else {
                    error_event = std::move(error);
                    end = StreamEnd::stopped;
                }
                return false;
            }
            ++events;
            if (auto rv = resource_version_of(event->object); !rv.empty()) {
                resource_version = std::move(rv);
            }
            if (event->type == WatchEventType::bookmark) {
                return true;
            }
            if (!handlers.on_event(*event)) {
                end = StreamEnd::stopped;
                return false;
            }
            if (remaining(clock, deadline) <= milliseconds(0)) {
                end = StreamEnd::deadline;
                return false;
            }
            if (cancelled()) {
                end = StreamEnd::cancelled;
                return false;
            }
            return true;
        };

        // Handlers run inside the transport's read callback (libcurl's, a C function): nothing
        // may be thrown through it. Keep the exception and rethrow it once the stream is closed.
        std::exception_ptr handler_error;
        const auto on_chunk = [&](std::string_view chunk) {
            try {
                return splitter.feed(chunk, on_line);
            } catch (...) {
                handler_error = std::current_exception();
                return false;
            }
        };
        http::Response response;
        try {
            response = client.stream_get(
                collection_path(resource, ns) + query.str(),
                std::chrono::duration_cast<milliseconds>(seconds(stream_seconds) + seconds(30)),
                on_chunk);
        } catch (const TimeoutError&) {
            // The command's deadline cut the stream: this wait is over too, and says what it
            // waited for.
            end = StreamEnd::deadline;
        } catch (const http::TransportError&) {
            // The connection broke mid-watch (or never opened): resume from the last rv. When
            // the stream was ended on purpose the transport may report the abort as an error too;
            // what was decided then stands.
            if (end == StreamEnd::closed) {
                end = StreamEnd::broken;
            }
        }
        if (handler_error) {
            std::rethrow_exception(handler_error);
        }
        if (splitter.overflowed()) {
            throw Error(ExitCode::failed,
                        fmt::format("{}: watch: an event is larger than {}, the most pxclone reads "
                                    "of one watch event (GET {})",
                                    describe_object(resource, ns, {}),
                                    util::describe_bytes(options.max_event_bytes),
                                    http::redact_url(client.server() +
                                                     collection_path(resource, ns) + query.str())),
                        "something between pxclone and the API server (a proxy or load balancer), "
                        "or the server itself, sent far more than a watch event");
        }
        if (error_event) {
            throw *error_event;
        }
        if (end == StreamEnd::stopped) {
            return WatchEnd::stopped;
        }
        if (end == StreamEnd::deadline) {
            return WatchEnd::deadline;
        }
        if (end == StreamEnd::cancelled) {
            return WatchEnd::cancelled;
        }
        if (end != StreamEnd::broken && response.status != 0 &&
            (response.status < 200 || response.status >= 300)) {
            auto error = make_api_error(response, resource, ns, {}, "watch");
            if (!error.is_gone()) {
                throw error;
            }
            end = StreamEnd::gone;
        }
        if (end == StreamEnd::gone) {
            if (!relist()) {
                return WatchEnd::stopped;
            }
            backoff = options.min_backoff;
            continue;
        }
        if (end == StreamEnd::broken || events == 0) {
            // Back off before reopening: a stream that breaks or brings nothing must not spin.
            pause();
        } else {
            backoff = options.min_backoff;
        }
    }
}

std::vector<std::string> diagnose(const Client& client, const Resource& resource,
                                  std::string_view ns, std::string_view name, const json* object) {
    std::vector<std::string> lines;
    if (object != nullptr) {
        const auto status = object->find("status");
        if (status != object->end() && status->is_object()) {
            const auto conditions = status->find("conditions");
            if (conditions != status->end() && conditions->is_array()) {
                for (const auto& condition : *conditions) {
                    if (!condition.is_object()) {
                        continue;
                    }
                    auto line = fmt::format("condition {}={}", condition.value("type", "?"),
                                            condition.value("status", "?"));
                    if (const auto reason = condition.value("reason", ""); !reason.empty()) {
                        line += " (" + reason + ")";
                    }
                    if (const auto message = condition.value("message", ""); !message.empty()) {
                        line += ": " + message;
                    }
                    lines.push_back(std::move(line));
                }
            }
        }
    }
    if (!resource.namespaced || ns.empty()) {
        return lines;
    }
    // Events are cheap to ask for and often the only place the cause is written
    // (ProvisioningFailed, FailedScheduling, FailedMount).
    try {
        ListOptions options;
        options.field_selector =
            fmt::format("involvedObject.name={},involvedObject.kind={}", name, resource.kind);
        auto events = client.list(resource_of("Event"), ns, options).items;
        const auto when = [](const json& event) {
            for (const auto* key : {"lastTimestamp", "eventTime", "firstTimestamp"}) {
                if (const auto it = event.find(key); it != event.end() && it->is_string()) {
                    return it->get<std::string>();
                }
            }
            return std::string{};
        };
        std::stable_sort(events.begin(), events.end(),
                         [&](const json& a, const json& b) { return when(a) < when(b); });
        std::vector<std::string> warnings;
        for (const auto& event : events) {
            if (event.value("type", "") == "Warning") {
                warnings.push_back(fmt::format("event {}: {}", event.value("reason", "?"),
                                               event.value("message", "")));
            }
        }
        const auto first = warnings.size() > 3 ? warnings.end() - 3 : warnings.begin();
        lines.insert(lines.end(), first, warnings.end());
    } catch (const ApiError&) {
        // Best effort: the error being reported matters more than the events.
    } catch (const http::TransportError&) {
    }
    return lines;
}

std::optional<json> wait_for(const Client& client, const Resource& resource, std::string_view ns,
                             std::string_view name, const WaitPredicate& predicate,
                             const WaitOptions& options, const util::Clock& clock,
                             util::Sleeper& sleeper) {
    const auto label = object_label(resource, std::string(name));
    const auto deadline = clock.now() + options.timeout;
    std::optional<json> current;
    Readiness last;
    std::string reported;
    const auto judge = [&] {
        last = predicate(current ? &*current : nullptr);
        if (last.text != reported) {
            reported = last.text;
            if (options.on_progress) {
                options.on_progress(reported);
            }
        }
        return !last.ready && !last.failed;
    };

    WatchOptions watch = options.watch;
    watch.field_selector = "metadata.name=" + std::string(name);
    watch.label_selector.clear();
    WatchHandlers handlers;
    handlers.on_list = [&](const ObjectList& list) {
        current.reset();
        for (const auto& item : list.items) {
            if (item.contains("metadata") && item["metadata"].value("name", "") == name) {
                current = item;
            }
        }
        return judge();
    };
    handlers.on_event = [&](const WatchEvent& event) {
        if (event.type == WatchEventType::deleted) {
            current.reset();
        } else {
            current = event.object;
        }
        return judge();
    };
    const auto end =
        list_and_watch(client, resource, ns, watch, handlers, clock, sleeper, deadline);
    if (end == WatchEnd::stopped && last.ready) {
        return current;
    }
    if (end == WatchEnd::cancelled) {
        throw InterruptedError("interrupted while waiting for " + label);
    }
    auto details = diagnose(client, resource, ns, name, current ? &*current : nullptr);
    const auto describe_hint =
        fmt::format("see `kubectl{} describe {}`",
                    resource.namespaced ? " -n " + std::string(ns) : std::string{}, label);
    if (last.failed) {
        throw Error(ExitCode::failed, last.text, describe_hint, std::move(details));
    }
    throw Error(ExitCode::timed_out,
                fmt::format("timed out after {} waiting for {}: {}",
                            util::format_duration(options.timeout), label,
                            last.text.empty() ? "no answer yet" : last.text),
                describe_hint, std::move(details));
}

SetReadiness::SetReadiness(std::vector<std::string> names, const PredicateFor& predicate_for,
                           ProgressFn on_progress, ReadyFn on_ready)
    : m_on_progress(std::move(on_progress)), m_on_ready(std::move(on_ready)) {
    for (auto& name : names) {
        if (m_entries.contains(name)) {
            continue;
        }
        m_entries.emplace(name, Entry{.predicate = predicate_for(name)});
        m_order.push_back(std::move(name));
    }
    m_pending = m_order.size();
}

void SetReadiness::judge(const std::string& name, Entry& entry) {
    if (entry.ready) {
        return;
    }
    const auto verdict = entry.predicate(entry.current ? &*entry.current : nullptr);
    if (verdict.text != entry.text) {
        entry.text = verdict.text;
        if (m_on_progress) {
            m_on_progress(name, entry.text);
        }
    }
    if (verdict.ready) {
        entry.ready = true;
        --m_pending;
        if (m_on_ready) {
            m_on_ready(name);
        }
    } else if (verdict.failed && !m_failed) {
        m_failed = name;
    }
}

void SetReadiness::observe_list(const std::vector<json>& items) {
    std::map<std::string, const json*> listed;
    for (const auto& item : items) {
        const auto metadata = item.find("metadata");
        if (metadata != item.end() && metadata->is_object()) {
            listed.emplace(metadata->value("name", ""), &item);
        }
    }
    for (const auto& name : m_order) {
        auto& entry = m_entries.at(name);
        const auto found = listed.find(name);
        if (found == listed.end()) {
            entry.current.reset();
        } else {
            entry.current = *found->second;
        }
        judge(name, entry);
    }
}

void SetReadiness::observe_event(const WatchEvent& event) {
    const auto metadata = event.object.find("metadata");
    if (metadata == event.object.end() || !metadata->is_object()) {
        return;
    }
    const auto name = metadata->value("name", "");
    const auto found = m_entries.find(name);
    if (found == m_entries.end()) {
        return;
    }
    if (event.type == WatchEventType::deleted) {
        found->second.current.reset();
    } else {
        found->second.current = event.object;
    }
    judge(name, found->second);
}

std::vector<std::string> SetReadiness::pending() const {
    std::vector<std::string> names;
    for (const auto& name : m_order) {
        if (!m_entries.at(name).ready) {
            names.push_back(name);
        }
    }
    return names;
}

const std::string& SetReadiness::text(const std::string& name) const {
    return m_entries.at(name).text;
}

std::optional<json> SetReadiness::object(const std::string& name) const {
    const auto& entry = m_entries.at(name);
    return entry.ready ? entry.current : std::nullopt;
}

const json* SetReadiness::current(const std::string& name) const {
    const auto& entry = m_entries.at(name);
    return entry.current ? &*entry.current : nullptr;
}

std::map<std::string, std::optional<json>>
wait_for_all(const Client& client, const Resource& resource, std::string_view ns,
             const std::vector<std::string>& names, const SetReadiness::PredicateFor& predicate_for,
             const SetWaitOptions& options, const util::Clock& clock, util::Sleeper& sleeper) {
    if (ns.empty() && (resource.namespaced || options.watch.label_selector.empty())) {
        throw std::invalid_argument("wait_for_all: a namespace, or a cluster-scoped kind and a "
                                    "label selector, is required");
    }
    const auto deadline = clock.now() + options.timeout;
    SetReadiness set(names, predicate_for, options.on_progress, options.on_ready);

    WatchOptions watch = options.watch;
    watch.field_selector.clear();
    WatchHandlers handlers;
    handlers.on_list = [&](const ObjectList& list) {
        set.observe_list(list.items);
        return !set.done();
    };
    handlers.on_event = [&](const WatchEvent& event) {
        set.observe_event(event);
        return !set.done();
    };
    std::map<std::string, std::optional<json>> objects;
    if (!set.done()) {
        const auto end =
            list_and_watch(client, resource, ns, watch, handlers, clock, sleeper, deadline);
        if (end == WatchEnd::cancelled) {
            throw InterruptedError(fmt::format("interrupted while waiting for {} {}",
                                               set.pending().size(), resource.plural));
        }
    }
    const auto pending = set.pending();
    if (pending.empty()) {
        for (const auto& name : names) {
            objects.emplace(name, set.object(name));
        }
        return objects;
    }
    // The first object that failed, else the first still pending, is the one diagnosed.
    const auto& culprit = set.failed() ? *set.failed() : pending.front();
    const auto label = object_label(resource, culprit);
    auto details = diagnose(client, resource, ns, culprit, set.current(culprit));
    const auto describe_hint = fmt::format("see `kubectl -n {} describe {}`", ns, label);
    if (set.failed()) {
        throw Error(ExitCode::failed, set.text(culprit), describe_hint, std::move(details));
    }
    // Name the objects still pending (the first few: a set may be hundreds).
    constexpr std::size_t k_listed = 5;
    std::vector<std::string> lines;
    for (std::size_t i = 0; i < pending.size() && i < k_listed; ++i) {
        const auto& text = set.text(pending[i]);
        lines.push_back(text.empty() ? object_label(resource, pending[i]) + ": no answer yet"
                                     : text);
    }
    if (pending.size() > k_listed) {
        lines.push_back(fmt::format("and {} more", pending.size() - k_listed));
    }
    lines.insert(lines.end(), details.begin(), details.end());
    throw Error(
        ExitCode::timed_out,
        fmt::format("timed out after {} waiting for {} of {} {} in {}: {}",
                    util::format_duration(options.timeout), pending.size(), set.size(),
                    resource.plural, ns,
                    set.text(culprit).empty() ? label + " no answer yet" : set.text(culprit)),
        describe_hint, std::move(lines));
}

} // namespace pxclone::k8s
