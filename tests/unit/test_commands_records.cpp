// The set a `deploy-staging --fresh --dry-run` would take, from the snapshot record.
#include "pxclone/commands/records.hpp"

#include <doctest/doctest.h>

using namespace pxclone;

TEST_CASE("planned_set: placeholders for snapshots a dry run would take") {
    output::SnapshotSetRecord record;
    record.snapshot_set = "41";
    record.method = "portworx";
    record.created_at = "2026-11-27T10:00:00Z";
    record.source_namespace = "prod";
    output::SnapshotRecord data;
    data.source = "prod/data";
    data.pvc = "data";
    data.size_bytes = 1024;
    output::SnapshotRecord logs;
    logs.source = "prod/logs";
    logs.pvc = "logs";
    logs.snapshot_id = "snap-1";
    logs.portworx_snapshot_id = "snap-1";
    record.snapshots = {data, logs};
    const auto planned = cmd::planned_set(record);
    CHECK(planned.id == "41");
    CHECK(planned.state == exec::SetState::complete);
    REQUIRE(planned.snapshots.size() == 2);
    CHECK(planned.snapshots[0].source == "prod/data");
    CHECK(planned.snapshots[0].id == "<snapshot-of-data>");
    CHECK(planned.snapshots[0].size == 1024);
    CHECK(planned.snapshots[1].id == "snap-1"); // reused: it exists
    CHECK(planned.snapshots[1].portworx_id == "snap-1");
}
