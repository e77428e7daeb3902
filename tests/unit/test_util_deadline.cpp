#include "pxclone/util/deadline.hpp"

#include <doctest/doctest.h>

#include "support/fake_clock.hpp"

using namespace pxclone;
using namespace std::chrono_literals;

TEST_CASE("no deadline bounds nothing") {
    test::FakeClock clock;
    const util::Deadline none;
    CHECK_FALSE(none.is_set());
    CHECK_FALSE(none.passed(clock.now()));
    CHECK(none.left_for(clock.now()) == std::chrono::milliseconds::max());
    CHECK(util::bound(30s, none, clock.now()).limit == 30s);
    CHECK_FALSE(util::bound(30s, none, clock.now()).by_deadline);
    // No limit of its own and no deadline: unbounded (0), not expired.
    CHECK(util::bound(0ms, none, clock.now()).limit == 0ms);
    CHECK_FALSE(util::bound(0ms, none, clock.now()).expired());
}

TEST_CASE("before the deadline, what is left of it; a shorter own limit wins") {
    test::FakeClock clock;
    const auto deadline = util::Deadline::after(clock, 20s, "--timeout 20s");
    CHECK(deadline.origin() == "--timeout 20s");
    clock.advance(12s);
    CHECK(deadline.left_for(clock.now()) == 8s);
    const auto by_deadline = util::bound(30s, deadline, clock.now());
    CHECK(by_deadline.limit == 8s);
    CHECK(by_deadline.by_deadline);
    const auto own = util::bound(5s, deadline, clock.now());
    CHECK(own.limit == 5s);
    CHECK_FALSE(own.by_deadline);
    // No limit of its own (a stream, --request-timeout 0): the deadline's.
    CHECK(util::bound(0ms, deadline, clock.now()).limit == 8s);
}

TEST_CASE("after the deadline, clean-up gets the grace and then nothing") {
    test::FakeClock clock;
    const auto deadline = util::Deadline::after(clock, 3s, "--timeout 3s");
    clock.advance(3s);
    CHECK(deadline.passed(clock.now()));
    // Started at or after the deadline (a roll-back, a post-hook): until deadline + grace.
    CHECK(deadline.left_for(clock.now()) == util::k_deadline_grace);
    clock.advance(util::k_deadline_grace / 2);
    CHECK(deadline.left_for(clock.now()) == util::k_deadline_grace / 2);
    CHECK(util::bound(30s, deadline, clock.now()).limit == util::k_deadline_grace / 2);
    clock.advance(util::k_deadline_grace);
    CHECK(deadline.left_for(clock.now()) == 0ms);
    CHECK(util::bound(30s, deadline, clock.now()).expired());
    CHECK(util::bound(0ms, deadline, clock.now()).expired());
}

TEST_CASE("what is left is rounded up, never to zero before the deadline") {
    test::FakeClock clock;
    const util::Deadline deadline(clock.now() + 1500us, "--timeout");
    CHECK(deadline.left_for(clock.now()) == 2ms);
    CHECK_FALSE(util::bound(30s, deadline, clock.now()).expired());
}
