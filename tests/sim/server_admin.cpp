// pxsim's server, the admin endpoints under /_sim: state, requests, violations, reset, deny
// rules, idle, volume data.
#include "controllers.hpp"
#include "server.hpp"
#include "server_internal.hpp"

namespace pxsim {

using namespace srv;

std::optional<SimReply> Server::admin(const SimRequest& request) {
    if (request.path.rfind("/_sim/", 0) != 0) {
        return std::nullopt;
    }
    if (request.path == "/_sim/state" && request.method == "GET") {
        return json_reply(200, {{"kubernetes", m_store.dump()},
                                {"portworx", m_px->dump()},
                                {"portworx_cloud", m_px->dump_cloud()},
                                {"resourceVersion", std::to_string(m_store.resource_version())}});
    }
    if (request.path == "/_sim/requests" && request.method == "GET") {
        return json_reply(200, requests());
    }
    if (request.path == "/_sim/violations" && request.method == "GET") {
        return json_reply(200, violations());
    }
    if (request.path == "/_sim/idle" && request.method == "GET") {
        // Until no request is being handled (at most 10 s): whatever a client sent before it
        // died has then been carried out and logged.
        std::unique_lock lock(m_busy_mutex);
        const bool idle =
            m_busy_changed.wait_for(lock, std::chrono::seconds(10), [this] { return m_busy == 0; });
        return json_reply(idle ? 200 : 503, {{"idle", idle}, {"busy", m_busy}});
    }
    if (request.path.rfind("/_sim/volume-data/", 0) == 0 && request.method == "PUT") {
        const auto id = request.path.substr(std::string("/_sim/volume-data/").size());
        if (!m_px->write_data(id, request.body)) {
            return json_reply(404, {{"error", "no volume " + id}});
        }
        return json_reply(200, Json::object());
    }
    if (request.path == "/_sim/deny" && request.method == "GET") {
        Json rules = Json::array();
        for (const DenyRule& rule : m_authorizer.rules()) {
            rules.push_back(rule.text);
        }
        return json_reply(200, rules);
    }
    if (request.path == "/_sim/deny" && request.method == "PUT") {
        // The whole set at once: `[]` clears it.
        std::vector<DenyRule> rules;
        try {
            const Json texts = Json::parse(request.body);
            if (!texts.is_array()) {
                throw std::invalid_argument("the body must be a JSON array of rule strings");
            }
            for (const Json& text : texts) {
                if (!text.is_string()) {
                    throw std::invalid_argument("not a rule string: " + text.dump());
                }
                rules.push_back(parse_deny_rule(text.get<std::string>()));
            }
        } catch (const std::exception& error) {
            return json_reply(400, {{"error", error.what()}});
        }
        m_authorizer.set_rules(std::move(rules));
        return json_reply(200, Json::object());
    }
    if (request.path == "/_sim/reset" && request.method == "POST") {
        if (m_controllers) {
            m_controllers->stop();
        }
        m_store.clear();
        m_px->reset();
        {
            std::lock_guard lock(m_record_mutex);
            m_requests.clear();
            m_violations.clear();
        }
        load_state();
        if (m_controllers) {
            m_controllers =
                std::make_unique<Controllers>(m_store, *m_k8s, *m_px, m_latency, *m_faults);
            m_controllers->start();
        }
        return json_reply(200, Json::object());
    }
    SimReply reply;
    reply.status = 404;
    reply.content_type = "text/plain";
    reply.body = "404 page not found\n";
    return reply;
}

} // namespace pxsim
