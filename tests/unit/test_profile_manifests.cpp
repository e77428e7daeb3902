#include "pxclone/profile/manifests.hpp"
#include "pxclone/util/environment.hpp"

#include <fstream>
#include <sstream>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "support/temp_dir.hpp"

using namespace pxclone;
using namespace pxclone::profile;
using nlohmann::json;

namespace {

struct Fixture {
    util::MapEnvironment environment{{{"ECR_REPO", "123.dkr.ecr/orders"}, {"REPLICAS", "3"}}};
    SubstitutionContext context{.environment = &environment,
                                .run_id = "1234",
                                .profile_name = "orders",
                                .git_sha = "abc123",
                                .build_id = "b-77"};

    ManifestParse parse(std::string_view text) const {
        return parse_manifests(text, "manifests/app.yaml", context);
    }
};

} // namespace

TEST_CASE("core schema scalars: YAML 1.2 types, 1.1 surprises stay strings") {
    CHECK(core_schema_scalar("3") == json(3));
    CHECK(core_schema_scalar("-12") == json(-12));
    CHECK(core_schema_scalar("0o17") == json(15));
    CHECK(core_schema_scalar("0x1F") == json(31));
    CHECK(core_schema_scalar("1.5") == json(1.5));
    CHECK(core_schema_scalar("1e3") == json(1000.0));
    CHECK(core_schema_scalar("true") == json(true));
    CHECK(core_schema_scalar("FALSE") == json(false));
    CHECK(core_schema_scalar("null").is_null());
    CHECK(core_schema_scalar("~").is_null());
    CHECK(core_schema_scalar("yes") == json("yes"));
    CHECK(core_schema_scalar("on") == json("on"));
    CHECK(core_schema_scalar("0777") == json(777)); // 1.2: decimal, not octal
    CHECK(core_schema_scalar("20Gi") == json("20Gi"));
    CHECK(core_schema_scalar("1.2.3") == json("1.2.3"));
    CHECK(core_schema_scalar("-9223372036854775808") == json(INT64_MIN));
    CHECK(core_schema_scalar(".inf").get<double>() > 1e308);
    CHECK(core_schema_scalar("1e999").get<double>() > 1e308);
    CHECK(core_schema_scalar("99999999999999999999").get<double>() == doctest::Approx(1e20));
    CHECK(core_schema_scalar("0o7777777777777777777777").get<double>() > 9e18);
    CHECK(core_schema_scalar("0xFFFFFFFFFFFFFFFFFF").get<double>() > 4e21);
    CHECK(core_schema_scalar("-0x1F") == json("-0x1F")); // 1.2 core: hex has no sign
}

TEST_CASE("a multi-document file becomes objects in order; quoted scalars stay strings") {
    const Fixture fixture;
    const auto parsed = fixture.parse(R"(# leading comment
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  port: "8080"
  debug: "true"
---
---
# only a comment
---
apiVersion: v1
kind: Service
metadata: {name: orders}
spec:
  ports: [{port: 80, targetPort: http}]
  publishNotReadyAddresses: true
)");
    REQUIRE(parsed.diagnostics.empty());
    const auto& objects = parsed.manifests.objects;
    REQUIRE(objects.size() == 2);
    CHECK(parsed.manifests.file == "manifests/app.yaml");
    CHECK(objects[0].object["kind"] == "ConfigMap");
    CHECK(objects[0].object["data"]["port"] == json("8080"));
    CHECK(objects[0].object["data"]["debug"] == json("true"));
    CHECK(objects[0].line == 2);
    CHECK(objects[0].document == 0);
    CHECK(objects[1].object["spec"]["ports"][0]["port"] == json(80));
    CHECK(objects[1].object["spec"]["publishNotReadyAddresses"] == json(true));
    CHECK(objects[1].line == 13);
    CHECK(objects[1].document == 3);
}

TEST_CASE("substitution applies to values, before typing; keys are left alone") {
    const Fixture fixture;
    const auto parsed = fixture.parse(R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders-${run.id}
  labels: {"${run.id}": x}
spec:
  replicas: ${env.REPLICAS}
  template:
    spec:
      containers:
        - name: app
          image: "${env.ECR_REPO}:${build.id}"
          args: ["$${literal}"]
)");
    REQUIRE(parsed.diagnostics.empty());
    const auto& object = parsed.manifests.objects.at(0).object;
    CHECK(object["metadata"]["name"] == "orders-1234");
    CHECK(object["metadata"]["labels"].contains("${run.id}"));
    CHECK(object["spec"]["replicas"] == json(3));
    const auto& container = object["spec"]["template"]["spec"]["containers"][0];
    CHECK(container["image"] == "123.dkr.ecr/orders:b-77");
    CHECK(container["args"][0] == "${literal}");
}

TEST_CASE("an unresolvable reference is a diagnostic at its place") {
    const Fixture fixture;
    const auto parsed = fixture.parse("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"
                                      "data:\n  token: ${env.MISSING}\n");
    REQUIRE(parsed.diagnostics.size() == 1);
    const auto& diagnostic = parsed.diagnostics[0];
    CHECK(diagnostic.file == "manifests/app.yaml");
    CHECK(diagnostic.line == 6);
    CHECK(diagnostic.column == 10);
    CHECK(diagnostic.path == "data.token");
    CHECK(diagnostic.message.find("MISSING") != std::string::npos);
}

TEST_CASE("a List is expanded into its items") {
    const Fixture fixture;
    const auto parsed = fixture.parse(R"(apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: a}
  - apiVersion: v1
    kind: Secret
    metadata: {name: b}
)");
    REQUIRE(parsed.diagnostics.empty());
    REQUIRE(parsed.manifests.objects.size() == 2);
    CHECK(parsed.manifests.objects[0].object["metadata"]["name"] == "a");
    CHECK(parsed.manifests.objects[1].object["kind"] == "Secret");
    CHECK(parsed.manifests.objects[1].line == 7);
}

TEST_CASE("syntax errors name file, line and column, never yaml-cpp's text") {
    const Fixture fixture;
    const auto parsed = fixture.parse("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n");
    REQUIRE(parsed.diagnostics.size() == 1);
    const auto text = parsed.diagnostics[0].format();
    CHECK(text.starts_with("manifests/app.yaml:"));
    CHECK(parsed.diagnostics[0].line > 0);
    CHECK(text.find("invalid YAML") != std::string::npos);
    CHECK(text.find("yaml-cpp") == std::string::npos);
}

TEST_CASE("structural problems are each reported") {
    const Fixture fixture;
    SUBCASE("not a mapping") {
        const auto parsed = fixture.parse("- a\n- b\n");
        REQUIRE(parsed.diagnostics.size() == 1);
        CHECK(parsed.diagnostics[0].message.find("mapping") != std::string::npos);
    }
    SUBCASE("no kind") {
        const auto parsed = fixture.parse("apiVersion: v1\nmetadata: {name: x}\n");
        REQUIRE(parsed.diagnostics.size() == 1);
        CHECK(parsed.diagnostics[0].path == "kind");
    }
    SUBCASE("duplicate key") {
        const auto parsed =
            fixture.parse("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\nkind: Secret\n");
        REQUIRE(parsed.diagnostics.size() == 1);
        CHECK(parsed.diagnostics[0].line == 4);
        CHECK(parsed.diagnostics[0].message == "duplicate key");
    }
    SUBCASE("merge key") {
        const auto parsed = fixture.parse("apiVersion: v1\nkind: ConfigMap\nbase: &b {a: 1}\n"
                                          "data:\n  <<: *b\n");
        REQUIRE(parsed.diagnostics.size() == 1);
        CHECK(parsed.diagnostics[0].message.find("merge keys") != std::string::npos);
    }
    SUBCASE("binary data") {
        const auto parsed = fixture.parse(std::string("apiVersion: v1\n\x01kind: x\n", 24));
        REQUIRE(parsed.diagnostics.size() == 1);
        CHECK(parsed.diagnostics[0].line == 2);
    }
    SUBCASE("two documents, two problems") {
        const auto parsed = fixture.parse("apiVersion: v1\n---\nkind: ConfigMap\n");
        CHECK(parsed.diagnostics.size() == 2);
    }
}

TEST_CASE("aliases that expand without end are refused") {
    const Fixture fixture;
    std::string text = "apiVersion: v1\nkind: ConfigMap\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (int i = 1; i < 9; ++i) {
        text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
        for (int k = 0; k < 10; ++k) {
            text += (k == 0 ? "*a" : ", *a") + std::to_string(i - 1);
        }
        text += "]\n";
    }
    const auto parsed = fixture.parse(text);
    REQUIRE_FALSE(parsed.diagnostics.empty());
    CHECK(parsed.diagnostics[0].message.find("aliases") != std::string::npos);
    CHECK(parsed.manifests.objects.empty());
}

TEST_CASE("an alias inside the node it names is refused at its place, not followed") {
    // Each made yaml-cpp build a node that contains itself; converting it overflowed the stack.
    const Fixture fixture;
    for (const auto* text : {"apiVersion: v1\nkind: ConfigMap\ndata: &d {a: *d}\n",
                             "apiVersion: v1\nkind: ConfigMap\nitems: &i [*i]\n",
                             "&o\napiVersion: v1\nkind: ConfigMap\nself: *o\n"}) {
        CAPTURE(text);
        const auto parsed = fixture.parse(text);
        REQUIRE(parsed.diagnostics.size() == 1);
        CHECK(parsed.diagnostics[0].file == "manifests/app.yaml");
        CHECK(parsed.diagnostics[0].line >= 3);
        CHECK(parsed.diagnostics[0].message.find("refers to the node that contains it") !=
              std::string::npos);
        CHECK(parsed.manifests.objects.empty());
    }
}

TEST_CASE("the example manifests parse") {
    const Fixture fixture;
    for (const auto* name : {"mongo.yaml", "app.yaml"}) {
        const auto text = pxclone::test::read_file(std::string(PXCLONE_SOURCE_DIR) +
                                                   "/examples/mongodb/manifests/" + name);
        REQUIRE_FALSE(text.empty());
        const auto parsed = parse_manifests(text, name, fixture.context);
        CHECK(parsed.diagnostics.empty());
        CHECK(parsed.manifests.objects.size() == 2);
    }
}

TEST_CASE("an unclosed quote at the end of the file and tab indentation are refused") {
    const Fixture fixture;
    const auto unclosed = fixture.parse("apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                                        "  name: x\ndata:\n  a: \"open\n");
    REQUIRE_FALSE(unclosed.diagnostics.empty());
    CHECK(unclosed.diagnostics[0].line == 6);
    CHECK(unclosed.diagnostics[0].message.find("never closed") != std::string::npos);
    const auto tabs = fixture.parse("apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n");
    REQUIRE_FALSE(tabs.diagnostics.empty());
    CHECK(tabs.diagnostics[0].line == 4);
}

TEST_CASE("mutated manifests give diagnostics or objects, never exceptions") {
    const Fixture fixture;
    const auto original = pxclone::test::read_file(std::string(PXCLONE_SOURCE_DIR) +
                                                   "/examples/mongodb/manifests/mongo.yaml");
    REQUIRE_FALSE(original.empty());
    const std::string alphabet = " \n-:#'\"[]{}&*!|>%@`,?~0123456789abcxyz\t\\";
    std::uint32_t state = 12345; // a fixed seed: the same variants on every run
    const auto next = [&state] {
        state = state * 1664525U + 1013904223U;
        return state >> 8;
    };
    std::size_t with_objects = 0;
    for (int variant = 0; variant < 300; ++variant) {
        auto text = original;
        for (int edit = 0; edit < 3; ++edit) {
            const auto at = next() % text.size();
            const char c = alphabet[next() % alphabet.size()];
            switch (next() % 3) {
            case 0:
                text[at] = c;
                break;
            case 1:
                text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), c);
                break;
            default:
                text.erase(at, 1);
                break;
            }
        }
        ManifestParse parsed;
        CHECK_NOTHROW(parsed = fixture.parse(text));
        for (const auto& diagnostic : parsed.diagnostics) {
            CHECK(diagnostic.file == "manifests/app.yaml");
        }
        with_objects += parsed.diagnostics.empty() ? 1 : 0;
    }
    CHECK(with_objects > 0); // the mutations are small enough that some still parse
}

TEST_CASE(
    "texts on which yaml-cpp 0.7 never returns are refused promptly (fuzz_profile findings)") {
    // Before the shared guards, parse_manifests never returned on these (LoadAll allocated until
    // memory ran out); a regression makes this test hang until ctest's timeout fails it.
    const Fixture fixture;
    const auto comma = fixture.parse(", a:7\n- b\n");
    REQUIRE(comma.diagnostics.size() == 1);
    CHECK(comma.diagnostics[0].line == 1);
    CHECK(comma.diagnostics[0].column == 1);
    CHECK(comma.diagnostics[0].message.starts_with("invalid YAML: ',' cannot start a value here"));
    CHECK(comma.manifests.objects.empty());

    const auto stuck = fixture.parse(pxclone::test::read_file(
        std::string(PXCLONE_SOURCE_DIR) + "/tests/fuzz/corpus/profile/regression-tag-comma-hang"));
    REQUIRE(stuck.diagnostics.size() == 1);
    CHECK(stuck.diagnostics[0].message.find("text the YAML parser cannot get past") !=
          std::string::npos);
    CHECK(stuck.manifests.objects.empty());
}

TEST_CASE("more documents than the limit are refused; empty documents count") {
    const Fixture fixture;
    std::string text;
    for (int i = 0; i <= k_max_manifest_documents; ++i) {
        text += "---\n";
    }
    const auto parsed = fixture.parse(text);
    REQUIRE(parsed.diagnostics.size() == 1);
    CHECK(parsed.diagnostics[0].message.find(fmt::format(
              "more than {} documents", k_max_manifest_documents)) != std::string::npos);
}

TEST_CASE("nesting deeper than the limit is refused before yaml-cpp reads it") {
    const Fixture fixture;
    std::string text = "apiVersion: v1\nkind: ConfigMap\n";
    for (int depth = 0; depth <= k_max_manifest_depth; ++depth) {
        text += std::string(static_cast<std::size_t>(depth) * 2, ' ') + "k:\n";
    }
    const auto parsed = fixture.parse(text);
    REQUIRE(parsed.diagnostics.size() == 1);
    CHECK(parsed.diagnostics[0].message ==
          fmt::format("nested more than {} levels", k_max_manifest_depth));
    CHECK(parsed.diagnostics[0].line > 2);
}
