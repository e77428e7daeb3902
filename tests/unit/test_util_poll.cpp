// The poll schedule of the cloud backup and restore waits (and snapshot readiness): a pause that
// grows with the time already waited, so an operation is seen done at most about a quarter late.
#include "pxclone/util/poll.hpp"

#include <vector>

#include <doctest/doctest.h>

using namespace std::chrono_literals;
using pxclone::util::next_poll_pause;
using std::chrono::milliseconds;

namespace {

// The times (since the start) of the looks at an operation, up to `until`.
std::vector<milliseconds> looks(milliseconds until, milliseconds cap = 10s) {
    std::vector<milliseconds> at{0ms};
    while (at.back() < until) {
        at.push_back(at.back() + next_poll_pause(at.back(), cap));
    }
    return at;
}

} // namespace

TEST_CASE("next_poll_pause: 0.5 s at first, a quarter of the time waited, at most the cap") {
    CHECK(next_poll_pause(0ms) == 500ms);
    CHECK(next_poll_pause(-3s) == 500ms);
    CHECK(next_poll_pause(2s) == 500ms);
    CHECK(next_poll_pause(3s) == 750ms);
    CHECK(next_poll_pause(20s) == 5s);
    CHECK(next_poll_pause(40s) == 10s);
    CHECK(next_poll_pause(1h) == 10s);
    CHECK(next_poll_pause(1h, 5s) == 5s);
    CHECK(next_poll_pause(0ms, 100ms) == 500ms); // a cap below the first pause does not undercut it
}

TEST_CASE("next_poll_pause: a 5 s operation is seen done by 6.25 s (doubling saw it at 7.5 s)") {
    const auto at = looks(5s);
    CHECK(at == std::vector<milliseconds>{0ms, 500ms, 1000ms, 1500ms, 2000ms, 2500ms, 3125ms,
                                          3906ms, 4882ms, 6102ms});
}

TEST_CASE("next_poll_pause: each operation end is seen within a quarter plus 0.5 s; the looks "
          "grow logarithmically, then one per cap") {
    for (const auto end : {1s, 7s, 30s, 90s, 600s}) {
        const auto at = looks(end);
        CHECK(at.back() <= end + end / 4 + 500ms);
    }
    // 40 s of looks reach the cap; after that each look is 10 s after the previous one.
    const auto hour = looks(3600s);
    const auto to_cap = looks(40s).size();
    CHECK(to_cap < 25);
    CHECK(hour.size() <= to_cap + (3600 - 40) / 10 + 1);
}
