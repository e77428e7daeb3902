#include "pxclone/method/method.hpp"
#include "pxclone/plan/snapshot_plan.hpp"
#include "pxclone/util/names.hpp"

#include <doctest/doctest.h>

using namespace pxclone;
using namespace pxclone::plan;

namespace {
profile::Profile orders_profile(profile::SnapshotMethod method) {
    profile::Profile profile;
    profile.name = "orders";
    profile.source.source_namespace = "prod";
    profile.snapshot.method = method;
    return profile;
}

Lineage snapshot_lineage() {
    return Lineage{.profile = "orders",
                   .run = "1234",
                   .git_sha = "abc123",
                   .build_id = "orders:1234",
                   .created_at = "2026-11-27T10:00:00Z"};
}

std::vector<SourceVolume> two_volumes() {
    return {{.pvc = "data-0", .volume_id = "111"}, {.pvc = "data-1", .volume_id = "222"}};
}
} // namespace

TEST_CASE("object_name joins profile, run and suffix") {
    CHECK(object_name("orders", "1234", "mongo-data-mongo-0") == "orders-1234-mongo-data-mongo-0");
}

TEST_CASE("object_name shortens long names with a stable hash and stays a DNS-1123 label") {
    const std::string long_pvc(80, 'a');
    const auto one = object_name("orders", "20261127-100000-abcd", long_pvc + "-1");
    const auto two = object_name("orders", "20261127-100000-abcd", long_pvc + "-2");
    CHECK(one.size() == 63);
    CHECK(one != two);
    CHECK_FALSE(util::check_dns1123_label(one).has_value());
    CHECK(one == object_name("orders", "20261127-100000-abcd", long_pvc + "-1"));
}

TEST_CASE("a Portworx snapshot carries every lineage label") {
    const auto plan =
        plan_snapshot(method::portworx(), orders_profile(profile::SnapshotMethod::portworx),
                      snapshot_lineage(), two_volumes(), {});
    REQUIRE(plan.snapshots.size() == 2);
    CHECK(plan.set_id == "1234");
    CHECK(plan.to_create() == 2);
    const auto& labels = plan.snapshots[0].labels;
    CHECK(labels.at("app.kubernetes.io/managed-by") == "pxclone");
    CHECK(labels.at("pxclone.io/profile") == "orders");
    CHECK(labels.at("pxclone.io/run") == "1234");
    CHECK(labels.at("pxclone.io/role") == "snapshot");
    CHECK(labels.at("pxclone.io/snapshot-set") == "1234");
    CHECK(labels.at("pxclone.io/set-size") == "2");
    CHECK(labels.at("pxclone.io/source") == "prod/data-0");
    CHECK(labels.at("pxclone.io/git-sha") == "abc123");
    CHECK(labels.at("pxclone.io/created-at") == "2026-11-27T10:00:00Z");
    CHECK(plan.snapshots[0].annotations.empty());
    CHECK(plan.snapshots[1].name == "orders-1234-data-1");
}

TEST_CASE("a CSI snapshot keeps free text in annotations, not labels") {
    const auto plan = plan_snapshot(method::csi(), orders_profile(profile::SnapshotMethod::csi),
                                    snapshot_lineage(), two_volumes(), {});
    const auto& snapshot = plan.snapshots[1];
    CHECK_FALSE(snapshot.labels.contains("pxclone.io/source"));
    CHECK(snapshot.annotations.at("pxclone.io/source") == "prod/data-1");
    for (const auto& [key, value] : snapshot.labels) {
        CAPTURE(key);
        CHECK_FALSE(util::check_label_value(value).has_value());
    }
}

TEST_CASE("a re-run reuses this run's earlier snapshots instead of making second ones") {
    const auto plan =
        plan_snapshot(method::portworx(), orders_profile(profile::SnapshotMethod::portworx),
                      snapshot_lineage(), two_volumes(), {{"snap-9", "prod/data-1"}});
    CHECK(plan.snapshots[0].existing.empty());
    CHECK(plan.snapshots[1].existing == "snap-9");
    CHECK(plan.to_create() == 1);
}

TEST_CASE("retention prunes the oldest sets beyond keep") {
    const std::vector<SnapshotSetSummary> sets{{"a", "2026-01-01T00:00:00Z"},
                                               {"b", "2026-01-02T00:00:00Z"},
                                               {"c", "2026-01-03T00:00:00Z"},
                                               {"d", "2026-01-04T00:00:00Z"}};
    CHECK(sets_to_prune(sets, 2, {}, "d") == std::vector<std::string>{"a", "b"});
    CHECK(sets_to_prune(sets, 4, {}, "d").empty());
}

TEST_CASE("retention counts the current set first, even against a set of the same second") {
    // created_at has seconds: "s1" made in the same second as the current "r1-..." sorts after it
    // by id, and with keep 1 used to be kept in its place (refresh then pruned nothing).
    const std::vector<SnapshotSetSummary> sets{{"s1", "2026-12-07T15:42:48Z"},
                                               {"r1-20261208010000", "2026-12-07T15:42:48Z"}};
    CHECK(sets_to_prune(sets, 1, {}, "r1-20261208010000") == std::vector<std::string>{"s1"});
}

TEST_CASE("retention never prunes a set in use or the current one") {
    const std::vector<SnapshotSetSummary> sets{{"a", "2026-01-01T00:00:00Z"},
                                               {"b", "2026-01-02T00:00:00Z"},
                                               {"c", "2026-01-03T00:00:00Z"}};
    CHECK(sets_to_prune(sets, 1, {"a"}, "c") == std::vector<std::string>{"b"});
    // The current set is protected even when it sorts oldest (a clock that went back).
    CHECK(sets_to_prune(sets, 1, {}, "a") == std::vector<std::string>{"b"});
}

TEST_CASE("source_problems_error: exit 3 when a PVC is missing, else 1; a line per problem") {
    const auto missing = source_problems_error(
        "orders",
        {{SourceProblem::Kind::missing, "persistentvolumeclaim \"prod/x\"", "not found"},
         {SourceProblem::Kind::not_bound, "persistentvolumeclaim \"prod/y\"", "Pending"}});
    CHECK(missing.code() == ExitCode::not_found);
    CHECK(std::string(missing.what()) ==
          "cannot snapshot the source volumes of profile 'orders' (2 problems)");
    CHECK(missing.details() ==
          std::vector<std::string>{"  persistentvolumeclaim \"prod/x\": not found",
                                   "  persistentvolumeclaim \"prod/y\": Pending"});
    const auto other = source_problems_error(
        "orders", {{SourceProblem::Kind::not_portworx, "persistentvolume \"pv-1\"", "ebs"}});
    CHECK(other.code() == ExitCode::failed);
    CHECK(std::string(other.what()).ends_with("(1 problem)"));
}

TEST_CASE(
    "set_failure_error: the signal, then the deadline, then the snapshots' code; 5 when left") {
    SetFailure failure{.set_id = "42", .run = "42", .failures = {"snapshot of data (v1): boom"}};
    CHECK(set_failure_error(failure).code() == ExitCode::failed);
    CHECK(std::string(set_failure_error(failure).what()) ==
          "snapshot set 42 failed and was rolled back");
    failure.code = ExitCode::not_found;
    CHECK(set_failure_error(failure).code() == ExitCode::not_found);
    failure.deadline_passed = "--timeout 20s";
    CHECK(set_failure_error(failure).code() == ExitCode::timed_out);
    CHECK(std::string(set_failure_error(failure).what()) ==
          "snapshot set 42 did not finish before the deadline (--timeout 20s) and was rolled back");
    failure.interrupted = true;
    CHECK(set_failure_error(failure).code() == ExitCode::interrupted);
    CHECK(std::string(set_failure_error(failure).what()) ==
          "snapshot set 42 was interrupted and was rolled back");

    failure.leftovers = {"  snapshot s1 of data: refused"};
    failure.uncertain = {"  snapshot orders-42-logs of logs"};
    const auto left = set_failure_error(failure);
    CHECK(left.code() == ExitCode::partial);
    CHECK(left.details() ==
          std::vector<std::string>{
              "snapshot of data (v1): boom",
              "could not delete (remove with `pxclone teardown --snapshots`):",
              "  snapshot s1 of data: refused",
              "cut short before the server answered; it may still make these, labelled "
              "pxclone.io/run=42 (remove with `pxclone teardown --snapshots --run 42`):",
              "  snapshot orders-42-logs of logs"});
}
