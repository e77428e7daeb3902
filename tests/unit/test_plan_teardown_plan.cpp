#include "pxclone/plan/teardown_plan.hpp"

#include <algorithm>

#include <doctest/doctest.h>

using namespace pxclone::plan;

namespace {

Labels owned(const std::string& run, Role role = Role::staging, const std::string& set = "") {
    Lineage lineage;
    lineage.profile = "orders";
    lineage.run = run;
    lineage.role = role;
    lineage.snapshot_set = set;
    return kubernetes_labels(lineage);
}

FoundObject object(TeardownKind kind, std::string ns, std::string name, Labels labels) {
    return FoundObject{kind, std::move(ns), std::move(name), "", std::move(labels)};
}

FoundObject px_volume(std::string id, Labels labels) {
    return FoundObject{TeardownKind::portworx_volume, "", "clone-" + id, std::move(id),
                       std::move(labels)};
}

TeardownTarget run_42() {
    return TeardownTarget{.profile = "orders", .source_namespace = "prod", .runs = {"42"}};
}

std::vector<std::string> described(const TeardownPlan& plan) {
    std::vector<std::string> names;
    for (const auto& deletion : plan.deletions) {
        names.push_back(deletion.object.describe());
    }
    return names;
}

} // namespace

TEST_CASE("teardown deletes the namespace first; what is in it goes with it") {
    const auto labels = owned("42", Role::staging, "41");
    const std::vector<FoundObject> found{
        px_volume("900", labels),
        px_volume("901", owned("42", Role::baseline, "41")),
        object(TeardownKind::pv, "", "pv-data", labels),
        object(TeardownKind::volume_snapshot_content, "", "vsc-data", labels),
        object(TeardownKind::pvc, "orders-stg-42", "data", labels),
        object(TeardownKind::volume_snapshot, "orders-stg-42", "vs-data", labels),
        object(TeardownKind::job, "orders-stg-42", "mask", labels),
        object(TeardownKind::statefulset, "orders-stg-42", "mongo", labels),
        object(TeardownKind::deployment, "orders-stg-42", "app", labels),
        object(TeardownKind::ns, "", "orders-stg-42", labels),
    };
    const auto plan = plan_teardown(run_42(), found);
    CHECK(plan.refused.empty());
    CHECK(described(plan) == std::vector<std::string>{
                                 "namespace/orders-stg-42",
                                 "persistentvolume/pv-data",
                                 "volumesnapshotcontent/vsc-data",
                                 "portworx volume 901 (clone-901)",
                                 "portworx volume 900 (clone-900)",
                             });
    CHECK(std::is_sorted(plan.deletions.begin(), plan.deletions.end(),
                         [](const Deletion& a, const Deletion& b) { return a.stage < b.stage; }));
}

TEST_CASE("without its namespace, a run's objects go in dependency order") {
    const auto labels = owned("42", Role::staging, "41");
    const std::vector<FoundObject> found{
        px_volume("900", labels),
        object(TeardownKind::pv, "", "pv-data", labels),
        object(TeardownKind::volume_snapshot_content, "", "vsc-data", labels),
        object(TeardownKind::pvc, "orders-stg-42", "data", labels),
        object(TeardownKind::volume_snapshot, "orders-stg-42", "vs-data", labels),
        object(TeardownKind::job, "orders-stg-42", "mask", labels),
        object(TeardownKind::statefulset, "orders-stg-42", "mongo", labels),
        object(TeardownKind::deployment, "orders-stg-42", "app", labels),
    };
    const auto plan = plan_teardown(run_42(), found);
    CHECK(described(plan) == std::vector<std::string>{
                                 "deployment/app in orders-stg-42",
                                 "statefulset/mongo in orders-stg-42",
                                 "job/mask in orders-stg-42",
                                 "persistentvolumeclaim/data in orders-stg-42",
                                 "volumesnapshot/vs-data in orders-stg-42",
                                 "persistentvolume/pv-data",
                                 "volumesnapshotcontent/vsc-data",
                                 "portworx volume 900 (clone-900)",
                             });
    // A namespace that is not the run's own (another run's, refused) covers nothing.
    auto with_other = found;
    with_other.push_back(object(TeardownKind::ns, "", "orders-stg-42", owned("43")));
    CHECK(plan_teardown(run_42(), with_other).deletions.size() == 8);
}

TEST_CASE("teardown refuses objects lacking any ownership label") {
    const auto full = owned("42");
    for (const auto& key : {k_managed_by_key, k_profile_key, k_run_key, k_role_key}) {
        CAPTURE(key);
        auto labels = full;
        labels.erase(std::string(key));
        const auto plan =
            plan_teardown(run_42(), {object(TeardownKind::pvc, "orders-stg-42", "data", labels),
                                     px_volume("900", labels)});
        CHECK(plan.deletions.empty());
        REQUIRE(plan.refused.size() == 2);
        CHECK_FALSE(plan.refused[0].reason.empty());
        CHECK_FALSE(plan.refused[0].not_selected);
    }
    SUBCASE("a wrong managed-by value or another profile is refused too") {
        auto labels = full;
        labels[std::string(k_managed_by_key)] = "helm";
        auto other = full;
        other[std::string(k_profile_key)] = "billing";
        const auto plan = plan_teardown(run_42(), {object(TeardownKind::pv, "", "pv-a", labels),
                                                   object(TeardownKind::pv, "", "pv-b", other)});
        CHECK(plan.deletions.empty());
        CHECK(plan.refused.size() == 2);
    }
    SUBCASE("an object with no labels at all") {
        const auto plan =
            plan_teardown(run_42(), {object(TeardownKind::ns, "", "orders-stg-42", {})});
        CHECK(plan.deletions.empty());
        CHECK(plan.refused.size() == 1);
    }
}

TEST_CASE("teardown refuses another run's objects") {
    const auto plan =
        plan_teardown(run_42(), {object(TeardownKind::ns, "", "orders-stg-43", owned("43")),
                                 px_volume("901", owned("43")),
                                 object(TeardownKind::pvc, "orders-stg-42", "data", owned("42"))});
    CHECK(described(plan) ==
          std::vector<std::string>{"persistentvolumeclaim/data in orders-stg-42"});
    REQUIRE(plan.refused.size() == 2);
    CHECK(plan.refused[0].reason == "run 43 is not being torn down");
    CHECK(plan.refused[0].not_selected);
}

TEST_CASE("teardown never deletes the source namespace nor production objects in it") {
    auto target = run_42();
    const auto plan =
        plan_teardown(target, {object(TeardownKind::ns, "", "prod", owned("42")),
                               object(TeardownKind::pvc, "prod", "mongo-data", owned("42")),
                               object(TeardownKind::deployment, "prod", "app", owned("42"))});
    CHECK(plan.deletions.empty());
    REQUIRE(plan.refused.size() == 3);
    CHECK(plan.refused[0].reason == "it is the source namespace");
    CHECK_FALSE(plan.refused[0].not_selected);
    CHECK(plan.refused[1].reason == "it is in the source namespace prod");
}

TEST_CASE("snapshot objects are deleted only for a set being deleted, and only their own") {
    auto target = run_42();
    target.snapshot_sets = {"41"};
    const std::vector<FoundObject> found{
        // The set's CSI snapshot lives in the source namespace: allowed.
        object(TeardownKind::volume_snapshot, "prod", "orders-41-data",
               owned("41", Role::snapshot, "41")),
        px_volume("500", owned("41", Role::snapshot, "41")),
        // Another set, still in use elsewhere: refused.
        px_volume("501", owned("40", Role::snapshot, "40")),
        // A snapshot whose set label disagrees with its run: refused.
        px_volume("502", owned("41", Role::snapshot, "39")),
        px_volume("900", owned("42", Role::staging, "41")),
    };
    const auto plan = plan_teardown(target, found);
    CHECK(described(plan) == std::vector<std::string>{
                                 "volumesnapshot/orders-41-data in prod",
                                 "portworx volume 900 (clone-900)",
                                 "portworx volume 500 (clone-500)",
                             });
    REQUIRE(plan.refused.size() == 2);
    CHECK(plan.refused[0].reason == "snapshot set 40 is not being deleted");
    CHECK(plan.refused[0].not_selected);
    CHECK(plan.refused[1].reason == "its pxclone.io/snapshot-set is not its run 41");
    CHECK_FALSE(plan.refused[1].not_selected);
}

TEST_CASE("an object found twice is deleted once; nothing found is an empty plan") {
    const auto pv = object(TeardownKind::pv, "", "pv-a", owned("42"));
    CHECK(plan_teardown(run_42(), {pv, pv}).deletions.size() == 1);
    CHECK(plan_teardown(run_42(), {}).empty());
}

TEST_CASE("a target without a profile deletes nothing") {
    auto target = run_42();
    target.profile.clear();
    const auto plan = plan_teardown(target, {object(TeardownKind::pv, "", "pv-a", owned("42"))});
    CHECK(plan.deletions.empty());
    CHECK(plan.refused.size() == 1);
}
