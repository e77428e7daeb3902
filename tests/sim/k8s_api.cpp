#include "k8s_api.hpp"

#include <algorithm>
#include <stdexcept>
#include <variant>

#include "k8s_objects.hpp"
#include "k8s_table.hpp"
#include "yaml_json.hpp"

namespace pxsim {

struct K8sApi::Target {
    const ResourceType* type = nullptr;
    std::string ns;
    std::string name;
    std::string subresource;
};

namespace {

SimReply json_reply(int status, const Json& body) {
    SimReply reply;
    reply.status = status;
    reply.body = body.dump();
    return reply;
}

SimReply status_reply(const Json& status) {
    return json_reply(status.value("code", 500), status);
}

Json details_of(const ResourceType& type, const std::string& name) {
    Json details = {{"name", name}};
    if (!type.group.empty()) {
        details["group"] = type.group;
    }
    details["kind"] = type.plural;
    return details;
}

SimReply not_found(const ResourceType& type, const std::string& name) {
    return status_reply(status_failure(404, "NotFound",
                                       type.qualified_plural() + " \"" + name + "\" not found",
                                       details_of(type, name)));
}

SimReply generic_not_found() {
    return status_reply(status_failure(
        404, "NotFound", "the server could not find the requested resource", Json::object()));
}

SimReply bad_request(const std::string& message) {
    return status_reply(status_failure(400, "BadRequest", message));
}

SimReply conflict(const ResourceType& type, const std::string& name, const std::string& why) {
    return status_reply(status_failure(409, "Conflict",
                                       "Operation cannot be fulfilled on " +
                                           type.qualified_plural() + " \"" + name + "\": " + why,
                                       details_of(type, name)));
}

SimReply invalid(const ResourceType& type, const std::string& name,
                 const std::vector<FieldCause>& causes) {
    Json cause_list = Json::array();
    std::vector<std::string> parts;
    for (const FieldCause& cause : causes) {
        cause_list.push_back(
            {{"reason", cause.reason}, {"message", cause.message}, {"field", cause.field}});
        parts.push_back(cause.field + ": " + cause.message);
    }
    std::string summary = parts.size() == 1 ? parts[0] : "[";
    if (parts.size() != 1) {
        for (std::size_t i = 0; i < parts.size(); ++i) {
            summary += (i == 0 ? "" : ", ") + parts[i];
        }
        summary += "]";
    }
    const std::string kind = type.group.empty() ? type.kind : type.kind + "." + type.group;
    Json details = {{"name", name}, {"kind", type.kind}, {"causes", cause_list}};
    if (!type.group.empty()) {
        details["group"] = type.group;
    }
    return status_reply(
        status_failure(422, "Invalid", kind + " \"" + name + "\" is invalid: " + summary, details));
}

std::string query_value(const SimRequest& request, const std::string& key) {
    const auto found = request.query.find(key);
    return found == request.query.end() ? "" : found->second;
}

std::string header(const SimRequest& request, const std::string& key) {
    const auto found = request.headers.find(key);
    return found == request.headers.end() ? "" : found->second;
}

std::string media_type(const SimRequest& request) {
    std::string type = header(request, "content-type");
    type = type.substr(0, type.find(';'));
    while (!type.empty() && type.back() == ' ') {
        type.pop_back();
    }
    return type;
}

bool is_dry_run(const SimRequest& request, const Json& options = Json()) {
    if (query_value(request, "dryRun") == "All") {
        return true;
    }
    return options.is_object() && options.contains("dryRun") && options["dryRun"].is_array() &&
           !options["dryRun"].empty();
}

// Parses a create/update body: JSON or YAML. Error replies per the real server.
std::variant<Json, SimReply> parse_body(const SimRequest& request, const ResourceType& type) {
    const std::string media = media_type(request);
    Json body;
    if (media == "application/json" || media.empty()) {
        try {
            body = Json::parse(request.body);
        } catch (const Json::parse_error& error) {
            return bad_request("the object provided is unrecognized (must be of type " + type.kind +
                               "): couldn't get version/kind; json parse error: " + error.what());
        }
    } else if (media == "application/yaml") {
        try {
            const auto documents = parse_yaml_documents(request.body);
            body = documents.empty() ? Json() : documents.front();
        } catch (const std::runtime_error& error) {
            return bad_request(std::string("error converting YAML to JSON: ") + error.what());
        }
    } else {
        return status_reply(status_failure(
            415, "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: "
            "application/json, application/yaml, application/vnd.kubernetes.protobuf"));
    }
    if (!body.is_object()) {
        return bad_request("the object provided is unrecognized (must be of type " + type.kind +
                           ")");
    }
    const std::string kind = body.value("kind", "");
    const std::string api_version = body.value("apiVersion", "");
    if (kind.empty()) {
        return bad_request("Object 'Kind' is missing in '" + request.body.substr(0, 200) + "'");
    }
    if (kind != type.kind || (!api_version.empty() && api_version != type.api_version())) {
        return bad_request(kind + " in version \"" + api_version + "\" cannot be handled as a " +
                           type.kind + ": no kind \"" + kind + "\" is registered for version \"" +
                           api_version + "\"");
    }
    if (!body.contains("metadata") || !body["metadata"].is_object()) {
        body["metadata"] = Json::object();
    }
    return body;
}

// What the server never takes from a client on create.
void strip_server_fields(Json& metadata) {
    for (const char* field :
         {"uid", "resourceVersion", "creationTimestamp", "deletionTimestamp",
          "deletionGracePeriodSeconds", "generation", "managedFields", "selfLink"}) {
        metadata.erase(field);
    }
}

Json without_type(Json object) {
    object.erase("apiVersion");
    object.erase("kind");
    return object;
}

Json spec_part(const Json& object) {
    Json copy = object;
    copy.erase("metadata");
    copy.erase("status");
    return copy;
}

bool has_finalizers(const Json& object) {
    const Json& metadata = object["metadata"];
    const bool own = metadata.contains("finalizers") && metadata["finalizers"].is_array() &&
                     !metadata["finalizers"].empty();
    // A Namespace also waits for its spec.finalizers (the namespace controller's "kubernetes",
    // and any other system's), which only the finalize subresource changes.
    const Json spec_finalizers =
        object.value("kind", "") == "Namespace"
            ? object.value("spec", Json::object()).value("finalizers", Json::array())
            : Json::array();
    return own || (spec_finalizers.is_array() && !spec_finalizers.empty());
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

SimReply K8sApi::create(const SimRequest& request, const Target& target, bool internal) {
    auto parsed = parse_body(request, *target.type);
    if (auto* error = std::get_if<SimReply>(&parsed)) {
        return *error;
    }
    Json object = std::get<Json>(std::move(parsed));
    return m_store.transact([&](Store::Txn& txn) {
        return create_object(txn, target, std::move(object), is_dry_run(request), internal);
    });
}

SimReply K8sApi::create_object(Store::Txn& txn, const Target& target, Json object, bool dry_run,
                               bool internal) {
    const ResourceType& type = *target.type;
    Json& metadata = object["metadata"];
    if (type.namespaced) {
        const std::string given = metadata.value("namespace", "");
        if (!given.empty() && given != target.ns) {
            return bad_request("the namespace of the provided object does not match the "
                               "namespace sent on the request");
        }
        metadata["namespace"] = target.ns;
    } else {
        metadata.erase("namespace");
    }
    if (metadata.value("name", "").empty() && !metadata.value("generateName", "").empty()) {
        metadata["name"] =
            metadata["generateName"].get<std::string>() + short_hash(m_options.new_uid(), 5);
    }
    const std::string name = metadata.value("name", "");
    object["apiVersion"] = type.api_version();
    object["kind"] = type.kind;
    strip_server_fields(metadata);
    if (const auto causes = validate_object(type, object); !causes.empty()) {
        return invalid(type, name, causes);
    }
    if (type.namespaced) {
        const auto ns = txn.get(*find_resource("", "v1", "namespaces"), "", target.ns);
        if (!ns) {
            return status_reply(status_failure(404, "NotFound",
                                               "namespaces \"" + target.ns + "\" not found",
                                               {{"name", target.ns}, {"kind", "namespaces"}}));
        }
        if ((*ns)["metadata"].contains("deletionTimestamp")) {
            return status_reply(status_failure(
                403, "Forbidden",
                type.qualified_plural() + " \"" + name + "\" is forbidden: unable to create new " +
                    "content in namespace " + target.ns + " because it is being terminated",
                {{"name", name},
                 {"kind", type.plural},
                 {"causes",
                  Json::array({{{"reason", "NamespaceTerminating"},
                                {"message", "namespace " + target.ns + " is being terminated"},
                                {"field", "metadata.namespace"}}})}}));
        }
    }
    if (txn.get(type, target.ns, name)) {
        return status_reply(status_failure(
            409, "AlreadyExists", type.qualified_plural() + " \"" + name + "\" already exists",
            details_of(type, name)));
    }
    metadata["uid"] = m_options.new_uid();
    metadata["creationTimestamp"] = format_time(m_options.now());
    if (type.has_generation) {
        metadata["generation"] = 1;
    }
    apply_create_defaults(type, object, [this] {
        const std::uint32_t n = m_next_cluster_ip++;
        return "10.96." + std::to_string((n / 250) % 250) + "." + std::to_string(n % 250 + 2);
    });
    if (dry_run) {
        return json_reply(201, object);
    }
    guard("create", type, object, internal);
    return json_reply(201, txn.put(type, std::move(object)));
}

SimReply K8sApi::finish_update(Store::Txn& txn, const Target& target, const Json& existing,
                               Json incoming, bool dry_run, bool internal) {
    const ResourceType& type = *target.type;
    Json result;
    if (target.subresource == "status") {
        result = existing;
        if (incoming.contains("status")) {
            result["status"] = incoming["status"];
        }
    } else {
        result = std::move(incoming);
        if (type.has_status) {
            if (existing.contains("status")) {
                result["status"] = existing["status"];
            } else {
                result.erase("status");
            }
        }
        if (!result.contains("metadata") || !result["metadata"].is_object()) {
            result["metadata"] = Json::object();
        }
        Json& metadata = result["metadata"];
        const Json& before = existing["metadata"];
        for (const char* field :
             {"uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
              "generation", "namespace", "name"}) {
            if (before.contains(field)) {
                metadata[field] = before[field];
            } else {
                metadata.erase(field);
            }
        }
        metadata.erase("managedFields");
        result["apiVersion"] = type.api_version();
        result["kind"] = type.kind;
        apply_spec_defaults(type, result);
        if (type.kind == "Namespace") {
            result["spec"] = existing.value("spec", Json::object());
            metadata["labels"]["kubernetes.io/metadata.name"] = metadata["name"];
        }
        if (const auto causes = validate_object(type, result); !causes.empty()) {
            return invalid(type, target.name, causes);
        }
        if (const auto causes = validate_update(type, existing, result); !causes.empty()) {
            return invalid(type, target.name, causes);
        }
        if (type.has_generation && spec_part(existing) != spec_part(result)) {
            metadata["generation"] = existing["metadata"].value("generation", 0) + 1;
        }
    }
    result["metadata"]["resourceVersion"] = existing["metadata"]["resourceVersion"];
    if (result == existing) {
        return json_reply(200, existing); // a no-op update keeps its resourceVersion
    }
    if (dry_run) {
        return json_reply(200, result);
    }
    guard("update", type, existing, internal);
    if (result["metadata"].contains("deletionTimestamp") && !has_finalizers(result)) {
        auto erased = txn.erase(type, target.ns, target.name);
        return json_reply(200, erased.value_or(result));
    }
    return json_reply(200, txn.put(type, std::move(result)));
}

SimReply K8sApi::update(const SimRequest& request, const Target& target, bool internal) {
    const ResourceType& type = *target.type;
    auto parsed = parse_body(request, type);
    if (auto* error = std::get_if<SimReply>(&parsed)) {
        return *error;
    }
    Json object = std::get<Json>(std::move(parsed));
    const std::string name = object["metadata"].value("name", "");
    if (name != target.name) {
        return bad_request("the name of the object (" + name +
                           ") does not match the name on the URL (" + target.name + ")");
    }
    return m_store.transact([&](Store::Txn& txn) {
        const auto existing = txn.get(type, target.ns, target.name);
        if (!existing) {
            return not_found(type, target.name);
        }
        const std::string rv = object["metadata"].value("resourceVersion", "");
        if (rv.empty()) {
            return invalid(type, target.name,
                           {{"FieldValueInvalid", "metadata.resourceVersion",
                             "Invalid value: 0x0: must be specified for an update"}});
        }
        if (rv != (*existing)["metadata"].value("resourceVersion", "")) {
            return conflict(type, target.name,
                            "the object has been modified; please apply your changes to the "
                            "latest version and try again");
        }
        return finish_update(txn, target, *existing, std::move(object), is_dry_run(request),
                             internal);
    });
}

SimReply K8sApi::patch(const SimRequest& request, const Target& target, bool internal) {
    const ResourceType& type = *target.type;
    const std::string media = media_type(request);
    const bool apply = media == "application/apply-patch+yaml";
    const bool json_patch = media == "application/json-patch+json";
    if (!apply && !json_patch && media != "application/merge-patch+json" &&
        media != "application/strategic-merge-patch+json") {
        return status_reply(status_failure(
            415, "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: "
            "application/json-patch+json, application/merge-patch+json, "
            "application/apply-patch+yaml"));
    }
    Json patch_body;
    try {
        if (apply) {
            const auto documents = parse_yaml_documents(request.body);
            patch_body = documents.empty() ? Json() : documents.front();
        } else {
            patch_body = Json::parse(request.body);
        }
    } catch (const std::exception& error) {
        return bad_request(std::string("error decoding patch: ") + error.what());
    }
    if (apply) {
        if (query_value(request, "fieldManager").empty()) {
            return bad_request("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required "
                               "value: is required for apply patch");
        }
        if (!patch_body.is_object() || patch_body.value("kind", "") != type.kind ||
            patch_body.value("apiVersion", "") != type.api_version()) {
            return bad_request(
                "invalid object type: " +
                (patch_body.is_object()
                     ? patch_body.value("apiVersion", "") + ", Kind=" + patch_body.value("kind", "")
                     : std::string("not an object")));
        }
        if (!patch_body.contains("metadata") || !patch_body["metadata"].is_object()) {
            patch_body["metadata"] = Json::object();
        }
        if (patch_body["metadata"].value("name", target.name) != target.name) {
            return bad_request("the name of the object (" +
                               patch_body["metadata"].value("name", "") +
                               ") does not match the name on the URL (" + target.name + ")");
        }
    } else if (json_patch ? !patch_body.is_array() : !patch_body.is_object()) {
        return bad_request("the body of the request was not a valid patch");
    }
    const bool dry_run = is_dry_run(request);
    return m_store.transact([&](Store::Txn& txn) {
        const auto existing = txn.get(type, target.ns, target.name);
        if (!existing) {
            if (apply && target.subresource.empty()) {
                if (!internal) {
                    if (auto denied = m_options.deny_create_on_apply(type.group, type.plural,
                                                                     target.ns, target.name)) {
                        return status_reply(*denied);
                    }
                }
                Json object = patch_body;
                object["metadata"]["name"] = target.name;
                return create_object(txn, target, std::move(object), dry_run, internal);
            }
            return not_found(type, target.name);
        }
        Json patched = *existing;
        if (apply) {
            Json applied = patch_body;
            applied["metadata"].erase("managedFields");
            deep_merge(patched, applied);
        } else if (json_patch) {
            try {
                patched = existing->patch(patch_body);
            } catch (const Json::exception& error) {
                return status_reply(status_failure(422, "Invalid", error.what()));
            }
        } else {
            patched.merge_patch(patch_body);
        }
        const Json::json_pointer rv_pointer("/metadata/resourceVersion");
        if (!apply && patch_body.is_object() && patch_body.contains(rv_pointer) &&
            patch_body[rv_pointer] != (*existing)[rv_pointer]) {
            return conflict(type, target.name,
                            "the object has been modified; please apply your changes to the "
                            "latest version and try again");
        }
        return finish_update(txn, target, *existing, std::move(patched), dry_run, internal);
    });
}

SimReply K8sApi::remove(const SimRequest& request, const Target& target, bool internal) {
    const ResourceType& type = *target.type;
    Json options = Json::object();
    if (!request.body.empty()) {
        try {
            options = Json::parse(request.body);
        } catch (const Json::parse_error& error) {
            return bad_request(std::string("error decoding DeleteOptions: ") + error.what());
        }
    }
    std::string policy = options.value("propagationPolicy", "");
    if (const std::string query = query_value(request, "propagationPolicy"); !query.empty()) {
        policy = query;
    }
    if (policy.empty() && options.value("orphanDependents", false)) {
        policy = "Orphan";
    }
    const bool dry_run = is_dry_run(request, options);
    return m_store.transact([&](Store::Txn& txn) {
        const auto existing = txn.get(type, target.ns, target.name);
        if (!existing) {
            return not_found(type, target.name);
        }
        const Json& metadata = (*existing)["metadata"];
        const Json preconditions = options.value("preconditions", Json::object());
        if (preconditions.contains("uid") && preconditions["uid"] != metadata["uid"]) {
            return conflict(type, target.name,
                            "the UID in the precondition (" +
                                preconditions["uid"].get<std::string>() +
                                ") does not match the UID in record (" + metadata.value("uid", "") +
                                "). The object might have been deleted and then recreated");
        }
        if (preconditions.contains("resourceVersion") &&
            preconditions["resourceVersion"] != metadata["resourceVersion"]) {
            return conflict(type, target.name,
                            "the ResourceVersion in the precondition (" +
                                preconditions["resourceVersion"].get<std::string>() +
                                ") does not match the ResourceVersion in record (" +
                                metadata.value("resourceVersion", "") +
                                "). The object might have been modified");
        }
        if (dry_run) {
            return json_reply(200, *existing);
        }
        guard("delete", type, *existing, internal);
        Json object = *existing;
        Json& meta = object["metadata"];
        if (type.kind == "Namespace") {
            if (!meta.contains("deletionTimestamp")) {
                meta["deletionTimestamp"] = format_time(m_options.now());
                object["status"]["phase"] = "Terminating";
                object = txn.put(type, std::move(object));
            }
            return json_reply(200, object);
        }
        const bool first = !meta.contains("deletionTimestamp");
        if (first && (policy == "Foreground" || policy == "Orphan")) {
            const std::string finalizer = policy == "Foreground" ? "foregroundDeletion" : "orphan";
            if (!meta.contains("finalizers")) {
                meta["finalizers"] = Json::array();
            }
            meta["finalizers"].push_back(finalizer);
        }
        if (has_finalizers(object)) {
            if (first) {
                meta["deletionTimestamp"] = format_time(m_options.now());
                meta["deletionGracePeriodSeconds"] = 0;
                object = txn.put(type, std::move(object));
            }
            return json_reply(200, object);
        }
        auto erased = txn.erase(type, target.ns, target.name);
        if (type.returns_deleted_object) {
            return json_reply(200, *erased);
        }
        Json details = details_of(type, target.name);
        details["uid"] = metadata["uid"];
        return json_reply(200, {{"kind", "Status"},
                                {"apiVersion", "v1"},
                                {"metadata", Json::object()},
                                {"status", "Success"},
                                {"details", details}});
    });
}

SimReply K8sApi::finalize_namespace(const SimRequest& request, const Target& target,
                                    bool internal) {
    const ResourceType& type = *target.type;
    auto parsed = parse_body(request, type);
    if (auto* error = std::get_if<SimReply>(&parsed)) {
        return *error;
    }
    const Json incoming = std::get<Json>(std::move(parsed));
    if (incoming["metadata"].value("name", "") != target.name) {
        return bad_request("the name of the object (" + incoming["metadata"].value("name", "") +
                           ") does not match the name on the URL (" + target.name + ")");
    }
    return m_store.transact([&](Store::Txn& txn) {
        const auto existing = txn.get(type, "", target.name);
        if (!existing) {
            return not_found(type, target.name);
        }
        Json result = *existing;
        result["spec"]["finalizers"] =
            incoming.value("spec", Json::object()).value("finalizers", Json::array());
        if (result == *existing) {
            return json_reply(200, *existing);
        }
        guard("update", type, *existing, internal);
        if (result["metadata"].contains("deletionTimestamp") && !has_finalizers(result)) {
            auto erased = txn.erase(type, "", target.name);
            return json_reply(200, erased.value_or(result));
        }
        return json_reply(200, txn.put(type, std::move(result)));
    });
}

SimReply K8sApi::pod_log(const SimRequest& request, const Target& target) {
    const auto pod = m_store.transact(
        [&](Store::Txn& txn) { return txn.get(*target.type, target.ns, target.name); });
    if (!pod) {
        return not_found(*target.type, target.name);
    }
    const Json containers = pod->value("spec", Json::object()).value("containers", Json::array());
    std::string container = query_value(request, "container");
    if (container.empty()) {
        if (containers.size() != 1) {
            std::string names;
            for (const Json& entry : containers) {
                names += (names.empty() ? "" : " ") + entry.value("name", "");
            }
            return bad_request("a container name must be specified for pod " + target.name +
                               ", choose one of: [" + names + "]");
        }
        container = containers[0].value("name", "");
    }
    const Json* spec = nullptr;
    for (const Json& entry : containers) {
        if (entry.value("name", "") == container) {
            spec = &entry;
        }
    }
    if (spec == nullptr) {
        return bad_request("container " + container + " is not valid for pod " + target.name);
    }
    // A container that has not started has no log yet (the kubelet answers so).
    bool started = false;
    const Json status = pod->value("status", Json::object());
    for (const Json& entry : status.value("containerStatuses", Json::array())) {
        if (entry.value("name", "") == container && entry.contains("state") &&
            !entry["state"].contains("waiting")) {
            started = true;
        }
    }
    if (!started) {
        return bad_request("container \"" + container + "\" in pod \"" + target.name +
                           "\" is waiting to start: ContainerCreating");
    }
    // The simulated process prints its PXSIM_LOG variable and nothing else.
    std::string text;
    for (const Json& variable : spec->value("env", Json::array())) {
        if (variable.value("name", "") == "PXSIM_LOG" && variable.contains("value") &&
            variable["value"].is_string()) {
            text = variable["value"].get<std::string>();
        }
    }
    if (!text.empty() && text.back() != '\n') {
        text += '\n';
    }
    const auto number = [&](const char* key) -> std::optional<long long> {
        const std::string value = query_value(request, key);
        if (value.empty()) {
            return std::nullopt;
        }
        try {
            return std::stoll(value);
        } catch (const std::exception&) {
            return -1;
        }
    };
    const auto tail = number("tailLines");
    const auto limit = number("limitBytes");
    if ((tail && *tail < 0) || (limit && *limit < 1)) {
        return status_reply(status_failure(
            422, "Invalid",
            std::string("PodLogOptions \"") + target.name + "\" is invalid: " +
                (tail && *tail < 0 ? "tailLines: Invalid value: must be greater than or equal to 0"
                                   : "limitBytes: Invalid value: must be greater than 0")));
    }
    if (tail) {
        // The last N lines: keep what follows the (N+1)-th newline from the end.
        std::size_t start = text.size();
        long long lines = 0;
        while (start > 0) {
            if (text[start - 1] == '\n' && start != text.size() && ++lines == *tail) {
                break;
            }
            --start;
        }
        if (*tail == 0) {
            start = text.size();
        }
        text.erase(0, start);
    }
    if (limit && static_cast<std::size_t>(*limit) < text.size()) {
        text.resize(static_cast<std::size_t>(*limit));
    }
    SimReply reply;
    reply.content_type = "text/plain";
    reply.body = std::move(text);
    return reply;
}

SimReply K8sApi::scale(const SimRequest& request, const Target& target, bool internal) {
    const ResourceType& type = *target.type;
    const auto to_scale = [&](const Json& object) {
        const Json& metadata = object["metadata"];
        Json spec = Json::object();
        const int replicas = object["spec"].value("replicas", 0);
        if (replicas != 0) {
            spec["replicas"] = replicas;
        }
        Json status = {{"selector", selector_to_string(object["spec"].value("selector", Json()))}};
        if (object.contains("status") && object["status"].value("replicas", 0) != 0) {
            status["replicas"] = object["status"]["replicas"];
        } else {
            status["replicas"] = 0;
        }
        return Json{{"apiVersion", "autoscaling/v1"},
                    {"kind", "Scale"},
                    {"metadata",
                     {{"name", metadata["name"]},
                      {"namespace", metadata["namespace"]},
                      {"uid", metadata["uid"]},
                      {"resourceVersion", metadata["resourceVersion"]},
                      {"creationTimestamp", metadata["creationTimestamp"]}}},
                    {"spec", spec},
                    {"status", status}};
    };
    const std::string media = media_type(request);
    Json body;
    if (request.method == "PUT" || request.method == "PATCH") {
        try {
            body = Json::parse(request.body);
        } catch (const Json::parse_error& error) {
            return bad_request(std::string("error decoding Scale: ") + error.what());
        }
    } else if (request.method != "GET") {
        return status_reply(status_failure(405, "MethodNotAllowed",
                                           "the server does not allow this method on the "
                                           "requested resource"));
    }
    return m_store.transact([&](Store::Txn& txn) {
        const auto existing = txn.get(type, target.ns, target.name);
        if (!existing) {
            return not_found(type, target.name);
        }
        if (request.method == "GET") {
            return json_reply(200, to_scale(*existing));
        }
        Json current = to_scale(*existing);
        if (request.method == "PUT") {
            const std::string rv = body["metadata"].value("resourceVersion", "");
            if (!rv.empty() && rv != (*existing)["metadata"].value("resourceVersion", "")) {
                return conflict(type, target.name,
                                "the object has been modified; please apply your changes to "
                                "the latest version and try again");
            }
            current = body;
        } else if (media == "application/json-patch+json") {
            current = current.patch(body);
        } else {
            current.merge_patch(body);
        }
        Json updated = *existing;
        const Json::json_pointer replicas("/spec/replicas");
        updated["spec"]["replicas"] = current.contains(replicas) ? current[replicas] : Json(0);
        Target main = target;
        main.subresource.clear();
        SimReply reply =
            finish_update(txn, main, *existing, std::move(updated), is_dry_run(request), internal);
        if (reply.status != 200) {
            return reply;
        }
        return json_reply(200, to_scale(Json::parse(reply.body)));
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
