#include "pxclone/plan/lineage.hpp"
#include "pxclone/plan/namespace_pool.hpp"
#include "pxclone/plan/teardown_plan.hpp"

#include <doctest/doctest.h>

using namespace pxclone;
using namespace pxclone::plan;
using nlohmann::json;

namespace {

json pool_ns(const std::string& name, json labels = json::object(), json annotations = {}) {
    labels["pxclone.io/pool"] = "ci";
    json metadata{{"name", name}, {"resourceVersion", "7"}, {"labels", labels}};
    if (!annotations.is_null()) {
        metadata["annotations"] = annotations;
    }
    return {{"metadata", metadata}};
}

json claimed_by(const std::string& run) {
    return {{"app.kubernetes.io/managed-by", "pxclone"},
            {"pxclone.io/profile", "orders"},
            {"pxclone.io/run", run},
            {"pxclone.io/role", "staging"}};
}

} // namespace

TEST_CASE("choose_pool_namespace: free ones by name; another run's and deleting ones are not") {
    auto deleting = pool_ns("pool-a");
    deleting["metadata"]["deletionTimestamp"] = "2026-12-07T10:00:00Z";
    const auto choice = choose_pool_namespace(
        {pool_ns("pool-c"), pool_ns("pool-b", claimed_by("41")), deleting, pool_ns("pool-a2")},
        "orders", "42");
    CHECK_FALSE(choice.claimed);
    REQUIRE(choice.free.size() == 2);
    CHECK(choice.free[0]["metadata"]["name"] == "pool-a2");
    CHECK(choice.free[1]["metadata"]["name"] == "pool-c");
}

TEST_CASE("choose_pool_namespace: a re-run finds the namespace it claimed") {
    const auto choice = choose_pool_namespace(
        {pool_ns("pool-a"), pool_ns("pool-b", claimed_by("42"))}, "orders", "42");
    REQUIRE(choice.claimed);
    CHECK((*choice.claimed)["metadata"]["name"] == "pool-b");
    // Another profile's run 42 is not this run's.
    auto other = claimed_by("42");
    other["pxclone.io/profile"] = "billing";
    CHECK_FALSE(choose_pool_namespace({pool_ns("pool-b", other)}, "orders", "42").claimed);
}

TEST_CASE("claim_patch adds the planned labels and annotations, guarded by the resourceVersion") {
    const json metadata{{"name", "pool-a"},
                        {"labels", claimed_by("42")},
                        {"annotations", {{"pxclone.io/expires-at", "2026-12-08T10:00:00Z"}}}};
    const auto patch = claim_patch(pool_ns("pool-a"), metadata);
    CHECK(patch == json{{"metadata",
                         {{"resourceVersion", "7"},
                          {"labels", claimed_by("42")},
                          {"annotations", {{"pxclone.io/expires-at", "2026-12-08T10:00:00Z"}}}}}});
    // The name is not patched, nor is the pool label touched.
    CHECK_FALSE(patch["metadata"].contains("name"));
    CHECK_FALSE(patch["metadata"]["labels"].contains("pxclone.io/pool"));
}

TEST_CASE("release_patch removes pxclone's keys only: never the pool label or the admin's") {
    auto labels = claimed_by("42");
    labels["team"] = "payments";
    labels["pxclone.io/snapshot-set"] = "41";
    const auto ns = pool_ns("pool-a", labels,
                            {{"pxclone.io/expires-at", "2026-12-08T10:00:00Z"},
                             {"pxclone.io/ready-at", "2026-12-07T10:00:00Z"},
                             {"owner", "admin@example.com"}});
    const auto patch = release_patch(ns);
    CHECK(patch ==
          json{{"metadata",
                {{"resourceVersion", "7"},
                 {"labels",
                  {{"app.kubernetes.io/managed-by", nullptr},
                   {"pxclone.io/profile", nullptr},
                   {"pxclone.io/role", nullptr},
                   {"pxclone.io/run", nullptr},
                   {"pxclone.io/snapshot-set", nullptr}}},
                 {"annotations",
                  {{"pxclone.io/expires-at", nullptr}, {"pxclone.io/ready-at", nullptr}}}}}});
    // Released already: nothing to send.
    CHECK(release_patch(pool_ns("pool-a", {{"team", "payments"}})).is_null());
    // Another tool's managed-by is the admin's business.
    CHECK(release_patch(pool_ns("pool-a", {{"app.kubernetes.io/managed-by", "argocd"}})).is_null());
}

TEST_CASE("teardown plan: a pool namespace is released, never deleted; what is in it is") {
    Lineage lineage;
    lineage.profile = "orders";
    lineage.run = "42";
    lineage.role = Role::staging;
    auto labels = kubernetes_labels(lineage);
    auto ns_labels = labels;
    ns_labels.emplace(std::string(k_pool_key), "ci");
    const TeardownTarget target{.profile = "orders", .source_namespace = "prod", .runs = {"42"}};
    const auto plan =
        plan_teardown(target, {FoundObject{TeardownKind::ns, "", "pool-a", "", ns_labels},
                               FoundObject{TeardownKind::deployment, "pool-a", "app", "", labels},
                               FoundObject{TeardownKind::pvc, "pool-a", "data", "", labels},
                               FoundObject{TeardownKind::pv, "", "pv-1", "", labels}});
    REQUIRE(plan.releases.size() == 1);
    CHECK(plan.releases[0].name == "pool-a");
    std::vector<std::string> deleted;
    for (const auto& deletion : plan.deletions) {
        deleted.push_back(deletion.object.describe());
        CHECK(deletion.object.kind != TeardownKind::ns);
    }
    CHECK(deleted == std::vector<std::string>{"deployment/app in pool-a",
                                              "persistentvolumeclaim/data in pool-a",
                                              "persistentvolume/pv-1"});
    // Half-released (its objects gone): the plan is not empty, the release remains.
    const auto rest =
        plan_teardown(target, {FoundObject{TeardownKind::ns, "", "pool-a", "", ns_labels}});
    CHECK_FALSE(rest.empty());
    CHECK(rest.deletions.empty());
    // Another run's pool namespace is neither deleted nor released.
    auto other = ns_labels;
    other["pxclone.io/run"] = "41";
    const auto foreign =
        plan_teardown(target, {FoundObject{TeardownKind::ns, "", "pool-b", "", other}});
    CHECK(foreign.empty());
    CHECK(foreign.refused.size() == 1);
}
