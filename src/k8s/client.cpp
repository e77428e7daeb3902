#include "pxclone/k8s/client.hpp"

#include "pxclone/k8s/paths.hpp"
#include "pxclone/util/json.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

namespace pxclone::k8s {

namespace {

using nlohmann::json;

constexpr const char* k_json = "application/json";
constexpr const char* k_apply_patch = "application/apply-patch+yaml";
constexpr const char* k_merge_patch = "application/merge-patch+json";
constexpr const char* k_field_manager = "pxclone";
constexpr int k_max_list_restarts = 2;

bool success(int status) {
    return status >= 200 && status < 300;
}

Query write_query(const WriteOptions& options) {
    Query query;
    if (options.dry_run) {
        query.add("dryRun", "All");
    }
    return query;
}

json parse_object(const http::Response& response, const Resource& resource, std::string_view ns,
                  std::string_view name, std::string_view verb) {
    auto parsed = util::parse_json(response.body);
    if (parsed.is_discarded() || !parsed.is_object()) {
        Status status;
        status.code = response.status;
        throw ApiError(response.status, std::move(status),
                       fmt::format("{}: {}: HTTP {} with a reply that is not JSON",
                                   describe_object(resource, ns, name), verb, response.status),
                       "something between pxclone and the API server answered instead of it");
    }
    return parsed;
}

std::string required_name(const Resource& resource, const json& object, std::string_view verb) {
    auto name = string_field(object, "/metadata/name");
    if (name.empty()) {
        throw std::invalid_argument(
            fmt::format("{} {}: the object has no metadata.name", verb, resource.plural));
    }
    return name;
}

} // namespace

Client::Client(http::Transport& transport, std::string server)
    : m_transport(transport), m_server(std::move(server)) {
    while (!m_server.empty() && m_server.back() == '/') {
        m_server.pop_back();
    }
}

http::Response Client::send(http::Method method, const std::string& path_and_query,
                            const std::string& content_type, std::string body, bool idempotent,
                            const char* accept) const {
    http::Request request;
    request.method = method;
    request.url = m_server + path_and_query;
    request.headers.emplace_back("Accept", accept);
    if (!content_type.empty()) {
        request.headers.emplace_back("Content-Type", content_type);
    }
    request.body = std::move(body);
    request.api = "k8s";
    request.idempotent = idempotent;
    return m_transport.send(request);
}

std::optional<json> Client::get(const Resource& resource, std::string_view ns,
                                std::string_view name) const {
    const auto response = send(http::Method::get, item_path(resource, ns, name), {}, {}, true);
    if (success(response.status)) {
        return parse_object(response, resource, ns, name, "get");
    }
    auto error = make_api_error(response, resource, ns, name, "get");
    if (response.status == 404 && error.is_not_found()) {
        return std::nullopt;
    }
    throw error;
}

json Client::get_required(const Resource& resource, std::string_view ns,
                          std::string_view name) const {
    auto object = get(resource, ns, name);
    if (!object) {
        Status status;
        status.code = 404;
        status.reason = "NotFound";
        throw ApiError(404, std::move(status),
                       fmt::format("{} not found", describe_object(resource, ns, name)));
    }
    return std::move(*object);
}

ObjectList Client::list(const Resource& resource, std::string_view ns,
                        const ListOptions& options) const {
    ObjectList out;
    std::string continue_token;
    int restarts = 0;
    for (;;) {
        Query query;
        query.add_if("labelSelector", options.label_selector)
            .add_if("fieldSelector", options.field_selector);
        if (options.page_size > 0) {
            query.add("limit", std::to_string(options.page_size));
        }
        query.add_if("continue", continue_token);
        const auto response =
            send(http::Method::get, collection_path(resource, ns) + query.str(), {}, {}, true);
        if (!success(response.status)) {
            auto error = make_api_error(response, resource, ns, {}, "list");
            // A continue token expires after a few minutes (410 Expired): the pages already read
            // belong to an old snapshot, so start over, as client-go's pager does.
            if (error.is_gone() && !continue_token.empty() && restarts < k_max_list_restarts) {
                ++restarts;
                out = ObjectList{};
                continue_token.clear();
                continue;
            }
            throw error;
        }
        const auto page = parse_object(response, resource, ns, {}, "list");
        const auto malformed = [&](std::string_view why) {
            Status status;
            status.code = response.status;
            return ApiError(response.status, std::move(status),
                            fmt::format("{}: list: HTTP {} with a reply that is not a list ({})",
                                        describe_object(resource, ns, {}), response.status, why),
                            "something between pxclone and the API server answered instead of it");
        };
        if (const auto items = page.find("items"); items != page.end() && !items->is_null()) {
            if (!items->is_array()) {
                throw malformed("items is not an array");
            }
            for (const auto& item : *items) {
                if (!item.is_object()) {
                    throw malformed("an item is not an object");
                }
                out.items.push_back(item);
            }
        }
        if (out.resource_version.empty()) {
            out.resource_version = string_field(page, "/metadata/resourceVersion");
        }
        auto next = string_field(page, "/metadata/continue");
        if (next.empty()) {
            return out;
        }
        if (next == continue_token) {
            // A server that hands out the same page again would keep pxclone paging forever.
            throw malformed("the continue token did not change");
        }
        continue_token = std::move(next);
    }
}

CreateResult Client::create(const Resource& resource, std::string_view ns, const json& object,
                            const WriteOptions& options) const {
    const auto name = string_field(object, "/metadata/name");
    const auto response =
        send(http::Method::post, collection_path(resource, ns) + write_query(options).str(), k_json,
             object.dump(), false);
    if (success(response.status)) {
        return {CreateOutcome::created, parse_object(response, resource, ns, name, "create")};
    }
    auto error = make_api_error(response, resource, ns, name, "create");
    if (response.status == 409 && error.is_already_exists()) {
        return {CreateOutcome::already_exists, nullptr};
    }
    throw error;
}

AdoptResult Client::create_or_adopt(const Resource& resource, std::string_view ns,
                                    const json& object, const Labels& ownership,
                                    const WriteOptions& options) const {
    const auto name = required_name(resource, object, "create");
    auto created = create(resource, ns, object, options);
    if (created.outcome == CreateOutcome::created) {
        return {std::move(created.object), true};
    }
    auto existing = get(resource, ns, name);
    if (!existing) {
        // Deleted between the 409 and the GET (a teardown racing us): one more create decides.
        created = create(resource, ns, object, options);
        if (created.outcome == CreateOutcome::created) {
            return {std::move(created.object), true};
        }
        existing = get_required(resource, ns, name);
    }
    if (!has_labels(*existing, ownership)) {
        throw Error(
            ExitCode::failed,
            fmt::format("{} already exists and was not made by pxclone for this run",
                        describe_object(resource, ns, name)),
            fmt::format("it lacks the labels {}; delete or rename it", label_selector(ownership)));
    }
    return {std::move(*existing), false};
}

json Client::apply(const Resource& resource, std::string_view ns, const json& object,
                   const WriteOptions& options) const {
    const auto name = required_name(resource, object, "apply");
    auto query = write_query(options);
    query.add("fieldManager", k_field_manager).add("force", "true");
    const auto response = send(http::Method::patch, item_path(resource, ns, name) + query.str(),
                               k_apply_patch, object.dump(), true);
    if (!success(response.status)) {
        throw make_api_error(response, resource, ns, name, "apply");
    }
    return parse_object(response, resource, ns, name, "apply");
}

json Client::update(const Resource& resource, std::string_view ns, const json& object,
                    const WriteOptions& options) const {
    const auto name = required_name(resource, object, "update");
    // With a resourceVersion a repeated PUT is refused as a Conflict, never applied twice.
    const auto response =
        send(http::Method::put, item_path(resource, ns, name) + write_query(options).str(), k_json,
             object.dump(), true);
    if (!success(response.status)) {
        throw make_api_error(response, resource, ns, name, "update");
    }
    return parse_object(response, resource, ns, name, "update");
}

json Client::update_with_retry(const Resource& resource, std::string_view ns, std::string_view name,
                               const std::function<bool(json&)>& mutate,
                               const WriteOptions& options, int max_attempts) const {
    for (int attempt = 1;; ++attempt) {
        auto object = get_required(resource, ns, name);
        if (!mutate(object)) {
            return object;
        }
        try {
            return update(resource, ns, object, options);
        } catch (const ApiError& error) {
            if (!error.is_conflict() || attempt >= max_attempts) {
                throw;
            }
        }
    }
}

json Client::merge_patch(const Resource& resource, std::string_view ns, std::string_view name,
                         const json& patch, const WriteOptions& options) const {
    const auto response =
        send(http::Method::patch, item_path(resource, ns, name) + write_query(options).str(),
             k_merge_patch, patch.dump(), true);
    if (!success(response.status)) {
        throw make_api_error(response, resource, ns, name, "patch");
    }
    return parse_object(response, resource, ns, name, "patch");
}

bool Client::remove(const Resource& resource, std::string_view ns, std::string_view name,
                    const DeleteOptions& options) const {
    json body = {{"kind", "DeleteOptions"},
                 {"apiVersion", "v1"},
                 {"propagationPolicy", options.propagation_policy}};
    if (!options.precondition_uid.empty()) {
        body["preconditions"] = {{"uid", options.precondition_uid}};
    }
    WriteOptions write;
    write.dry_run = options.dry_run;
    const auto response =
        send(http::Method::del, item_path(resource, ns, name) + write_query(write).str(), k_json,
             body.dump(), true);
    if (success(response.status)) {
        return true;
    }
    auto error = make_api_error(response, resource, ns, name, "delete");
    if (response.status == 404 && error.is_not_found()) {
        return false;
    }
    throw error;
}

json Client::get_scale(const Resource& resource, std::string_view ns, std::string_view name) const {
    const auto response =
        send(http::Method::get, subresource_path(resource, ns, name, "scale"), {}, {}, true);
    if (!success(response.status)) {
        throw make_api_error(response, resource, ns, name, "get scale");
    }
    return parse_object(response, resource, ns, name, "get scale");
}

std::string Client::pod_log(std::string_view ns, std::string_view pod, std::string_view container,
                            int tail_lines, int limit_bytes) const {
    const auto& pods = resource_of("Pod");
    Query query;
    query.add_if("container", std::string(container))
        .add("tailLines", std::to_string(tail_lines))
        .add("limitBytes", std::to_string(limit_bytes));
    // The log is text/plain; errors are Status objects (JSON).
    const auto response =
        send(http::Method::get, subresource_path(pods, ns, pod, "log") + query.str(), {}, {}, true,
             "text/plain, application/json");
    if (!success(response.status)) {
        throw make_api_error(response, pods, ns, pod, "get log");
    }
    return response.body;
}

json Client::set_replicas(const Resource& resource, std::string_view ns, std::string_view name,
                          int replicas, const WriteOptions& options) const {
    const json patch = {{"spec", {{"replicas", replicas}}}};
    const auto response =
        send(http::Method::patch,
             subresource_path(resource, ns, name, "scale") + write_query(options).str(),
             k_merge_patch, patch.dump(), true);
    if (!success(response.status)) {
        throw make_api_error(response, resource, ns, name, "scale");
    }
    return parse_object(response, resource, ns, name, "scale");
}

http::Response Client::stream_get(const std::string& path_and_query,
                                  std::chrono::milliseconds timeout,
                                  const http::ChunkHandler& on_chunk) const {
    http::Request request;
    request.method = http::Method::get;
    request.url = m_server + path_and_query;
    request.headers.emplace_back("Accept", k_json);
    request.api = "k8s";
    request.idempotent = true;
    request.timeout = timeout;
    return m_transport.stream(request, on_chunk);
}

int scale_replicas(const json& scale) {
    const auto spec = scale.find("spec");
    if (spec == scale.end() || !spec->is_object()) {
        return 0;
    }
    const auto replicas = spec->find("replicas");
    return replicas != spec->end() && replicas->is_number_integer() ? replicas->get<int>() : 0;
}

bool has_labels(const json& object, const Labels& labels) {
    const auto metadata = object.find("metadata");
    if (metadata == object.end() || !metadata->is_object()) {
        return labels.empty();
    }
    const auto present = metadata->find("labels");
    for (const auto& [key, value] : labels) {
        if (present == metadata->end() || !present->is_object()) {
            return false;
        }
        const auto it = present->find(key);
        if (it == present->end() || !it->is_string() || it->get<std::string>() != value) {
            return false;
        }
    }
    return true;
}

std::string string_field(const json& object, std::string_view pointer) {
    const json* node = &object;
    std::size_t at = 0;
    while (at < pointer.size() && pointer[at] == '/') {
        const auto end = std::min(pointer.find('/', at + 1), pointer.size());
        const auto key = pointer.substr(at + 1, end - at - 1);
        if (!node->is_object()) {
            return {};
        }
        const auto it = node->find(key);
        if (it == node->end()) {
            return {};
        }
        node = &*it;
        at = end;
    }
    return node->is_string() ? node->get<std::string>() : std::string{};
}

} // namespace pxclone::k8s
