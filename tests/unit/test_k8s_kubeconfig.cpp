#include "pxclone/error.hpp"
#include "pxclone/k8s/kubeconfig.hpp"
#include "pxclone/util/base64.hpp"

#include <doctest/doctest.h>

#include "support/temp_dir.hpp"

using namespace pxclone;

namespace {

const char* const k_dev_config = R"(apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: dev-cluster
  cluster:
    server: https://dev.example:6443/
    certificate-authority: certs/ca.crt
    tls-server-name: api.dev.example
    proxy-url: http://proxy:3128
users:
- name: dev-user
  user:
    token: dev-token
contexts:
- name: dev
  context: {cluster: dev-cluster, user: dev-user, namespace: team-a}
- name: nons
  context: {cluster: dev-cluster, user: dev-user}
)";

const char* const k_prod_config = R"(current-context: prod
clusters:
- name: dev-cluster
  cluster: {server: https://shadowed.example}
- name: prod-cluster
  cluster:
    server: https://prod.example
    insecure-skip-tls-verify: true
users:
- name: dev-user
  user: {token: shadowed-token}
- name: prod-user
  user:
    client-certificate: pki/user.crt
    client-key: pki/user.key
contexts:
- name: prod
  context: {cluster: prod-cluster, user: prod-user}
- name: dev
  context: {cluster: prod-cluster, user: prod-user, namespace: shadowed}
)";

struct Fixture {
    test::TempDir dir;
    util::MapEnvironment env;
    k8s::KubeconfigOptions options;
    Fixture() {
        options.env = &env;
        options.in_cluster_root = dir.path() / "root";
        env.set("HOME", (dir.path() / "home").string());
    }
    k8s::ClusterConfig load() { return k8s::load_cluster_config(options); }
};

template <typename E>
std::string message_of(Fixture& f) {
    try {
        f.load();
    } catch (const E& error) {
        return error.what();
    }
    FAIL("expected an error");
    return {};
}

} // namespace

TEST_CASE("~/.kube/config is used when KUBECONFIG is unset and relative paths resolve per file") {
    Fixture f;
    f.dir.write("home/.kube/config", k_dev_config);
    f.dir.write("home/.kube/certs/ca.crt", "PEM");
    const auto config = f.load();
    CHECK(config.server == "https://dev.example:6443");
    CHECK(config.context == "dev");
    CHECK(config.default_namespace == "team-a");
    CHECK(config.auth.token == "dev-token");
    CHECK(config.tls.ca_file == (f.dir.path() / "home/.kube/certs/ca.crt").string());
    CHECK(config.tls.server_name == "api.dev.example");
    CHECK(config.proxy_url == "http://proxy:3128");
    CHECK_FALSE(config.in_cluster);
}

TEST_CASE("--context overrides current-context and no namespace means default") {
    Fixture f;
    f.dir.write("home/.kube/config", k_dev_config);
    f.dir.write("home/.kube/certs/ca.crt", "PEM");
    f.options.context = "nons";
    CHECK(f.load().default_namespace == "default");
}

TEST_CASE("KUBECONFIG files merge first-wins per name, skipping missing files") {
    Fixture f;
    const auto dev = f.dir.write("a/dev.yaml", k_dev_config);
    f.dir.write("a/certs/ca.crt", "PEM");
    const auto prod = f.dir.write("b/prod.yaml", k_prod_config);
    f.dir.write("b/pki/user.crt", "CERT");
    f.dir.write("b/pki/user.key", "KEY");
    f.env.set("KUBECONFIG",
              (f.dir.path() / "missing.yaml").string() + "::" + dev.string() + ":" + prod.string());

    // current-context comes from the first file that sets it; dev's definitions win.
    auto config = f.load();
    CHECK(config.context == "dev");
    CHECK(config.server == "https://dev.example:6443");
    CHECK(config.default_namespace == "team-a");
    CHECK(config.auth.token == "dev-token");

    // prod's entries are reachable; its relative paths resolve against prod.yaml's directory.
    f.options.context = "prod";
    config = f.load();
    CHECK(config.server == "https://prod.example");
    CHECK(config.tls.insecure_skip_verify);
    CHECK(config.tls.cert_file == (f.dir.path() / "b/pki/user.crt").string());
    CHECK(config.tls.key_file == (f.dir.path() / "b/pki/user.key").string());
    CHECK(config.origin.find("prod.yaml") != std::string::npos);
}

TEST_CASE("--kubeconfig uses that file only and it must exist") {
    Fixture f;
    f.dir.write("home/.kube/config", k_dev_config);
    const auto prod = f.dir.write("prod.yaml", k_prod_config);
    f.dir.write("pki/user.crt", "CERT");
    f.dir.write("pki/user.key", "KEY");
    f.options.explicit_path = prod.string();
    CHECK(f.load().context == "prod");
    f.options.context = "nons"; // only in the home file, which is not merged
    CHECK(message_of<NotFoundError>(f).find("context \"nons\"") != std::string::npos);
    f.options.explicit_path = (f.dir.path() / "nope.yaml").string();
    CHECK(message_of<NotFoundError>(f).find("nope.yaml (--kubeconfig) does not exist") !=
          std::string::npos);
}

TEST_CASE("*-data fields are decoded and exec entries are parsed with their env") {
    Fixture f;
    const auto ca = util::base64_encode("CA-PEM");
    const auto cert = util::base64_encode("CERT-PEM");
    const auto key = util::base64_encode("KEY-PEM");
    f.dir.write("home/.kube/config",
                "current-context: eks\n"
                "clusters:\n- name: c\n  cluster:\n"
                "    server: https://eks.example\n"
                "    certificate-authority-data: " +
                    ca +
                    "\n"
                    "users:\n- name: u\n  user:\n"
                    "    client-certificate-data: " +
                    cert +
                    "\n"
                    "    client-key-data: " +
                    key +
                    "\n"
                    "    exec:\n"
                    "      apiVersion: client.authentication.k8s.io/v1beta1\n"
                    "      command: aws\n"
                    "      args: [eks, get-token, --cluster-name, prod]\n"
                    "      env: [{name: AWS_PROFILE, value: ci}]\n"
                    "      installHint: install the aws cli\n"
                    "contexts:\n- name: eks\n  context: {cluster: c, user: u}\n");
    const auto config = f.load();
    CHECK(config.tls.ca_pem == "CA-PEM");
    CHECK(config.tls.cert_pem == "CERT-PEM");
    CHECK(config.tls.key_pem == "KEY-PEM");
    REQUIRE(config.auth.exec.has_value());
    CHECK(config.auth.exec->command == "aws");
    CHECK(config.auth.exec->args ==
          std::vector<std::string>{"eks", "get-token", "--cluster-name", "prod"});
    CHECK(config.auth.exec->env.at(0).second == "ci");
    CHECK(config.auth.exec->interactive_mode == "IfAvailable");
}

TEST_CASE("in-cluster configuration comes from the service-account files and the env") {
    Fixture f;
    f.env.set("HOME", (f.dir.path() / "empty-home").string());
    f.env.set("KUBERNETES_SERVICE_HOST", "10.0.0.1");
    f.env.set("KUBERNETES_SERVICE_PORT", "443");
    const std::string sa = "root/var/run/secrets/kubernetes.io/serviceaccount/";
    f.dir.write(sa + "token", "sa-token");
    f.dir.write(sa + "ca.crt", "CA");
    f.dir.write(sa + "namespace", "ci-runner\n");
    const auto config = f.load();
    CHECK(config.in_cluster);
    CHECK(config.server == "https://10.0.0.1:443");
    CHECK(config.auth.token_file == (f.dir.path() / sa / "token").string());
    CHECK(config.tls.ca_file == (f.dir.path() / sa / "ca.crt").string());
    CHECK(config.default_namespace == "ci-runner");

    f.env.set("KUBERNETES_SERVICE_HOST", "fd00::1");
    CHECK(f.load().server == "https://[fd00::1]:443");
}

TEST_CASE("nothing to load is a usage error with a hint") {
    Fixture f;
    const auto message = message_of<UsageError>(f);
    CHECK(message.find("no kubeconfig found") != std::string::npos);
    CHECK(message.find(".kube/config") != std::string::npos);
}

TEST_CASE("every kubeconfig problem names the file, the entry and the key") {
    Fixture f;
    const auto write = [&](const std::string& text) {
        return f.dir.write("home/.kube/config", text).string();
    };
    SUBCASE("unknown context lists the known ones") {
        const auto file = write(k_dev_config);
        f.dir.write("home/.kube/certs/ca.crt", "PEM");
        f.options.context = "staging";
        const auto message = message_of<NotFoundError>(f);
        CHECK(message.find(file) != std::string::npos);
        CHECK(message.find("context \"staging\" not found") != std::string::npos);
    }
    SUBCASE("missing server") {
        const auto file = write("current-context: x\nclusters:\n- name: c\n  cluster: {}\n"
                                "contexts:\n- name: x\n  context: {cluster: c}\n");
        const auto message = message_of<UsageError>(f);
        CHECK(message == "kubeconfig " + file + ": cluster \"c\": missing key 'server'");
    }
    SUBCASE("context names an undefined user") {
        write("current-context: x\nclusters:\n- name: c\n  cluster: {server: https://h}\n"
              "contexts:\n- name: x\n  context: {cluster: c, user: ghost}\n");
        CHECK(message_of<UsageError>(f).find("context \"x\": key 'user' names \"ghost\"") !=
              std::string::npos);
    }
    SUBCASE("bad base64") {
        write(
            "current-context: x\nclusters:\n- name: c\n  cluster: {server: https://h, "
            "certificate-authority-data: '!!!'}\ncontexts:\n- name: x\n  context: {cluster: c}\n");
        CHECK(message_of<UsageError>(f).find(
                  "cluster \"c\": key 'certificate-authority-data' is not valid base64") !=
              std::string::npos);
    }
    SUBCASE("a certificate file that does not exist") {
        write("current-context: x\nclusters:\n- name: c\n  cluster: {server: https://h, "
              "certificate-authority: nope.crt}\ncontexts:\n- name: x\n  context: {cluster: c}\n");
        CHECK(message_of<UsageError>(f).find("cluster \"c\": certificate-authority: ") !=
              std::string::npos);
    }
    SUBCASE("a certificate path that is not a regular file says what it is") {
        write("current-context: x\nclusters:\n- name: c\n  cluster: {server: https://h, "
              "certificate-authority: /dev/null}\ncontexts:\n- name: x\n  context: {cluster: c}\n");
        CHECK(message_of<UsageError>(f).find("certificate-authority: /dev/null is not a regular "
                                             "file (a character device)") != std::string::npos);
    }
    SUBCASE("an alias inside the node it names") {
        const auto file = write("clusters: &c\n- name: c\n  cluster: {server: https://h}\n"
                                "  more: *c\ncurrent-context: x\n");
        CHECK(message_of<UsageError>(f) ==
              "kubeconfig " + file +
                  ":4:9: alias '*c' refers to the node that contains it (a cycle without end)");
    }
    SUBCASE("aliases that expand without end") {
        std::string text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
        for (int i = 1; i < 9; ++i) {
            text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
            for (int k = 0; k < 10; ++k) {
                text += (k == 0 ? "*a" : ", *a") + std::to_string(i - 1);
            }
            text += "]\n";
        }
        write(text);
        CHECK(message_of<UsageError>(f).find("aliases expand to more than 1000000 values") !=
              std::string::npos);
    }
    SUBCASE("two authentication methods") {
        write("current-context: x\nclusters:\n- name: c\n  cluster: {server: https://h}\n"
              "users:\n- name: u\n  user: {token: t, username: a, password: b}\n"
              "contexts:\n- name: x\n  context: {cluster: c, user: u}\n");
        CHECK(message_of<UsageError>(f).find("user \"u\": more than one authentication method") !=
              std::string::npos);
    }
    SUBCASE("exec v1alpha1 points at aws eks update-kubeconfig") {
        write("current-context: x\nclusters:\n- name: c\n  cluster: {server: https://h}\n"
              "users:\n- name: u\n  user:\n    exec: {apiVersion: "
              "client.authentication.k8s.io/v1alpha1, command: aws}\n"
              "contexts:\n- name: x\n  context: {cluster: c, user: u}\n");
        try {
            f.load();
            FAIL("expected an error");
        } catch (const UsageError& error) {
            CHECK(std::string(error.what()).find("user \"u\": exec: apiVersion") !=
                  std::string::npos);
            CHECK(error.hint().find("aws eks update-kubeconfig") != std::string::npos);
        }
    }
    SUBCASE("exec v1 without interactiveMode") {
        write("current-context: x\nclusters:\n- name: c\n  cluster: {server: https://h}\n"
              "users:\n- name: u\n  user:\n    exec: {apiVersion: "
              "client.authentication.k8s.io/v1, command: aws}\n"
              "contexts:\n- name: x\n  context: {cluster: c, user: u}\n");
        CHECK(message_of<UsageError>(f).find("missing key 'interactiveMode'") != std::string::npos);
    }
    SUBCASE("YAML syntax errors carry line and column") {
        const auto file = write("clusters: [\n  - name: a\n  foo: : :\n");
        CHECK(message_of<UsageError>(f).find("kubeconfig " + file + ":") != std::string::npos);
    }
}
