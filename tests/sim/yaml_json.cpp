#include "yaml_json.hpp"

#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace pxsim {

namespace {

nlohmann::json scalar_to_json(const YAML::Node& node) {
    const std::string& text = node.Scalar();
    if (node.Tag() != "?") {
        return text; // quoted or explicitly tagged: a string
    }
    static const std::regex k_int(R"(^[-+]?[0-9]+$)");
    static const std::regex k_float(R"(^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$)");
    if (text == "null" || text == "Null" || text == "NULL" || text == "~" || text.empty()) {
        return nullptr;
    }
    if (text == "true" || text == "True" || text == "TRUE") {
        return true;
    }
    if (text == "false" || text == "False" || text == "FALSE") {
        return false;
    }
    if (std::regex_match(text, k_int)) {
        try {
            return std::stoll(text);
        } catch (const std::out_of_range&) {
            return text;
        }
    }
    if (std::regex_match(text, k_float)) {
        return std::stod(text);
    }
    return text;
}

// Converts one document, bounding the walk: yaml-cpp makes an alias to an anchor whose node is
// still open (`a: &a [*a]`) a node that contains itself, and nested anchors that each alias the
// previous one many times expand without end. pxsim shares no code with pxclone (its guard is
// profile::check_events), so it stops such a walk itself: a node met inside itself, more than
// k_max_depth levels or more than k_max_nodes values end in an error naming the place.
class Converter {
public:
    nlohmann::json convert(const YAML::Node& node) {
        if (++m_nodes > k_max_nodes) {
            fail(node, "aliases expand to more than " + std::to_string(k_max_nodes) + " values");
        }
        switch (node.Type()) {
        case YAML::NodeType::Null:
        case YAML::NodeType::Undefined:
            return nullptr;
        case YAML::NodeType::Scalar:
            return scalar_to_json(node);
        case YAML::NodeType::Sequence:
        case YAML::NodeType::Map:
            break;
        }
        for (const auto& open : m_open) {
            if (open.is(node)) {
                fail(node, "an alias refers to the node that contains it (a cycle without end)");
            }
        }
        if (m_open.size() >= k_max_depth) {
            fail(node, "nested more than " + std::to_string(k_max_depth) + " levels deep");
        }
        m_open.push_back(node);
        auto json = node.IsSequence() ? sequence(node) : map(node);
        m_open.pop_back();
        return json;
    }

private:
    static constexpr std::size_t k_max_nodes = 1'000'000;
    static constexpr std::size_t k_max_depth = 256;

    [[noreturn]] static void fail(const YAML::Node& node, const std::string& message) {
        const auto mark = node.Mark();
        throw std::runtime_error("line " + std::to_string(mark.line + 1) + ", column " +
                                 std::to_string(mark.column + 1) + ": " + message);
    }

    nlohmann::json sequence(const YAML::Node& node) {
        nlohmann::json array = nlohmann::json::array();
        for (const YAML::Node& item : node) {
            array.push_back(convert(item));
        }
        return array;
    }

    nlohmann::json map(const YAML::Node& node) {
        nlohmann::json object = nlohmann::json::object();
        for (const auto& entry : node) {
            object[entry.first.as<std::string>()] = convert(entry.second);
        }
        return object;
    }

    std::vector<YAML::Node> m_open;
    std::size_t m_nodes = 0;
};

} // namespace

std::vector<nlohmann::json> parse_yaml_documents(const std::string& text) {
    std::vector<nlohmann::json> documents;
    try {
        Converter converter;
        for (const YAML::Node& node : YAML::LoadAll(text)) {
            if (!node.IsNull()) {
                documents.push_back(converter.convert(node));
            }
        }
    } catch (const YAML::Exception& error) {
        throw std::runtime_error(error.what());
    }
    return documents;
}

} // namespace pxsim
