#include "pxclone/plan/lineage.hpp"

#include <doctest/doctest.h>

using namespace pxclone;

TEST_CASE("run_lineage: a run's identity and commit, for every object it makes") {
    profile::RunInfo run;
    run.id = "42";
    run.git_sha = "abc123";
    run.build_id = "build-7";
    const auto lineage = plan::run_lineage("orders", run, "2026-12-07T10:00:00Z");
    CHECK(lineage.profile == "orders");
    CHECK(lineage.run == "42");
    CHECK(lineage.git_sha == "abc123");
    CHECK(lineage.build_id == "build-7");
    CHECK(lineage.created_at == "2026-12-07T10:00:00Z");
    CHECK(lineage.role == plan::Role::snapshot);
    CHECK(lineage.snapshot_set.empty());

    run.git_sha.reset();
    CHECK(plan::run_lineage("orders", run, "").git_sha.empty());
}

TEST_CASE("run_selector: the ownership labels of a run in a role") {
    CHECK(plan::run_selector("orders", "42", plan::Role::staging) ==
          plan::Labels{{"app.kubernetes.io/managed-by", "pxclone"},
                       {"pxclone.io/profile", "orders"},
                       {"pxclone.io/run", "42"},
                       {"pxclone.io/role", "staging"}});
    CHECK(plan::run_selector("orders", "42", plan::Role::baseline) ==
          plan::ownership_labels({.profile = "orders", .run = "42", .role = plan::Role::baseline}));
}
