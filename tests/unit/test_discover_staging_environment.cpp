// deploy-staging's choice of a set (pure: pick_set).
#include "pxclone/discover/staging_environment.hpp"
#include "pxclone/error.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace pxclone;
using nlohmann::json;

namespace {

exec::SnapshotSet set(const std::string& id, const std::string& created_at,
                      exec::SetState state = exec::SetState::complete) {
    exec::SnapshotSet found;
    found.id = id;
    found.created_at = created_at;
    found.state = state;
    return found;
}

} // namespace

TEST_CASE("pick_set: the requested set, else the newest complete one; refusals") {
    const std::vector<exec::SnapshotSet> sets{
        set("3", "2026-11-27T12:00:00Z", exec::SetState::partial), set("2", "2026-11-27T11:00:00Z"),
        set("1", "2026-11-27T10:00:00Z")};
    CHECK(discover::pick_set(sets, "orders", "").id == "2");
    CHECK(discover::pick_set(sets, "orders", "1").id == "1");
    CHECK_THROWS_AS(discover::pick_set(sets, "orders", "9"), NotFoundError);
    try {
        discover::pick_set(sets, "orders", "3");
        FAIL("a partial set was picked");
    } catch (const Error& e) {
        CHECK(e.code() == ExitCode::failed);
    }
    CHECK_THROWS_AS(discover::pick_set({}, "orders", ""), NotFoundError);
}
