// Watches (list, then watch from the list's resourceVersion, as client-go's reflector does) and
// wait_for, the bounded wait every "until ready" step uses.
#pragma once

#include "pxclone/k8s/client.hpp"
#include "pxclone/k8s/readiness.hpp"
#include "pxclone/util/clock.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace pxclone::k8s {

enum class WatchEventType { added, modified, deleted, bookmark, error };

struct WatchEvent {
    WatchEventType type = WatchEventType::added;
    // The object; for ERROR a Status; for BOOKMARK only metadata.resourceVersion is meaningful.
    nlohmann::json object;
};

// One line of a watch stream: `{"type": "ADDED", "object": {...}}`. nullopt for anything else
// (not JSON, unknown type, no object). Never throws.
std::optional<WatchEvent> parse_watch_event(std::string_view line);

// The most one watch event (one line of the stream) may have by default: the API server refuses
// objects over about 1.5 MiB, so this is only ever reached by a server or proxy gone wrong.
inline constexpr std::size_t k_default_max_event_bytes = 16 * 1024 * 1024;

// Joins a streamed body into lines, whatever the chunk boundaries.
class LineSplitter {
public:
    explicit LineSplitter(std::size_t max_line_bytes = k_default_max_event_bytes)
        : m_max_line_bytes(max_line_bytes) {}
    // Appends chunk and calls on_line for each complete non-empty line (without the newline).
    // Returns false as soon as on_line does (the rest of the chunk is dropped), and when a line
    // (complete or not) is longer than max_line_bytes: then overflowed() is true and nothing more
    // of it is kept.
    bool feed(std::string_view chunk, const std::function<bool(std::string_view line)>& on_line);
    // Bytes of an unfinished line are waiting.
    bool has_partial() const { return !m_buffer.empty(); }
    bool overflowed() const { return m_overflowed; }
    void reset() {
        m_buffer.clear();
        m_overflowed = false;
    }

private:
    std::size_t m_max_line_bytes;
    std::string m_buffer;
    bool m_overflowed = false;
};

struct WatchOptions {
    std::string label_selector;
    std::string field_selector;
    // timeoutSeconds of one watch request; the server closes it then and it is reopened.
    std::chrono::seconds max_stream{300};
    // Waits between reconnects after an error or an empty stream: doubles from min to max.
    std::chrono::milliseconds min_backoff{500};
    std::chrono::milliseconds max_backoff{16000};
    // A longer event (one line of the stream) ends the watch with an Error (exit 1) naming the
    // watch and the limit, instead of being buffered.
    std::size_t max_event_bytes = k_default_max_event_bytes;
    // Asked between events and before each reconnect; true ends the watch with `cancelled`
    // (SIGINT/SIGTERM). A quiet stream notices only at its next event or bookmark, so keep
    // max_stream short when prompt cancellation matters.
    std::function<bool()> cancelled;
};

struct WatchHandlers {
    // The full current state: first, and again after 410 Gone. Return false to stop.
    std::function<bool(const ObjectList& list)> on_list;
    // ADDED, MODIFIED and DELETED events (bookmarks and errors are handled inside). Return false
    // to stop.
    std::function<bool(const WatchEvent& event)> on_event;
};

enum class WatchEnd { stopped, deadline, cancelled };

// Lists, then watches from the list's resourceVersion (`watch=1&allowWatchBookmarks=true&
// timeoutSeconds=N`). A stream that closes, or breaks, is reopened from the last resourceVersion
// seen (bookmarks move it); 410 Gone or an ERROR event with code 410 / reason Expired lists again.
// Returns stopped when a handler returned false, cancelled when options.cancelled() said so,
// deadline when `clock` reached `deadline` (checked
// between events and before each reconnect; a quiet stream ends by timeoutSeconds, which is never
// later than the deadline). Throws ApiError for other error replies and ERROR events, and Error
// (exit 1) for an event longer than options.max_event_bytes.
WatchEnd list_and_watch(const Client& client, const Resource& resource, std::string_view ns,
                        const WatchOptions& options, const WatchHandlers& handlers,
                        const util::Clock& clock, util::Sleeper& sleeper,
                        std::chrono::system_clock::time_point deadline);

struct WaitOptions {
    std::chrono::milliseconds timeout{std::chrono::minutes(5)};
    // Called with the predicate's text each time it changes ("deployment/db 0/1 available").
    std::function<void(const std::string& pending)> on_progress;
    WatchOptions watch; // selectors are set by wait_for; timings may be tuned
};

// Waits until `predicate` says ready for the one object ns/name (watched through
// fieldSelector metadata.name=NAME). Returns the object it judged (nullopt when the predicate was
// satisfied by absence, see deleted()). Throws Error with exit code 4 when the timeout passes, and
// exit code 1 when the predicate reports failure; both messages carry the last text, and detail
// lines carry the object's conditions and its recent Warning events. Throws InterruptedError when
// options.watch.cancelled() turns true.
std::optional<nlohmann::json> wait_for(const Client& client, const Resource& resource,
                                       std::string_view ns, std::string_view name,
                                       const WaitPredicate& predicate, const WaitOptions& options,
                                       const util::Clock& clock, util::Sleeper& sleeper);

// Which objects of a set are ready, judged from a list and watch events (pure, no I/O). An
// object counts as ready from the first time its predicate says so (as wait_for stops there).
class SetReadiness {
public:
    using PredicateFor = std::function<WaitPredicate(const std::string& name)>;
    // Called with the name and the predicate's text each time that object's text changes.
    using ProgressFn = std::function<void(const std::string& name, const std::string& text)>;
    // Called once per object, when it turns ready.
    using ReadyFn = std::function<void(const std::string& name)>;

    // `names` in the order messages list them (duplicates are one object).
    SetReadiness(std::vector<std::string> names, const PredicateFor& predicate_for,
                 ProgressFn on_progress = {}, ReadyFn on_ready = {});

    // A full list: objects of the set not in it are absent. Others are ignored.
    void observe_list(const std::vector<nlohmann::json>& items);
    // One ADDED/MODIFIED/DELETED event; objects outside the set are ignored.
    void observe_event(const WatchEvent& event);

    // Every object ready, or one failed: nothing more to wait for.
    bool done() const { return m_failed.has_value() || m_pending == 0; }
    // The first object (in `names` order) whose predicate reported failure.
    const std::optional<std::string>& failed() const { return m_failed; }
    // How many objects the set has.
    std::size_t size() const { return m_order.size(); }
    // The objects not ready yet, in `names` order.
    std::vector<std::string> pending() const;
    // The last text of an object's predicate ("" before it was judged).
    const std::string& text(const std::string& name) const;
    // The object as it was when judged ready (nullopt: ready by absence, or not ready).
    std::optional<nlohmann::json> object(const std::string& name) const;
    // The last version seen of an object (nullptr: absent or never seen).
    const nlohmann::json* current(const std::string& name) const;

private:
    struct Entry {
        WaitPredicate predicate;
        std::optional<nlohmann::json> current;
        std::string text;
        bool ready = false;
    };
    void judge(const std::string& name, Entry& entry);

    std::vector<std::string> m_order;
    std::map<std::string, Entry> m_entries;
    std::size_t m_pending = 0;
    std::optional<std::string> m_failed;
    ProgressFn m_on_progress;
    ReadyFn m_on_ready;
};

struct SetWaitOptions {
    std::chrono::milliseconds timeout{std::chrono::minutes(5)};
    // (name, text) each time an object's text changes.
    SetReadiness::ProgressFn on_progress;
    // (name) once, when that object turns ready.
    SetReadiness::ReadyFn on_ready;
    WatchOptions watch; // label_selector narrows the list and watch; field_selector is unused
};

// Waits until every named object of `resource` in namespace `ns` is ready, with ONE list and
// watch of the namespace (narrowed by options.watch.label_selector when set): a constant number
// of requests for any number of objects, however long they take. Returns each object as judged
// ready. Throws as wait_for does: exit 4 at the timeout (the message names the objects still
// pending), exit 1 when one reports failure, InterruptedError when cancelled. `ns` must not be
// empty (a cluster-wide list would read every object of the kind), except for a cluster-scoped
// kind with a label selector (std::invalid_argument otherwise).
std::map<std::string, std::optional<nlohmann::json>>
wait_for_all(const Client& client, const Resource& resource, std::string_view ns,
             const std::vector<std::string>& names, const SetReadiness::PredicateFor& predicate_for,
             const SetWaitOptions& options, const util::Clock& clock, util::Sleeper& sleeper);

// Lines describing why an object is not ready, for errors: its status.conditions, then its recent
// Warning events (listed best-effort; a failure to list them is ignored).
std::vector<std::string> diagnose(const Client& client, const Resource& resource,
                                  std::string_view ns, std::string_view name,
                                  const nlohmann::json* object);

} // namespace pxclone::k8s
