// pxsim: the local simulator of the Kubernetes API and the Portworx SDK REST API (issue 3).
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>

#include "fixture.hpp"
#include "server.hpp"

namespace {

const char* const k_usage =
    R"(usage: pxsim [options]
  --port N                  listen on 127.0.0.1:N (0: a free port; default 0)
  --tls-cert FILE --tls-key FILE   serve HTTPS
  --client-ca FILE          require client certificates signed by this CA
  --token T                 require 'Authorization: Bearer T' (Kubernetes) / 'bearer T' (Portworx)
  --user NAME               who the token is in authorization messages
                            (default system:serviceaccount:ci:pxclone)
  --service-account-token TOKEN=NS/NAME
                            'Bearer TOKEN' is ServiceAccount NS/NAME, authorized by the Roles,
                            ClusterRoles and bindings applied to pxsim (repeatable; --token stays
                            the unrestricted admin's)
  --deny RULE               take one permission away: VERB:RESOURCE[.GROUP][/SUB][@NAMESPACE],
                            e.g. delete:persistentvolumes, patch:statefulsets.apps/scale@stg
                            ('*' any verb; repeatable; PUT /_sim/deny replaces the set)
  --state FILE              seed objects (YAML or JSON, several documents; repeatable)
  --log FILE                one canonical JSON line per request
  --latency SPEC            e.g. snapshot=2s,clone=1s,pvc-bind=500ms,rollout=3s,job=2s,ns-delete=1s,request=5ms
                            (backup=5s, cloud-restore=5s: how long a cloud backup or restore stays
                            Active after its reply)
  --faults SPEC             e.g. rate=0.1,kinds=429+503+reset+reset-after+slow+watch-close+410,retry-after=1
                            or 'POST /v1/volumes/snapshots#2=500' (repeatable); cloud backups and
                            restores: kinds backup-fail (ends Failed), backup-slow (takes 'slow='
                            longer), backup-stuck (stays Active), status-500 (500 to a status call),
                            e.g. 'POST /v1/cloudbackups#1=backup-fail'
  --cluster-id ID           the Portworx cluster id (default pxsim-cluster); another id also gives
                            the cluster's volumes and credentials their own ids
  --object-store DIR        the cloud backups' bucket: a directory that several pxsims may share
                            (two clusters: one backs up, the other restores; default: in memory)
  --seed N                  seed for faults and uids (default 1)
  --kubeconfig-out FILE     write a kubeconfig that points at this server
  --source-namespace NS     objects in NS are production (repeatable)
  --client-labels SELECTOR  objects there matching this label selector are the client's own:
                            writing them is no violation (default app.kubernetes.io/managed-by=pxclone)
  --threads N               request threads started at once; more start as connections need
                            them (default 64)
  --generate-fixture N      print an N-volume state file (like fixtures/prod-mongo.yaml) and exit
  --generate-catalog E,S,P,X  print what earlier runs left, to append to a fixture: E staging
                            environments and S snapshot sets over P profiles (bench, bench-1, ...),
                            X of each profile's environments expired; and exit
)";

struct Arguments {
    pxsim::ServerOptions server;
    std::string kubeconfig_out;
    int generate = -1;
    std::optional<pxsim::CatalogShape> catalog;
};

Arguments parse(int argc, char** argv) {
    Arguments arguments;
    for (int i = 1; i < argc; ++i) {
        const std::string option = argv[i];
        if (option == "--help" || option == "-h") {
            std::cout << k_usage;
            std::exit(0);
        }
        if (i + 1 >= argc) {
            throw std::invalid_argument(option + " needs a value (or is unknown); see --help");
        }
        const std::string value = argv[++i];
        const auto number = [&] {
            try {
                return std::stoull(value);
            } catch (const std::exception&) {
                throw std::invalid_argument(option + ": not a number: " + value);
            }
        };
        pxsim::ServerOptions& server = arguments.server;
        if (option == "--port") {
            server.port = static_cast<int>(number());
        } else if (option == "--tls-cert") {
            server.tls_cert = value;
        } else if (option == "--tls-key") {
            server.tls_key = value;
        } else if (option == "--client-ca") {
            server.client_ca = value;
        } else if (option == "--token") {
            server.token = value;
        } else if (option == "--user") {
            server.user = value;
        } else if (option == "--service-account-token") {
            const auto equals = value.find('=');
            if (equals == std::string::npos || equals == 0) {
                throw std::invalid_argument(option + ": expected TOKEN=NAMESPACE/NAME: " + value);
            }
            server.service_account_tokens[value.substr(0, equals)] = value.substr(equals + 1);
        } else if (option == "--deny") {
            server.deny.push_back(value);
        } else if (option == "--state") {
            server.state_files.push_back(value);
        } else if (option == "--log") {
            server.log_file = value;
        } else if (option == "--latency") {
            server.latency = value;
        } else if (option == "--faults") {
            server.faults.push_back(value);
        } else if (option == "--seed") {
            server.seed = number();
        } else if (option == "--kubeconfig-out") {
            arguments.kubeconfig_out = value;
        } else if (option == "--cluster-id") {
            server.cluster_id = value;
        } else if (option == "--object-store") {
            server.object_store = value;
        } else if (option == "--source-namespace") {
            server.source_namespaces.push_back(value);
        } else if (option == "--client-labels") {
            server.client_labels = value;
        } else if (option == "--threads") {
            server.threads = number();
        } else if (option == "--generate-fixture") {
            arguments.generate = static_cast<int>(number());
        } else if (option == "--generate-catalog") {
            pxsim::CatalogShape shape;
            if (std::sscanf(value.c_str(), "%d,%d,%d,%d", &shape.environments, &shape.sets,
                            &shape.profiles, &shape.expired) != 4) {
                throw std::invalid_argument(option + ": expected E,S,P,X: " + value);
            }
            arguments.catalog = shape;
        } else {
            throw std::invalid_argument("unknown option " + option + "; see --help");
        }
    }
    return arguments;
}

} // namespace

int main(int argc, char** argv) {
    try {
        const Arguments arguments = parse(argc, argv);
        if (arguments.generate >= 0) {
            std::cout << pxsim::generate_fixture(arguments.generate);
            return 0;
        }
        if (arguments.catalog) {
            std::cout << pxsim::generate_catalog(*arguments.catalog);
            return 0;
        }
        // Every thread inherits the blocked signals; the main thread waits for them.
        sigset_t signals;
        sigemptyset(&signals);
        sigaddset(&signals, SIGINT);
        sigaddset(&signals, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &signals, nullptr);
        std::signal(SIGPIPE, SIG_IGN);

        pxsim::Server server(arguments.server);
        server.start();
        if (!arguments.kubeconfig_out.empty()) {
            std::ofstream out(arguments.kubeconfig_out);
            out << server.kubeconfig();
            if (!out) {
                throw std::runtime_error(arguments.kubeconfig_out + ": cannot write");
            }
        }
        std::cout << "pxsim listening on " << server.url() << std::endl;
        int received = 0;
        sigwait(&signals, &received);
        std::cerr << "pxsim: stopping (signal " << received << ")" << std::endl;
        server.stop();
        return 0;
    } catch (const std::exception& error) {
        std::cerr << "pxsim: error: " << error.what() << std::endl;
        return 2;
    }
}
