// pxsim's Kubernetes API server, the pods/log and scale subresources.
#include <algorithm>

#include "k8s_api_internal.hpp"

namespace pxsim {

using namespace k8s;

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

} // namespace pxsim
