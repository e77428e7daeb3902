#include "pxclone/profile/loader.hpp"
#include "pxclone/util/file.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <doctest/doctest.h>

using namespace std::chrono_literals;
using namespace pxclone::profile;

namespace {

struct Fixture {
    pxclone::util::MapEnvironment env;
    std::vector<std::string> existing_files;

    LoadOptions options(std::string file = "dir/pxclone.yaml") const {
        LoadOptions o;
        o.file = std::move(file);
        o.substitution.environment = &env;
        o.substitution.run_id = "42";
        o.substitution.git_sha = "abc1234";
        o.substitution.build_id = "b-7";
        o.file_problem = [this](const std::string& path) -> std::optional<std::string> {
            if (std::find(existing_files.begin(), existing_files.end(), path) !=
                existing_files.end()) {
                return std::nullopt;
            }
            return "does not exist";
        };
        return o;
    }
    LoadResult load(std::string_view text) const { return load_profile(text, options()); }
};

constexpr std::string_view k_minimal = "version: 1\n"
                                       "name: orders\n"
                                       "source:\n"
                                       "  namespace: prod\n"
                                       "  pvcs: [mongo-data-mongo-0]\n";

std::vector<std::string> lines_of(const LoadResult& result) {
    return format_all(result.diagnostics);
}

std::string joined(const LoadResult& result) {
    std::string text;
    for (const auto& line : lines_of(result)) {
        text += line + "\n";
    }
    return text;
}

} // namespace

TEST_CASE("a minimal profile gets every default") {
    const Fixture f;
    const auto result = f.load(k_minimal);
    REQUIRE_MESSAGE(result.profile, joined(result));
    const auto& p = *result.profile;
    CHECK(p.name == "orders");
    CHECK(p.base_dir == "dir");
    CHECK(p.cluster.context.empty());
    CHECK(p.portworx.endpoint.kind == pxclone::px::Endpoint::Kind::service_proxy);
    CHECK(p.portworx.endpoint.text == "service:kube-system/portworx-api:9021");
    CHECK_FALSE(p.portworx.token);
    CHECK_FALSE(p.portworx.insecure);
    CHECK(p.source.pvcs == std::vector<std::string>{"mongo-data-mongo-0"});
    CHECK(p.snapshot.method == SnapshotMethod::portworx);
    CHECK(p.snapshot.keep == 5);
    CHECK(p.snapshot.timeout == 10min);
    CHECK(p.staging.staging_namespace == "orders-stg-42");
    CHECK(p.staging.ttl == 24h);
    CHECK(p.staging.wait.timeout == 10min);
    CHECK_FALSE(p.staging.mask);
    CHECK(staging_pvc_name(p, "mongo-data-mongo-0") == "mongo-data-mongo-0");
}

TEST_CASE("a full profile is read into every field") {
    Fixture f;
    f.existing_files = {"dir/manifests/db.yaml",
                        "dir/manifests/app.yaml",
                        "dir/mask/mask.js",
                        "dir/scripts/lock.sh",
                        "dir/ca.pem",
                        "/etc/kube/config"};
    f.env.set("ECR_REPO", "ecr.example/orders");
    const auto result = f.load(R"(version: 1
name: orders
cluster: {context: prod-eks, kubeconfig: /etc/kube/config}
portworx:
  endpoint: https://px.example.com:9021/
  token: {secret: kube-system/px-admin, key: auth-token}
  ca_file: ca.pem
  insecure: true
source:
  namespace: prod
  selector: {app.kubernetes.io/name: mongo, tier: "1"}
  hooks:
    pre: [{run: [./scripts/lock.sh, --all], timeout: 30s}]
    post: [{run: [echo, done]}]
snapshot: {method: csi, class: px-csi-snapclass, keep: 2, timeout: 1h30m}
staging:
  namespace: ${profile.name}-${run.id}-${git.sha}
  ttl: 2h
  storage_class: px-db
  volumes: {mongo-data-mongo-0: db}
  manifests: [manifests/db.yaml, manifests/app.yaml]
  images: {app: "${env.ECR_REPO}:${build.id}"}
  mask:
    after: manifests/db.yaml
    image: mongo:7
    command: [mongosh, /masking/mask.js]
    env: {SALT: x}
    files: [mask/mask.js]
    timeout: 5m
  wait: {timeout: 3m}
)");
    REQUIRE_MESSAGE(result.profile, joined(result));
    const auto& p = *result.profile;
    CHECK(p.cluster.kubeconfig == "/etc/kube/config");
    CHECK(p.portworx.endpoint.kind == pxclone::px::Endpoint::Kind::direct);
    CHECK(p.portworx.endpoint.url == "https://px.example.com:9021");
    const auto* secret = std::get_if<KubeSecret>(&*p.portworx.token);
    REQUIRE(secret != nullptr);
    CHECK(secret->secret_namespace == "kube-system");
    CHECK(secret->name == "px-admin");
    CHECK(secret->key == "auth-token");
    CHECK(p.portworx.insecure);
    CHECK(p.source.selector.at("tier") == "1");
    REQUIRE(p.source.hooks.pre.size() == 1);
    CHECK(p.source.hooks.pre[0].run == std::vector<std::string>{"./scripts/lock.sh", "--all"});
    CHECK(p.source.hooks.pre[0].timeout == 30s);
    CHECK(p.source.hooks.post[0].timeout == 5min);
    CHECK(p.snapshot.method == SnapshotMethod::csi);
    CHECK(p.snapshot.snapshot_class == "px-csi-snapclass");
    CHECK(p.snapshot.keep == 2);
    CHECK(p.snapshot.timeout == 90min);
    CHECK(p.staging.staging_namespace == "orders-42-abc1234");
    CHECK(p.staging.ttl == 2h);
    CHECK(staging_pvc_name(p, "mongo-data-mongo-0") == "db");
    CHECK(p.staging.images.at("app") == "ecr.example/orders:b-7");
    REQUIRE(p.staging.mask);
    CHECK(p.staging.mask->after == "manifests/db.yaml");
    CHECK(p.staging.mask->env.at("SALT") == "x");
    CHECK(p.staging.mask->timeout == 5min);
    CHECK(p.staging.wait.timeout == 3min);
    CHECK(resolve_path(p, "manifests/db.yaml") == "dir/manifests/db.yaml");
    CHECK(resolve_path(p, "/abs") == "/abs");
}

TEST_CASE("portworx.endpoint is read by the client's parser: what one accepts, so does the other") {
    const Fixture f;
    const auto with = [&f](std::string_view endpoint) {
        return f.load(std::string(k_minimal) + "portworx:\n  endpoint: " + std::string(endpoint) +
                      "\n");
    };
    const auto named = with("service:px/https:portworx-api:px-api");
    REQUIRE_MESSAGE(named.profile, joined(named));
    CHECK(named.profile->portworx.endpoint.ns == "px");
    CHECK(named.profile->portworx.endpoint.scheme == "https");
    CHECK(named.profile->portworx.endpoint.port == "px-api");
    CHECK(pxclone::px::base_url(named.profile->portworx.endpoint, "https://k") ==
          "https://k/api/v1/namespaces/px/services/https:portworx-api:px-api/proxy");

    const auto bad = with("service:kube-system/portworx-api:70000");
    CHECK_FALSE(bad.profile);
    REQUIRE(lines_of(bad).size() == 1);
    CHECK(lines_of(bad)[0].find("7:13: portworx.endpoint: 'service:kube-system/portworx-api:70000' "
                                "is not an endpoint: \"70000\" is not a port; expected") !=
          std::string::npos);
}

TEST_CASE("secret references: env and file") {
    const Fixture f;
    auto result = f.load(std::string(k_minimal) + "portworx: {token: {env: PX_TOKEN}}\n");
    REQUIRE_MESSAGE(result.profile, joined(result));
    CHECK(std::get<EnvSecret>(*result.profile->portworx.token).name == "PX_TOKEN");
    result = f.load(std::string(k_minimal) + "portworx: {token: {file: /run/secrets/px}}\n");
    REQUIRE_MESSAGE(result.profile, joined(result));
    CHECK(std::get<FileSecret>(*result.profile->portworx.token).path == "/run/secrets/px");
}

TEST_CASE("inline secrets are refused without echoing them") {
    const Fixture f;
    const auto result = f.load(std::string(k_minimal) + "portworx:\n  token: eyJhbGciOi.xyz\n");
    CHECK_FALSE(result.profile);
    const auto text = joined(result);
    CHECK(text.find("dir/pxclone.yaml:7:10: portworx.token: inline secrets are refused") !=
          std::string::npos);
    CHECK(text.find("eyJ") == std::string::npos);
}

TEST_CASE("every problem is reported at once, in file order, with line and column") {
    const Fixture f;
    const auto result = f.load(R"(version: 1
name: orders
source:
  namespace: Prod
  pvcs: [ok, Not_OK]
snapshot: {keep: many, method: csy}
staging: {volums: {}, ttl: forever}
)");
    CHECK_FALSE(result.profile);
    const auto lines = lines_of(result);
    REQUIRE(lines.size() == 6);
    CHECK(lines[0] ==
          "dir/pxclone.yaml:4:14: source.namespace: 'Prod' is not a valid namespace: must be "
          "lower case");
    CHECK(lines[1].starts_with("dir/pxclone.yaml:5:14: source.pvcs[1]: 'Not_OK'"));
    CHECK(lines[2] == "dir/pxclone.yaml:6:18: snapshot.keep: expected a whole number, got 'many'");
    CHECK(lines[3] == "dir/pxclone.yaml:6:32: snapshot.method: unknown method 'csy' (did you "
                      "mean 'csi'?); use portworx or csi");
    CHECK(lines[4] ==
          "dir/pxclone.yaml:7:11: staging.volums: unknown key (did you mean 'volumes'?)");
    CHECK(lines[5].starts_with("dir/pxclone.yaml:7:28: staging.ttl: 'forever' is not a duration"));
}

TEST_CASE("duplicate keys are found at every level") {
    const Fixture f;
    const auto result = f.load("version: 1\nname: a\nname: b\nsource:\n  namespace: prod\n"
                               "  pvcs: [x]\nstaging: {images: {app: a, app: b}}\n");
    const auto lines = lines_of(result);
    REQUIRE(lines.size() == 2);
    CHECK(lines[0] == "dir/pxclone.yaml:3:1: name: duplicate key (first given at line 2)");
    CHECK(lines[1] ==
          "dir/pxclone.yaml:7:28: staging.images.app: duplicate key (first given at line 7)");
}

TEST_CASE("required keys and types") {
    const Fixture f;
    auto lines = lines_of(f.load("name: orders\nsource: {namespace: prod}\n"));
    REQUIRE(lines.size() == 2);
    CHECK(lines[0] ==
          "dir/pxclone.yaml:1:1: version: required key is missing (write 'version: 1')");
    CHECK(lines[1].find("source: name the volumes") != std::string::npos);

    lines = lines_of(f.load(std::string(k_minimal) + "portworx: {insecure: \"true\"}\n"));
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find("expected true or false") != std::string::npos);

    lines = lines_of(f.load(std::string(k_minimal) + "snapshot: {keep: \"5\"}\n"));
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find("snapshot.keep: expected a whole number") != std::string::npos);

    lines = lines_of(f.load(std::string(k_minimal) + "staging: {manifests: a.yaml}\n"));
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find("staging.manifests: expected a list") != std::string::npos);
}

TEST_CASE("local files are checked relative to the profile's directory") {
    Fixture f;
    f.existing_files = {"dir/m/db.yaml"};
    const auto result =
        f.load(std::string(k_minimal) + "staging: {manifests: [m/db.yaml, m/app.yaml]}\n");
    const auto lines = lines_of(result);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].starts_with("dir/pxclone.yaml:6:34: staging.manifests[1]: file 'm/app.yaml' "
                               "does not exist"));
}

TEST_CASE("substitution errors name the variable and the place") {
    const Fixture f;
    const auto lines = lines_of(
        f.load(std::string(k_minimal) + "staging:\n  images: {app: \"${env.ECR_REPO}:1\"}\n"));
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].starts_with("dir/pxclone.yaml:7:17: staging.images.app: ${env.ECR_REPO}: "
                               "environment variable ECR_REPO is not set"));
}

TEST_CASE("syntax errors become one clean diagnostic") {
    const Fixture f;
    auto lines = lines_of(f.load("version: 1\nname: [a, b\n"));
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].starts_with("dir/pxclone.yaml:"));
    CHECK(lines[0].find("invalid YAML: a '[' is never closed with ']'") != std::string::npos);

    lines = lines_of(f.load("version: 1\nname: orders\n\tsource: x\n"));
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] ==
          "dir/pxclone.yaml:3:1: tab character in indentation (YAML indents with spaces)");

    lines = lines_of(f.load("version: 1\nname: 'orders\n"));
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] == "dir/pxclone.yaml:2:7: invalid YAML: a quoted string is never closed");
}

TEST_CASE("empty, binary, huge and deeply nested inputs are refused quickly") {
    const Fixture f;
    for (const std::string_view text : {"", "   \n", "# only a comment\n", "---\n"}) {
        const auto lines = lines_of(f.load(text));
        REQUIRE(lines.size() == 1);
        CHECK(lines[0].find("the profile is empty") != std::string::npos);
    }
    auto lines = lines_of(f.load(std::string("version: 1\n\x01\x02", 13)));
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] == "dir/pxclone.yaml:2:1: not a YAML text file (byte 0x01 here; profiles are "
                      "UTF-8 text)");
    lines = lines_of(f.load("name: \xC3\x28\n"));
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find("byte 0xC3") != std::string::npos);

    lines = lines_of(f.load(std::string(k_max_profile_bytes + 1, '#')));
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find("file is too large") != std::string::npos);

    lines = lines_of(f.load("a: " + std::string(5000, '[') + std::string(5000, ']') + "\n"));
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find("nested more than 32 levels") != std::string::npos);

    std::string block;
    for (int i = 0; i < 40; ++i) {
        block += std::string(static_cast<std::size_t>(i) * 2, ' ') + "k:\n";
    }
    lines = lines_of(f.load(block));
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find("nested more than 32 levels") != std::string::npos);
}

TEST_CASE("alias cycles, alias bombs and aliases nesting too deep are one diagnostic each") {
    const Fixture f;
    // These ended pxclone validate with SIGSEGV: yaml-cpp made the node contain itself.
    auto lines = lines_of(f.load("a: &a [*a]\n"));
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] == "dir/pxclone.yaml:1:8: alias '*a' refers to the node that contains it (a "
                      "cycle without end)");
    lines = lines_of(f.load(std::string(k_minimal) + "staging: &s\n  images: {app: *s}\n"));
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].starts_with("dir/pxclone.yaml:7:17: alias '*s' refers to the node"));

    std::string bomb = std::string(k_minimal) + "x0: &x0 [a, a, a, a, a, a, a, a, a]\n";
    for (int i = 1; i < 9; ++i) {
        bomb += "x" + std::to_string(i) + ": &x" + std::to_string(i) + " [";
        for (int k = 0; k < 9; ++k) {
            bomb += (k == 0 ? "*x" : ", *x") + std::to_string(i - 1);
        }
        bomb += "]\n";
    }
    lines = lines_of(f.load(bomb));
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find("aliases expand to more than 1000000 values") != std::string::npos);

    std::string chain = std::string(k_minimal) + "x0: &x0 [[[[1]]]]\n";
    for (int i = 1; i < 20; ++i) {
        chain += "x" + std::to_string(i) + ": &x" + std::to_string(i) + " [[[[*x" +
                 std::to_string(i - 1) + "]]]]\n";
    }
    lines = lines_of(f.load(chain));
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find("nested more than 32 levels deep, counting what aliases expand to") !=
          std::string::npos);
}

TEST_CASE("block scalars do not count as nesting") {
    Fixture f;
    std::string script = "|\n";
    for (int i = 0; i < 40; ++i) {
        script += std::string(static_cast<std::size_t>(i) + 6, ' ') + "line\n";
    }
    const auto result = f.load(std::string(k_minimal) +
                               "staging:\n  mask:\n    image: m\n    command:\n    - sh\n"
                               "    - -c\n    - " +
                               script);
    CHECK_MESSAGE(result.profile, joined(result));
}

TEST_CASE("the number of diagnostics is capped") {
    const Fixture f;
    std::string text = std::string(k_minimal) + "staging:\n  images:\n";
    for (int i = 0; i < 300; ++i) {
        text += "    Bad_" + std::to_string(i) + ": x\n";
    }
    const auto result = f.load(text);
    REQUIRE(result.diagnostics.size() == k_max_diagnostics + 1);
    CHECK(result.diagnostics.back().message == "... and 200 more problems");
}

TEST_CASE("the staging namespace may not be the source namespace") {
    const Fixture f;
    const auto lines = lines_of(f.load(std::string(k_minimal) + "staging: {namespace: prod}\n"));
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find("must differ from source.namespace") != std::string::npos);
}

TEST_CASE("every example profile is valid") {
    namespace fs = std::filesystem;
    int found = 0;
    for (const auto& entry : fs::recursive_directory_iterator(PXCLONE_SOURCE_DIR "/examples")) {
        if (entry.path().filename() != "pxclone.yaml") {
            continue;
        }
        ++found;
        std::ifstream in(entry.path());
        std::stringstream text;
        text << in.rdbuf();
        Fixture f;
        auto options = f.options(entry.path().string());
        options.file_problem = pxclone::util::file_problem;
        const auto result = load_profile(text.str(), options);
        CHECK_MESSAGE(result.profile, (entry.path().string() + "\n" + joined(result)));
    }
    CHECK(found >= 1);
}

TEST_CASE("staging.role_binding: the ServiceAccount NAMESPACE/NAME, checked") {
    const Fixture f;
    auto result = f.load(std::string(k_minimal) + "staging: {role_binding: ci/pxclone}\n");
    REQUIRE_MESSAGE(result.profile, joined(result));
    REQUIRE(result.profile->staging.role_binding);
    CHECK(result.profile->staging.role_binding->ns == "ci");
    CHECK(result.profile->staging.role_binding->name == "pxclone");
    result = f.load(std::string(k_minimal));
    REQUIRE(result.profile);
    CHECK_FALSE(result.profile->staging.role_binding);
    result = f.load(std::string(k_minimal) + "staging: {role_binding: pxclone}\n");
    CHECK_FALSE(result.profile);
    CHECK(joined(result).find("staging.role_binding: 'pxclone' must be the ServiceAccount "
                              "NAMESPACE/NAME") != std::string::npos);
    result = f.load(std::string(k_minimal) + "staging: {role_binding: CI/pxclone}\n");
    CHECK_FALSE(result.profile);
    CHECK(joined(result).find("staging.role_binding: 'CI' is not a valid namespace") !=
          std::string::npos);
}

TEST_CASE("staging.pool: a label value; the namespace is claimed, so it takes none") {
    const Fixture f;
    auto result = f.load(std::string(k_minimal) + "staging: {pool: ci-pool}\n");
    REQUIRE_MESSAGE(result.profile, joined(result));
    CHECK(result.profile->staging.pool == "ci-pool");
    CHECK(result.profile->staging.staging_namespace.empty());
    CHECK(result.profile->staging.scoped());
    result = f.load(std::string(k_minimal) + "staging: {pool: Not_A_Label!}\n");
    CHECK_FALSE(result.profile);
    CHECK(joined(result).find("staging.pool: 'Not_A_Label!' is not a valid pool name") !=
          std::string::npos);
}

TEST_CASE("staging.pool excludes staging.namespace, role_binding and cluster, each named") {
    const Fixture f;
    const auto result =
        f.load(std::string(k_minimal) +
               "staging:\n  pool: ci\n  namespace: stg\n  role_binding: ci/pxclone\n");
    CHECK_FALSE(result.profile);
    const auto text = joined(result);
    CHECK_MESSAGE(text.find(":8:14: staging.namespace: cannot be set with staging.pool: the "
                            "namespace is claimed from the pool") != std::string::npos,
                  text);
    CHECK_MESSAGE(text.find("staging.role_binding: cannot be set with staging.pool: an admin "
                            "binds the staging role in each pool namespace") != std::string::npos,
                  text);
}
