#include "pxclone/util/json.hpp"

namespace pxclone::util {

namespace {

// Thrown by the parser's callback to stop at the first level too deep, before it is built.
struct TooDeep {};

} // namespace

nlohmann::json parse_json(std::string_view text) {
    const auto bounded = [](int depth, nlohmann::json::parse_event_t event, nlohmann::json&) {
        if (depth >= k_max_json_depth && (event == nlohmann::json::parse_event_t::object_start ||
                                          event == nlohmann::json::parse_event_t::array_start)) {
            throw TooDeep{};
        }
        return true;
    };
    try {
        return nlohmann::json::parse(text, bounded, false);
    } catch (const TooDeep&) {
        return nlohmann::json(nlohmann::json::value_t::discarded);
    }
}

} // namespace pxclone::util
