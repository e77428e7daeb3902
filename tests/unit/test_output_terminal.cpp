#include "pxclone/output/terminal.hpp"

#include <cstdlib>
#include <fcntl.h>
#include <map>
#include <string>
#include <sys/ioctl.h>
#include <unistd.h>

#include <doctest/doctest.h>

using namespace pxclone::output;
using pxclone::util::MapEnvironment;

namespace {

MapEnvironment env(std::map<std::string, std::string, std::less<>> values) {
    return MapEnvironment(std::move(values));
}

// A pseudo-terminal pair: the secondary side is a terminal as far as isatty knows.
struct Pty {
    int primary = -1;
    int secondary = -1;
    Pty() {
        primary = posix_openpt(O_RDWR | O_NOCTTY);
        REQUIRE(primary >= 0);
        REQUIRE(grantpt(primary) == 0);
        REQUIRE(unlockpt(primary) == 0);
        secondary = open(ptsname(primary), O_RDWR | O_NOCTTY);
        REQUIRE(secondary >= 0);
    }
    ~Pty() {
        close(secondary);
        close(primary);
    }
    Pty(const Pty&) = delete;
    Pty& operator=(const Pty&) = delete;
};

} // namespace

TEST_CASE("use_color: auto means a terminal without NO_COLOR; always and never are absolute") {
    const Terminal tty{true, 80};
    const Terminal pipe{false, 80};
    const MapEnvironment none;
    const auto no_color = env({{"NO_COLOR", "1"}});
    const auto empty_no_color = env({{"NO_COLOR", ""}});
    CHECK(use_color(ColorMode::automatic, tty, none));
    CHECK_FALSE(use_color(ColorMode::automatic, pipe, none));
    CHECK_FALSE(use_color(ColorMode::automatic, tty, no_color));
    CHECK(use_color(ColorMode::automatic, tty, empty_no_color)); // only a non-empty value counts
    CHECK(use_color(ColorMode::always, pipe, no_color));
    CHECK_FALSE(use_color(ColorMode::never, tty, none));
}

TEST_CASE("detect_terminal: a pipe is not a terminal; its width comes from COLUMNS") {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    const auto plain = detect_terminal(fds[1], env({{"COLUMNS", "132"}}));
    CHECK_FALSE(plain.is_terminal);
    CHECK(plain.width == 132);
    CHECK(detect_terminal(fds[1], env({{"COLUMNS", "wide"}})).width == 80);
    close(fds[0]);
    close(fds[1]);
}

TEST_CASE("detect_terminal: a pseudo-terminal is one, as wide as it says; TERM=dumb is not") {
    const Pty pty;
    winsize size{};
    size.ws_col = 123;
    size.ws_row = 40;
    REQUIRE(ioctl(pty.secondary, TIOCSWINSZ, &size) == 0);
    const auto terminal = detect_terminal(pty.secondary, env({{"COLUMNS", "50"}}));
    CHECK(terminal.is_terminal);
    CHECK(terminal.width == 123);
    CHECK_FALSE(detect_terminal(pty.secondary, env({{"TERM", "dumb"}})).is_terminal);
}

TEST_CASE("paint wraps text in an SGR sequence and a reset, or leaves it alone") {
    CHECK(paint(Color::red, "error:", true) == "\x1b[31merror:\x1b[0m");
    CHECK(paint(Color::dim, "(1.0s)", true) == "\x1b[2m(1.0s)\x1b[0m");
    CHECK(paint(Color::green, "✓", false) == "✓");
}
