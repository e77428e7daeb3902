#include "pxclone/util/names.hpp"

#include <string>

#include <doctest/doctest.h>

using namespace pxclone::util;

TEST_CASE("DNS-1123 labels") {
    CHECK_FALSE(check_dns1123_label("prod"));
    CHECK_FALSE(check_dns1123_label("orders-stg-42"));
    CHECK_FALSE(check_dns1123_label("0day"));
    CHECK_FALSE(check_dns1123_label(std::string(63, 'a')));
    CHECK(check_dns1123_label(std::string(64, 'a')) == "must be at most 63 characters (is 64)");
    CHECK(check_dns1123_label("") == "must not be empty");
    CHECK(check_dns1123_label("Prod") == "must be lower case");
    CHECK(check_dns1123_label("-prod").has_value());
    CHECK(check_dns1123_label("prod-").has_value());
    CHECK(check_dns1123_label("pr_od").has_value());
    CHECK(check_dns1123_label("a.b").has_value());
}

TEST_CASE("DNS-1123 subdomains") {
    CHECK_FALSE(check_dns1123_subdomain("mongo-data-mongo-0"));
    CHECK_FALSE(check_dns1123_subdomain("data.v1.example"));
    CHECK(check_dns1123_subdomain("a..b").has_value());
    CHECK(check_dns1123_subdomain(".a").has_value());
    CHECK(check_dns1123_subdomain("a-.b").has_value());
    CHECK(check_dns1123_subdomain("Mongo").has_value());
    CHECK(check_dns1123_subdomain(std::string(254, 'a')).has_value());
}

TEST_CASE("label keys and values") {
    CHECK_FALSE(check_label_key("app"));
    CHECK_FALSE(check_label_key("app.kubernetes.io/name"));
    CHECK_FALSE(check_label_key("Tier_1.x"));
    CHECK(check_label_key("-app").has_value());
    CHECK(check_label_key("app/").has_value());
    CHECK(check_label_key("Example.com/app").has_value());
    CHECK_FALSE(check_label_value(""));
    CHECK_FALSE(check_label_value("Mongo_7.0"));
    CHECK(check_label_value("mongo db").has_value());
    CHECK(check_label_value(std::string(64, 'a')).has_value());
}

TEST_CASE("environment variable names") {
    CHECK_FALSE(check_env_var_name("MASK_SALT"));
    CHECK_FALSE(check_env_var_name("my.var-1"));
    CHECK(check_env_var_name("1ABC").has_value());
    CHECK(check_env_var_name("A B").has_value());
    CHECK(is_shell_variable_name("_X1"));
    CHECK_FALSE(is_shell_variable_name("X-1"));
    CHECK_FALSE(is_shell_variable_name("9X"));
    CHECK_FALSE(is_shell_variable_name(""));
}

TEST_CASE("to_label_safe makes any text a label value") {
    CHECK(to_label_safe("Demo") == "demo");
    CHECK(to_label_safe("orders:3f2a-11ee/x") == "orders-3f2a-11ee-x");
    CHECK(to_label_safe("--a__b--") == "a-b");
    CHECK(to_label_safe("___") == "");
    const auto cut = to_label_safe(std::string(60, 'a') + "---bbbb");
    CHECK(cut.size() <= 63);
    CHECK(cut.back() != '-');
    CHECK_FALSE(check_label_value(cut));
    CHECK_FALSE(check_dns1123_label(cut));
}
