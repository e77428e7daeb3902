// pxsim's Kubernetes API server, the requests that write: create, update, patch (merge, JSON,
// strategic as merge, server-side apply), delete with finalizers and propagation, and a
// namespace's finalize.
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

} // namespace

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

} // namespace pxsim
