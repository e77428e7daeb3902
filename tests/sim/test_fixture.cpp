#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <unistd.h>

#include <doctest/doctest.h>

#include "fixture.hpp"
#include "sim_test_support.hpp"

using pxsim::Json;
using pxsim::testing::call;

namespace {

// `pxsim --generate-fixture 1` followed by `--generate-catalog` of `shape`, loaded as a state file
// (what bench/run.sh does), with no controllers: /_sim/state then shows the objects as written.
Json catalog_state(const pxsim::CatalogShape& shape) {
    const auto path = std::filesystem::temp_directory_path() /
                      ("pxsim-catalog-test-" + std::to_string(::getpid()) + ".yaml");
    {
        std::ofstream out(path);
        out << pxsim::generate_fixture(1) << pxsim::generate_catalog(shape);
    }
    pxsim::ServerOptions options;
    options.state_files = {path.string()};
    options.source_namespaces = {"prod"};
    options.controllers = false;
    options.threads = 1;
    Json state;
    {
        pxsim::Server server(options);
        state = call(server, "GET", "/_sim/state");
    }
    std::filesystem::remove(path);
    return state;
}

std::string label(const Json& labels, const std::string& key) {
    return labels.is_object() && labels.contains(key) ? labels.at(key).get<std::string>() : "";
}

} // namespace

TEST_CASE("--generate-catalog: environments and sets over profiles, the first X of each expired") {
    // 5 environments and 3 sets over 2 profiles, 1 environment of each profile expired.
    const Json state = catalog_state({5, 3, 2, 1});
    const Json& k8s = state.at("kubernetes");

    std::map<std::string, std::string> expiry; // namespace -> expires-at
    std::map<std::string, std::string> profile_of;
    for (const auto& ns : k8s.at("v1/namespaces")) {
        const auto& meta = ns.at("metadata");
        if (label(meta.value("labels", Json::object()), "pxclone.io/role") != "staging") {
            continue;
        }
        const auto name = meta.at("name").get<std::string>();
        expiry[name] = meta.at("annotations").at("pxclone.io/expires-at").get<std::string>();
        profile_of[name] = label(meta.at("labels"), "pxclone.io/profile");
        CHECK(label(meta.at("labels"), "app.kubernetes.io/managed-by") == "pxclone");
    }
    // Environment i belongs to profile i % 2, and the first of each profile is the expired one.
    CHECK(expiry == std::map<std::string, std::string>{
                        {"bench-stg-e0", "2026-01-01T00:00:00Z"},
                        {"bench-1-stg-e1", "2026-01-01T00:00:00Z"},
                        {"bench-stg-e2", "2099-01-01T00:00:00Z"},
                        {"bench-1-stg-e3", "2099-01-01T00:00:00Z"},
                        {"bench-stg-e4", "2099-01-01T00:00:00Z"},
                    });
    CHECK(profile_of.at("bench-1-stg-e3") == "bench-1");

    // Each environment: one claim in its namespace, bound to a static PV whose handle is a clone.
    std::map<std::string, std::string> handle_of_pv;
    for (const auto& pv : k8s.at("v1/persistentvolumes")) {
        handle_of_pv[pv.at("metadata").at("name").get<std::string>()] =
            pv.at("spec").at("csi").at("volumeHandle").get<std::string>();
        CHECK(pv.at("spec").at("claimRef").at("name") == "mongo-data-mongo-0");
    }
    std::set<std::string> clone_handles;
    int claims = 0;
    for (const auto& pvc : k8s.at("v1/persistentvolumeclaims")) {
        const auto ns = pvc.at("metadata").at("namespace").get<std::string>();
        if (!expiry.contains(ns)) {
            continue;
        }
        ++claims;
        CHECK(pvc.at("status").at("phase") == "Bound");
        const auto pv = pvc.at("spec").at("volumeName").get<std::string>();
        REQUIRE(handle_of_pv.contains(pv));
        clone_handles.insert(handle_of_pv.at(pv));
    }
    CHECK(claims == 5);

    // Portworx: a snapshot of prod's volume per set; a clone of a set's snapshot and the clone's
    // baseline per environment.
    std::map<std::string, int> roles;
    std::map<std::string, std::string> parent_of;
    std::map<std::string, std::string> role_of;
    for (const auto& volume : state.at("portworx")) {
        const Json labels = volume.value("labels", Json::object());
        const auto role = label(labels, "pxclone.io/role");
        if (role.empty()) {
            continue; // the fixture's production volume
        }
        ++roles[role];
        const auto id = volume.at("volume").at("id").get<std::string>();
        role_of[id] = role;
        parent_of[id] = volume.at("volume").at("source").value("parent", "");
        CHECK(label(labels, "app.kubernetes.io/managed-by") == "pxclone");
    }
    CHECK(roles == std::map<std::string, int>{{"snapshot", 3}, {"staging", 5}, {"baseline", 5}});
    CHECK(clone_handles.size() == 5);
    for (const auto& handle : clone_handles) {
        REQUIRE(role_of.contains(handle));
        CHECK(role_of.at(handle) == "staging");
        CHECK(role_of.at(parent_of.at(handle)) == "snapshot");
    }
    for (const auto& [id, role] : role_of) {
        if (role == "baseline") {
            CHECK(role_of.at(parent_of.at(id)) == "staging");
        }
    }
}

TEST_CASE("--generate-catalog: sets only, and no profile count below one") {
    const Json state = catalog_state({0, 2, 0, 0});
    int sets = 0;
    for (const auto& volume : state.at("portworx")) {
        const Json labels = volume.value("labels", Json::object());
        if (label(labels, "pxclone.io/role") == "snapshot") {
            ++sets;
            CHECK(label(labels, "pxclone.io/profile") == "bench");
        }
    }
    CHECK(sets == 2);
}
