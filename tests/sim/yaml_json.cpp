#include "yaml_json.hpp"

#include <regex>
#include <stdexcept>

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

nlohmann::json to_json(const YAML::Node& node) {
    switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
        return nullptr;
    case YAML::NodeType::Scalar:
        return scalar_to_json(node);
    case YAML::NodeType::Sequence: {
        nlohmann::json array = nlohmann::json::array();
        for (const YAML::Node& item : node) {
            array.push_back(to_json(item));
        }
        return array;
    }
    case YAML::NodeType::Map: {
        nlohmann::json object = nlohmann::json::object();
        for (const auto& entry : node) {
            object[entry.first.as<std::string>()] = to_json(entry.second);
        }
        return object;
    }
    }
    return nullptr;
}

} // namespace

std::vector<nlohmann::json> parse_yaml_documents(const std::string& text) {
    std::vector<nlohmann::json> documents;
    try {
        for (const YAML::Node& node : YAML::LoadAll(text)) {
            if (!node.IsNull()) {
                documents.push_back(to_json(node));
            }
        }
    } catch (const YAML::Exception& error) {
        throw std::runtime_error(error.what());
    }
    return documents;
}

} // namespace pxsim
