#include "pxclone/plan/check_report.hpp"

#include <doctest/doctest.h>

using namespace pxclone;
using namespace pxclone::plan;

namespace {

Check passed(const std::string& name) {
    return {name, CheckResult::ok, "fine", {}, ExitCode::ok, nullptr};
}

Check failing(const std::string& name, ExitCode code) {
    return {name, CheckResult::failed, "broken", {"one", "two"}, code, nullptr};
}

} // namespace

TEST_CASE("preflight_exit_code: ok, or the most basic failure") {
    CHECK(preflight_exit_code({}) == ExitCode::ok);
    CHECK(preflight_exit_code(
              {passed("a"), {"b", CheckResult::skipped, "x", {}, ExitCode::ok, nullptr}}) ==
          ExitCode::ok);
    CHECK(preflight_exit_code({passed("a"), failing("b", ExitCode::not_found)}) ==
          ExitCode::not_found);
    CHECK(preflight_exit_code({failing("a", ExitCode::not_found),
                               failing("b", ExitCode::failed)}) == ExitCode::failed);
    CHECK(preflight_exit_code({failing("a", ExitCode::failed), failing("b", ExitCode::usage),
                               failing("c", ExitCode::not_found)}) == ExitCode::usage);
    // A failed check that names no code still fails.
    CHECK(preflight_exit_code({failing("a", ExitCode::ok)}) == ExitCode::failed);
}

TEST_CASE("the check report as JSON and as lines") {
    const std::vector<Check> checks{
        passed("cluster"),
        failing("access", ExitCode::failed),
        {"portworx", CheckResult::skipped, "not reached", {}, ExitCode::ok, nullptr}};
    CHECK(to_json(checks).dump() ==
          R"({"ok":false,"checks":[{"name":"cluster","result":"ok","message":"fine"},)"
          R"({"name":"access","result":"failed","message":"broken","details":["one","two"]},)"
          R"({"name":"portworx","result":"skipped","message":"not reached"}]})");
    CHECK(to_json({passed("cluster")})["ok"] == true);
    auto access = passed("access");
    access.data = {{"permissions", {{{"verb", "get"}, {"allowed", true}}}}};
    CHECK(to_json({access})["checks"][0].dump() ==
          R"({"name":"access","result":"ok","message":"fine",)"
          R"("permissions":[{"verb":"get","allowed":true}]})");
    CHECK(check_lines(checks, false) ==
          std::vector<std::string>{"ok      cluster: fine", "FAILED  access: broken", "    one",
                                   "    two", "skipped portworx: not reached"});
    CHECK(check_lines(checks, true) ==
          std::vector<std::string>{"✓ cluster: fine", "✗ access: broken", "    one", "    two",
                                   "- portworx: not reached"});
}
