#include "px_volumes.hpp"

namespace pxsim::px {

Json to_json(const Volume& volume, bool attached) {
    Json locator = {{"name", volume.name}};
    if (!volume.labels.empty()) {
        locator["volume_labels"] = volume.labels;
    }
    Json source = Json::object();
    if (!volume.parent.empty()) {
        source["parent"] = volume.parent;
    }
    Json body = {{"id", volume.id},
                 {"source", source},
                 {"locator", locator},
                 {"ctime", format_timestamp(volume.ctime)},
                 {"spec", volume.spec},
                 {"last_scan", format_timestamp(volume.ctime)},
                 {"format", volume.format},
                 {"status", "VOLUME_STATUS_UP"},
                 {"state", attached ? "VOLUME_STATE_ATTACHED" : "VOLUME_STATE_AVAILABLE"}};
    if (attached) {
        body["attached_on"] = k_node_id;
    }
    Json reply = {{"volume", body}, {"name", volume.name}};
    if (!volume.labels.empty()) {
        reply["labels"] = volume.labels;
    }
    return reply;
}

std::string not_found_message(const std::string& id) {
    return "Volume id " + id + " not found";
}

} // namespace pxsim::px
