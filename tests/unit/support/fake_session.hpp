// A command's Session on strict fakes: the composition root's parts (cmd::SessionParts) built by
// hand from a FakeTransport for the Kubernetes API, one for a direct Portworx endpoint, a fake
// clock and sleeper. No kubeconfig, no network: every request a command sends must be scripted,
// in order (--parallel 1 keeps the order fixed), or the test fails.
#pragma once

#include "pxclone/commands/load_profile.hpp"
#include "pxclone/commands/session.hpp"
#include "pxclone/profile/loader.hpp"

#include <memory>
#include <sstream>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "fake_clock.hpp"
#include "fake_transport.hpp"
#include "fixtures.hpp"

namespace pxclone::test {

inline constexpr const char* k_kube_base = "https://k8s.test";
inline constexpr const char* k_px_base = "https://px.test:9021";
// The staging cluster of a profile with staging.cluster (its own API server and Portworx).
inline constexpr const char* k_kube_b_base = "https://k8s-b.test";
inline constexpr const char* k_px_b_base = "https://px-b.test:9021";

// The profile `orders` (source prod/data, staging namespace stg, a direct Portworx endpoint at
// k_px_base) for run `run`; `snapshot` is the body of its snapshot section, `extra` more
// top-level YAML, `staging` more keys of its staging section.
inline cmd::LoadedProfile orders_profile(const std::string& run = "41",
                                         const std::string& snapshot = "method: portworx",
                                         const std::string& extra = "",
                                         const std::string& staging = "") {
    const util::MapEnvironment environment{{}};
    profile::LoadOptions options;
    options.substitution.environment = &environment;
    options.substitution.run_id = run;
    auto loaded = profile::load_profile("version: 1\n"
                                        "name: orders\n"
                                        "portworx: {endpoint: \"" +
                                            std::string(k_px_base) +
                                            "\"}\n"
                                            "source: {namespace: prod, pvcs: [data]}\n"
                                            "snapshot: {" +
                                            snapshot +
                                            "}\n"
                                            "staging: {namespace: stg, ttl: 24h" +
                                            (staging.empty() ? "" : ", " + staging) + "}\n" + extra,
                                        options);
    REQUIRE_MESSAGE(loaded.diagnostics.empty(), profile::format_all(loaded.diagnostics).front());
    return {std::move(*loaded.profile),
            profile::RunInfo{.id = run, .id_source = "--run", .id_raw = run, .build_id = run}};
}

// The label selector query of pxclone's objects of profile `orders` with `labels` besides
// (e.g. "pxclone.io%2Frole%3Dstaging"), URL-encoded as the clients send it.
inline std::string orders_selector(const std::string& labels) {
    return "labelSelector=app.kubernetes.io%2Fmanaged-by%3Dpxclone%2Cpxclone.io%2Fprofile%3D"
           "orders%2C" +
           labels + "&limit=500";
}

// orders_profile with a staging cluster of its own (context stg-eks, Portworx at k_px_b_base)
// and a transfer with the credential s3-orders on both sides; `snapshot` as there.
inline cmd::LoadedProfile two_cluster_profile(const std::string& run = "41",
                                              const std::string& snapshot = "method: portworx") {
    return orders_profile(run, snapshot, "transfer: {credential: s3-orders}\n",
                          "cluster: {context: stg-eks, portworx: {endpoint: \"" +
                              std::string(k_px_b_base) + "\"}}");
}

inline nlohmann::json no_volumes() {
    return {{"volumes", nlohmann::json::array()}};
}

struct FakeSession {
    cmd::GlobalOptions globals = [] {
        cmd::GlobalOptions options;
        options.parallel = 1; // one request at a time: the strict script's order holds
        options.quiet = true;
        return options;
    }();
    util::MapEnvironment environment{{}};
    std::ostringstream out;
    std::ostringstream err;
    std::shared_ptr<FakeTransport> kube = std::make_shared<FakeTransport>(k_kube_base);
    std::shared_ptr<FakeTransport> px = std::make_shared<FakeTransport>(k_px_base);
    // The staging side of a profile with staging.cluster; unused (and so strict: no request)
    // otherwise.
    std::shared_ptr<FakeTransport> kube_b = std::make_shared<FakeTransport>(k_kube_b_base);
    std::shared_ptr<FakeTransport> px_b = std::make_shared<FakeTransport>(k_px_b_base);
    std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();

    cmd::Streams streams() { return {out, err}; }

    // A session on the fakes for `profile` (which must outlive it), with `globals` as they are:
    // on `kube` and `px`, or, for the staging side of a profile with staging.cluster, on `kube_b`
    // and `px_b` (context "test-b").
    std::unique_ptr<cmd::Session> session(const profile::Profile& profile,
                                          cmd::ClusterSide side = cmd::ClusterSide::source) {
        const bool b = side == cmd::ClusterSide::staging && cmd::separate_clusters(profile);
        cmd::SessionParts parts;
        parts.side = side;
        parts.cluster.server = b ? k_kube_b_base : k_kube_base;
        parts.cluster.default_namespace = "default";
        parts.cluster.context = b ? "test-b" : "test";
        parts.cluster.transport = b ? kube_b : kube;
        parts.portworx_direct = [transport = b ? px_b : px] {
            return transport;
        };
        parts.clock = clock;
        parts.sleeper = std::make_shared<FakeSleeper>(clock);
        return std::make_unique<cmd::Session>(globals, streams(), profile, environment,
                                              std::move(parts));
    }
};

} // namespace pxclone::test
