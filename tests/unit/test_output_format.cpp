#include "pxclone/output/format.hpp"

#include <sstream>
#include <stdexcept>

#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

using pxclone::output::print_env;
using pxclone::output::print_yaml;
using pxclone::output::yaml_needs_quotes;

namespace {

std::string yaml_of(const nlohmann::json& value) {
    std::ostringstream out;
    print_yaml(value, out);
    return out.str();
}

// Reads YAML back into JSON the way a strict reader types plain scalars (YAML 1.1 booleans and
// nulls included); quoted scalars are always strings.
nlohmann::json read_back(const YAML::Node& node) {
    switch (node.Type()) {
    case YAML::NodeType::Map: {
        auto object = nlohmann::json::object();
        for (const auto& pair : node) {
            object[pair.first.Scalar()] = read_back(pair.second);
        }
        return object;
    }
    case YAML::NodeType::Sequence: {
        auto array = nlohmann::json::array();
        for (const auto& item : node) {
            array.push_back(read_back(item));
        }
        return array;
    }
    case YAML::NodeType::Null:
        return nullptr;
    default:
        break;
    }
    if (node.Tag() != "?") {
        return node.Scalar();
    }
    bool flag = false;
    if (YAML::convert<bool>::decode(node, flag)) {
        return flag;
    }
    long long integer = 0;
    if (YAML::convert<long long>::decode(node, integer)) {
        return integer;
    }
    double number = 0;
    if (YAML::convert<double>::decode(node, number)) {
        return number;
    }
    return node.Scalar();
}

} // namespace

TEST_CASE("strings that look like other types survive a YAML round trip") {
    const nlohmann::json value = {
        {"bools", {"true", "false", "yes", "no", "on", "off", "y", "n", "True", "NO", "Off"}},
        {"nulls", {"null", "~", "", "Null", "NULL"}},
        {"numbers",
         {"0123", "1.5", "42", "-7", "+3", "1e3", ".5", "-.inf", ".NaN", "0x1F", "0o17", "1_000",
          "12:30:00", "2001-12-14", "2001-12-14t21:59:43.10-05:00"}},
        {"plain",
         {"10m", "1h30m", "mongo:7", "orders-stg-42", "3-replicas", "v1.2.3", "x y", "a: b",
          "- item", "# not a comment", "key: {x}", "'quoted'", "\"dq\"", "é"}},
        {"0123", "a key that looks like a number"},
        {"true", "a key that looks like a boolean"},
    };
    const auto text = yaml_of(value);
    CHECK(read_back(YAML::Load(text)) == value);
}

TEST_CASE("numbers, booleans and null stay typed") {
    const nlohmann::json value = {{"keep", 5},
                                  {"ratio", 1.5},
                                  {"insecure", false},
                                  {"none", nullptr},
                                  {"big", 1LL << 40},
                                  {"negative", -3},
                                  {"empty_map", nlohmann::json::object()},
                                  {"empty_list", nlohmann::json::array()}};
    const auto text = yaml_of(value);
    CHECK(text.find("keep: 5\n") != std::string::npos);
    CHECK(text.find("insecure: false\n") != std::string::npos);
    CHECK(text.find("empty_map: {}") != std::string::npos);
    CHECK(text.find("empty_list: []") != std::string::npos);
    CHECK(read_back(YAML::Load(text)) == value);
}

TEST_CASE("ordered JSON keeps its key order in YAML") {
    nlohmann::ordered_json value;
    value["version"] = 1;
    value["name"] = "orders";
    value["apply"] = true;
    std::ostringstream out;
    print_yaml(value, out);
    CHECK(out.str() == "version: 1\nname: orders\napply: true\n");
}

TEST_CASE("yaml_needs_quotes is conservative but not noisy") {
    CHECK(yaml_needs_quotes("yes"));
    CHECK(yaml_needs_quotes("0123"));
    CHECK(yaml_needs_quotes(""));
    CHECK_FALSE(yaml_needs_quotes("10m"));
    CHECK_FALSE(yaml_needs_quotes("orders"));
    CHECK_FALSE(yaml_needs_quotes("mongo-data-mongo-0"));
}

TEST_CASE("print_env writes shell-safe single-quoted lines") {
    std::ostringstream out;
    print_env({{"PXCLONE_RUN_ID", "42"},
               {"QUOTE", "it's $HOME `x` \"y\""},
               {"EMPTY", ""},
               {"MULTI", "a\nb"}},
              out);
    CHECK(out.str() == "PXCLONE_RUN_ID='42'\n"
                       "QUOTE='it'\\''s $HOME `x` \"y\"'\n"
                       "EMPTY=''\n"
                       "MULTI='a\nb'\n");
}

TEST_CASE("print_env refuses keys a shell cannot assign") {
    std::ostringstream out;
    CHECK_THROWS_AS(print_env({{"1X", "v"}}, out), std::invalid_argument);
    CHECK_THROWS_AS(print_env({{"A-B", "v"}}, out), std::invalid_argument);
    CHECK_THROWS_AS(print_env({{"", "v"}}, out), std::invalid_argument);
    CHECK_THROWS_AS(print_env({{"A", std::string("a\0b", 3)}}, out), std::invalid_argument);
    CHECK(out.str().empty());
}
