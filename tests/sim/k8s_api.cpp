#include "k8s_api.hpp"

#include <algorithm>
#include <stdexcept>
#include <variant>

#include "k8s_api_internal.hpp"
#include "k8s_objects.hpp"
#include "k8s_table.hpp"
#include "yaml_json.hpp"

namespace pxsim {

using namespace k8s;

namespace {

Json without_type(Json object) {
    object.erase("apiVersion");
    object.erase("kind");
    return object;
}

std::string base64url_encode(const std::string& input) {
    static const char* const k_alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string output;
    unsigned bits = 0;
    int count = 0;
    for (unsigned char c : input) {
        bits = (bits << 8) | c;
        count += 8;
        while (count >= 6) {
            output += k_alphabet[(bits >> (count - 6)) & 63];
            count -= 6;
        }
    }
    if (count > 0) {
        output += k_alphabet[(bits << (6 - count)) & 63];
    }
    return output;
}

std::optional<std::string> base64url_decode(const std::string& input) {
    std::string output;
    unsigned bits = 0;
    int count = 0;
    for (char c : input) {
        int value = -1;
        if (c >= 'A' && c <= 'Z') {
            value = c - 'A';
        } else if (c >= 'a' && c <= 'z') {
            value = c - 'a' + 26;
        } else if (c >= '0' && c <= '9') {
            value = c - '0' + 52;
        } else if (c == '-' || c == '+') {
            value = 62;
        } else if (c == '_' || c == '/') {
            value = 63;
        } else if (c == '=') {
            break;
        } else {
            return std::nullopt;
        }
        bits = (bits << 6) | static_cast<unsigned>(value);
        count += 6;
        if (count >= 8) {
            output += static_cast<char>((bits >> (count - 8)) & 0xff);
            count -= 8;
        }
    }
    return output;
}

std::string key_of(const Json& object) {
    return object["metadata"].value("namespace", "") + "/" + object["metadata"].value("name", "");
}

Json version_info() {
    return {{"major", "1"},
            {"minor", "26"},
            {"gitVersion", "v1.26.1"},
            {"gitCommit", "8f94681cd294aa8cfd3407b8191f6c70214973a4"},
            {"gitTreeState", "clean"},
            {"buildDate", "2023-01-18T15:51:25Z"},
            {"goVersion", "go1.19.5"},
            {"compiler", "gc"},
            {"platform", "linux/amd64"}};
}

std::vector<std::string> split_path(const std::string& path) {
    std::vector<std::string> segments;
    std::string current;
    for (char c : path) {
        if (c == '/') {
            if (!current.empty()) {
                segments.push_back(current);
            }
            current.clear();
        } else {
            current += c;
        }
    }
    if (!current.empty()) {
        segments.push_back(current);
    }
    return segments;
}

bool accepts_only_aggregated(const SimRequest& request) {
    const std::string accept = header(request, "accept");
    if (accept.find("as=APIGroupDiscoveryList") == std::string::npos) {
        return false;
    }
    // A plain JSON (or anything) alternative lets us answer the unaggregated documents.
    std::size_t start = 0;
    while (start <= accept.size()) {
        const std::size_t end = std::min(accept.find(',', start), accept.size());
        const std::string entry = accept.substr(start, end - start);
        if (entry.find("as=") == std::string::npos) {
            return false;
        }
        start = end + 1;
    }
    return true;
}

bool object_matches(const WatchSpec& watch, const Json& object) {
    const Json& metadata = object["metadata"];
    if (!watch.ns.empty() && watch.type->namespaced &&
        metadata.value("namespace", "") != watch.ns) {
        return false;
    }
    return labels_match(watch.labels, metadata.value("labels", Json::object())) &&
           fields_match(watch.fields, object);
}

} // namespace

K8sApi::K8sApi(Store& store, K8sOptions options) : m_store(store), m_options(std::move(options)) {
    if (!m_options.new_uid) {
        throw std::invalid_argument("K8sOptions.new_uid is required");
    }
}

bool K8sApi::is_source_namespace(const std::string& ns) const {
    return m_options.source_namespaces.count(ns) != 0;
}

bool K8sApi::is_source_object(const ResourceType& type, const Json& object) const {
    const Json& metadata = object["metadata"];
    if (type.namespaced) {
        return is_source_namespace(metadata.value("namespace", ""));
    }
    if (type.kind == "Namespace") {
        return is_source_namespace(metadata.value("name", ""));
    }
    if (type.kind == "PersistentVolume") {
        const Json::json_pointer claim_ns("/spec/claimRef/namespace");
        return object.contains(claim_ns) && object[claim_ns].is_string() &&
               is_source_namespace(object[claim_ns].get<std::string>());
    }
    return false;
}

void K8sApi::guard(const std::string& verb, const ResourceType& type, const Json& object,
                   bool internal) {
    if (internal || !is_source_object(type, object)) {
        return;
    }
    // The client's own objects there (K8sOptions::client_labels). `object` is the stored object
    // for update and delete, so labelling a production object is still caught.
    const Json& metadata = object["metadata"];
    if (labels_match(m_options.client_labels, metadata.value("labels", Json::object()))) {
        return;
    }
    std::string what = verb + " " + type.qualified_plural() + " ";
    if (type.namespaced) {
        what += metadata.value("namespace", "") + "/";
    }
    m_options.violation(what + metadata.value("name", ""));
}

K8sApi::Outcome K8sApi::handle(const SimRequest& request, bool internal) {
    std::string path = request.path;
    while (path.size() > 1 && path.back() == '/') {
        path.pop_back();
    }
    if (path == "/version") {
        return {json_reply(200, version_info()), std::nullopt};
    }
    const bool discovery = path == "/api" || path == "/apis";
    if (discovery && accepts_only_aggregated(request)) {
        return {status_reply(status_failure(406, "NotAcceptable",
                                            "only the following media types are accepted: "
                                            "application/json, application/yaml")),
                std::nullopt};
    }
    if (path == "/api") {
        return {json_reply(200, discovery_api_versions(m_options.server_address)), std::nullopt};
    }
    if (path == "/apis") {
        return {json_reply(200, discovery_api_groups()), std::nullopt};
    }
    if (path == "/openapi/v3") {
        return {json_reply(200, openapi_v3_index()), std::nullopt};
    }
    if (path.rfind("/openapi/v3/", 0) == 0) {
        if (const auto document = openapi_v3_document(path.substr(12))) {
            return {json_reply(200, *document), std::nullopt};
        }
        return {generic_not_found(), std::nullopt};
    }
    const std::vector<std::string> segments = split_path(path);
    std::string group;
    std::size_t rest = 0;
    if (segments.size() >= 2 && segments[0] == "api") {
        rest = 2;
    } else if (segments.size() >= 2 && segments[0] == "apis") {
        group = segments[1];
        if (segments.size() == 2) {
            for (const Json& entry : discovery_api_groups()["groups"]) {
                if (entry["name"] == group) {
                    Json group_doc = entry;
                    group_doc["kind"] = "APIGroup";
                    group_doc["apiVersion"] = "v1";
                    return {json_reply(200, group_doc), std::nullopt};
                }
            }
            return {generic_not_found(), std::nullopt};
        }
        rest = 3;
    } else {
        return {generic_not_found(), std::nullopt};
    }
    const std::string version = segments[rest - 1];
    if (segments.size() == rest) {
        if (const auto resources = discovery_resources(group, version)) {
            return {json_reply(200, *resources), std::nullopt};
        }
        return {generic_not_found(), std::nullopt};
    }
    Target target;
    std::vector<std::string> tail(segments.begin() + static_cast<std::ptrdiff_t>(rest),
                                  segments.end());
    if (tail.size() >= 3 && tail[0] == "namespaces") {
        const ResourceType* type = find_resource(group, version, tail[2]);
        if (type != nullptr && type->namespaced) {
            target.ns = tail[1];
            tail.erase(tail.begin(), tail.begin() + 2);
        }
    }
    target.type = find_resource(group, version, tail[0]);
    if (target.type == nullptr || tail.size() > 3) {
        return {generic_not_found(), std::nullopt};
    }
    target.name = tail.size() > 1 ? tail[1] : "";
    target.subresource = tail.size() > 2 ? tail[2] : "";
    if (target.type->kind == "Namespace" && !target.name.empty()) {
        target.ns.clear();
    }
    const bool known_subresource =
        target.subresource.empty() || (target.subresource == "status" && target.type->has_status) ||
        (target.subresource == "scale" && target.type->has_scale) ||
        (target.subresource == "log" && target.type->kind == "Pod") ||
        (target.subresource == "finalize" && target.type->kind == "Namespace");
    if (!known_subresource) {
        return {generic_not_found(), std::nullopt};
    }
    return handle_resource(request, target, internal);
}

K8sApi::Outcome K8sApi::handle_resource(const SimRequest& request, const Target& target,
                                        bool internal) {
    const std::string& method = request.method;
    const bool item = !target.name.empty();
    if (!item && target.type->namespaced && target.ns.empty() && method == "POST") {
        return {generic_not_found(), std::nullopt};
    }
    if (target.subresource == "scale") {
        return {scale(request, target, internal), std::nullopt};
    }
    if (target.subresource == "finalize") {
        if (method != "PUT") {
            return {status_reply(status_failure(405, "MethodNotAllowed",
                                                "the server does not allow this method on the "
                                                "requested resource")),
                    std::nullopt};
        }
        return {finalize_namespace(request, target, internal), std::nullopt};
    }
    if (target.subresource == "log") {
        if (method != "GET") {
            return {status_reply(status_failure(405, "MethodNotAllowed",
                                                "the server does not allow this method on the "
                                                "requested resource")),
                    std::nullopt};
        }
        return {pod_log(request, target), std::nullopt};
    }
    if (!item && method == "GET") {
        const std::string watch = query_value(request, "watch");
        if (watch == "1" || watch == "true") {
            WatchSpec spec;
            spec.type = target.type;
            spec.ns = target.ns;
            const auto labels = parse_label_selector(query_value(request, "labelSelector"));
            if (!labels) {
                return {bad_request("unable to parse requirement: invalid label selector \"" +
                                    query_value(request, "labelSelector") + "\""),
                        std::nullopt};
            }
            const auto fields = parse_field_selector(query_value(request, "fieldSelector"));
            if (!fields) {
                return {bad_request("invalid field selector \"" +
                                    query_value(request, "fieldSelector") + "\""),
                        std::nullopt};
            }
            spec.labels = *labels;
            spec.fields = *fields;
            const std::string rv = query_value(request, "resourceVersion");
            if (!rv.empty() && rv != "0") {
                try {
                    spec.since = std::stoull(rv);
                } catch (const std::exception&) {
                    return {status_reply(status_failure(400, "BadRequest",
                                                        "invalid resource version \"" + rv + "\"")),
                            std::nullopt};
                }
            }
            const std::string bookmarks = query_value(request, "allowWatchBookmarks");
            spec.bookmarks = bookmarks == "true" || bookmarks == "1";
            const std::string timeout = query_value(request, "timeoutSeconds");
            if (!timeout.empty()) {
                spec.timeout = std::chrono::seconds(std::stoll(timeout));
            }
            spec.table = wants_table(header(request, "accept"));
            spec.include_object = query_value(request, "includeObject");
            return {SimReply{}, spec};
        }
        return {list(request, target), std::nullopt};
    }
    if (!item && method == "POST") {
        return {create(request, target, internal), std::nullopt};
    }
    if (item && method == "GET") {
        const auto object = m_store.transact(
            [&](Store::Txn& txn) { return txn.get(*target.type, target.ns, target.name); });
        if (!object) {
            return {not_found(*target.type, target.name), std::nullopt};
        }
        if (wants_table(header(request, "accept")) && target.subresource.empty()) {
            return {json_reply(200, to_table(*target.type, {without_type(*object)},
                                             query_value(request, "includeObject"),
                                             {{"resourceVersion",
                                               (*object)["metadata"]["resourceVersion"]}},
                                             m_options.now())),
                    std::nullopt};
        }
        return {json_reply(200, *object), std::nullopt};
    }
    if (item && method == "PUT") {
        return {update(request, target, internal), std::nullopt};
    }
    if (item && method == "PATCH") {
        return {patch(request, target, internal), std::nullopt};
    }
    if (item && method == "DELETE") {
        return {remove(request, target, internal), std::nullopt};
    }
    if (!item && method == "DELETE") {
        // deletecollection: each matching object as if deleted one by one.
        SimRequest listing = request;
        listing.method = "GET";
        listing.query.erase("limit");
        listing.query.erase("continue");
        const SimReply listed = list(listing, target);
        if (listed.status != 200) {
            return {listed, std::nullopt};
        }
        Json deleted = Json::array();
        const Json matching = Json::parse(listed.body);
        for (const Json& object : matching["items"]) {
            Target one = target;
            one.ns = object["metadata"].value("namespace", "");
            one.name = object["metadata"].value("name", "");
            const SimReply reply = remove(request, one, internal);
            if (reply.status == 200) {
                Json result = Json::parse(reply.body);
                if (result.value("kind", "") != "Status") {
                    deleted.push_back(without_type(result));
                }
            }
        }
        return {json_reply(200, {{"apiVersion", target.type->api_version()},
                                 {"kind", target.type->kind + "List"},
                                 {"metadata", Json::object()},
                                 {"items", deleted}}),
                std::nullopt};
    }
    return {status_reply(status_failure(405, "MethodNotAllowed",
                                        "the server does not allow this method on the requested "
                                        "resource")),
            std::nullopt};
}

SimReply K8sApi::list(const SimRequest& request, const Target& target) {
    const auto labels = parse_label_selector(query_value(request, "labelSelector"));
    if (!labels) {
        return bad_request("unable to parse requirement: invalid label selector \"" +
                           query_value(request, "labelSelector") + "\"");
    }
    const auto fields = parse_field_selector(query_value(request, "fieldSelector"));
    if (!fields) {
        return bad_request("invalid field selector \"" + query_value(request, "fieldSelector") +
                           "\"");
    }
    std::size_t limit = 0;
    if (const std::string text = query_value(request, "limit"); !text.empty()) {
        try {
            limit = std::stoul(text);
        } catch (const std::exception&) {
            return bad_request("invalid limit \"" + text + "\"");
        }
    }
    std::string start_after;
    if (const std::string token = query_value(request, "continue"); !token.empty()) {
        const auto decoded = base64url_decode(token);
        Json parsed;
        try {
            parsed = Json::parse(decoded.value_or(""));
        } catch (const Json::parse_error&) {
        }
        if (!parsed.is_object() || !parsed.contains("start")) {
            return bad_request("continue key is not valid: illegal base64 data");
        }
        start_after = parsed["start"].get<std::string>();
    }
    WatchSpec filter;
    filter.type = target.type;
    filter.ns = target.ns;
    filter.labels = *labels;
    filter.fields = *fields;
    return m_store.transact([&](Store::Txn& txn) {
        Json items = Json::array();
        const std::uint64_t rv = txn.resource_version();
        std::size_t remaining = 0;
        std::string last_key;
        // In place: only the objects returned are copied.
        txn.for_each(*target.type, target.ns, [&](const Json& object) {
            if (!start_after.empty() && key_of(object) + std::string(1, '\0') <= start_after) {
                return;
            }
            if (!object_matches(filter, object)) {
                return;
            }
            if (limit > 0 && items.size() >= limit) {
                ++remaining;
                return;
            }
            items.push_back(without_type(object));
            last_key = key_of(object);
        });
        Json metadata = {{"resourceVersion", std::to_string(rv)}};
        if (remaining > 0) {
            const Json token = {
                {"v", "meta.k8s.io/v1"}, {"rv", rv}, {"start", last_key + std::string(1, '\0')}};
            metadata["continue"] = base64url_encode(token.dump());
            metadata["remainingItemCount"] = remaining;
        }
        if (wants_table(header(request, "accept"))) {
            return json_reply(200, to_table(*target.type, items.get<std::vector<Json>>(),
                                            query_value(request, "includeObject"), metadata,
                                            m_options.now()));
        }
        return json_reply(200, {{"apiVersion", target.type->api_version()},
                                {"kind", target.type->kind + "List"},
                                {"metadata", metadata},
                                {"items", items}});
    });
}

void K8sApi::stream_watch(const WatchSpec& watch,
                          const std::function<bool(const std::string&)>& write,
                          const std::function<bool()>& stopping,
                          std::optional<std::size_t> close_after) {
    const auto event_line = [&](const std::string& type, const Json& object) {
        if (watch.table && type != "ERROR" && type != "BOOKMARK") {
            return Json{{"type", type},
                        {"object",
                         to_table(*watch.type, {without_type(object)}, watch.include_object,
                                  {{"resourceVersion", object["metadata"]["resourceVersion"]}},
                                  m_options.now())}}
                       .dump() +
                   "\n";
        }
        return Json{{"type", type}, {"object", object}}.dump() + "\n";
    };
    std::size_t sent = 0;
    const auto send = [&](const std::string& line) {
        ++sent;
        return write(line);
    };
    std::uint64_t cursor = 0;
    if (watch.since) {
        cursor = *watch.since;
    } else {
        std::vector<Json> initial;
        cursor = m_store.transact([&](Store::Txn& txn) {
            for (Json& object : txn.list(*watch.type, watch.ns)) {
                if (object_matches(watch, object)) {
                    initial.push_back(std::move(object));
                }
            }
            return txn.resource_version();
        });
        for (const Json& object : initial) {
            if (!send(event_line("ADDED", object)) || (close_after && sent >= *close_after)) {
                return;
            }
        }
    }
    const auto deadline = std::chrono::steady_clock::now() + watch.timeout;
    auto last_write = std::chrono::steady_clock::now();
    while (!stopping()) {
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) {
            return;
        }
        const auto slice = std::min<std::chrono::milliseconds>(
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now),
            std::chrono::milliseconds(500));
        Store::WaitResult result = m_store.wait_events(cursor, slice);
        if (result.stopping) {
            return;
        }
        if (result.expired) {
            const std::uint64_t current = m_store.resource_version();
            write(event_line("ERROR",
                             status_failure(410, "Expired",
                                            "too old resource version: " + std::to_string(cursor) +
                                                " (" + std::to_string(current) + ")")));
            return;
        }
        for (const StoreEvent& event : result.events) {
            cursor = event.resource_version;
            if (event.resource != watch.type || !object_matches(watch, event.object)) {
                continue;
            }
            if (!send(event_line(event.type, event.object))) {
                return;
            }
            last_write = std::chrono::steady_clock::now();
            if (close_after && sent >= *close_after) {
                return;
            }
        }
        // Every event up to the store's resourceVersion at the wait was seen. A bookmark must
        // not name a later one: events recorded since the wait returned are still to be sent,
        // and a client resuming from a later bookmark would never get them (the watch stall of
        // deploy-staging with --parallel 64, bench/RESULTS.md).
        cursor = std::max(cursor, result.resource_version);
        if (watch.bookmarks &&
            std::chrono::steady_clock::now() - last_write > std::chrono::seconds(5)) {
            const Json bookmark = {{"kind", watch.type->kind},
                                   {"apiVersion", watch.type->api_version()},
                                   {"metadata", {{"resourceVersion", std::to_string(cursor)}}}};
            if (!write(event_line("BOOKMARK", bookmark))) {
                return;
            }
            last_write = std::chrono::steady_clock::now();
        }
    }
}

void K8sApi::load(Json object) {
    const ResourceType* type =
        find_resource_by_kind(object.value("apiVersion", ""), object.value("kind", ""));
    if (type == nullptr) {
        throw std::runtime_error("unknown kind " + object.value("apiVersion", "") + "/" +
                                 object.value("kind", ""));
    }
    if (!object.contains("metadata") || !object["metadata"].is_object()) {
        throw std::runtime_error(type->kind + " without metadata");
    }
    Json status = object.value("status", Json());
    // A state file may pin what a real dump would carry (uid, creationTimestamp).
    const Json pinned = object["metadata"];
    Target target;
    target.type = type;
    target.ns = type->namespaced ? object["metadata"].value("namespace", "default") : "";
    const std::string name = object["metadata"].value("name", "");
    m_store.transact([&](Store::Txn& txn) {
        const ResourceType& namespaces = *find_resource("", "v1", "namespaces");
        if (type->namespaced && !txn.get(namespaces, "", target.ns)) {
            Json ns = {
                {"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", target.ns}}}};
            Target ns_target;
            ns_target.type = &namespaces;
            create_object(txn, ns_target, ns, false, true);
        }
        SimReply reply = create_object(txn, target, object, false, true);
        if (reply.status != 201) {
            throw std::runtime_error(type->kind + " " + name + ": " + reply.body);
        }
        Json stored = Json::parse(reply.body);
        for (const char* field : {"uid", "creationTimestamp"}) {
            if (pinned.contains(field)) {
                stored["metadata"][field] = pinned[field];
            }
        }
        if (!status.is_null()) {
            stored["status"] = status;
        }
        txn.put(*type, std::move(stored));
    });
}

} // namespace pxsim
