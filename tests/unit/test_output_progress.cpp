#include "pxclone/output/progress.hpp"

#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

using namespace pxclone::output;
using namespace std::chrono_literals;

namespace {

// Time for the renderer: 10:00:00 UTC, moved by hand.
struct Clock {
    std::chrono::system_clock::time_point now =
        std::chrono::sys_days{std::chrono::year{2026} / 11 / 27} + 10h;
    Progress::Now function() {
        return [this] {
            return now;
        };
    }
};

ProgressOptions plain() {
    ProgressOptions options;
    options.background_redraw = false;
    return options;
}

ProgressOptions terminal(int width = 60, bool color = false) {
    ProgressOptions options;
    options.terminal = {true, width};
    options.color = color;
    options.background_redraw = false;
    return options;
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        out.push_back(line);
    }
    return out;
}

// What the reader sees of a frame: the text between the escape sequences.
std::string visible(const std::string& frame) {
    std::string out;
    for (std::size_t i = 0; i < frame.size(); ++i) {
        if (frame[i] == '\x1b' && i + 1 < frame.size() && frame[i + 1] == '[') {
            i += 2;
            while (i < frame.size() && (frame[i] < '@' || frame[i] > '~')) {
                ++i;
            }
            continue;
        }
        if (frame[i] != '\r') {
            out += frame[i];
        }
    }
    return out;
}

// The part of the stream written since the last call.
struct Tail {
    const std::ostringstream& stream;
    std::size_t seen = 0;
    std::string next() {
        auto all = stream.str();
        auto part = all.substr(seen);
        seen = all.size();
        return part;
    }
};

} // namespace

TEST_CASE("plain mode: timestamped lines at state changes only, ended steps with their time") {
    std::ostringstream err;
    Clock clock;
    {
        Progress progress(err, plain(), clock.function());
        progress.note("snapshot set 42: 1 volume of prod (1 to create)");
        progress.update("snapshot/data-0", "snapshot data-0 creating");
        clock.now += 1s;
        progress.update("snapshot/data-0", "snapshot data-0 creating"); // same state: no line
        progress.update("snapshot/data-0", "snapshot data-0 VOLUME_STATE_PENDING");
        clock.now += 2300ms;
        progress.done("snapshot/data-0", true);
        progress.update("deployment/app", "deployment/app 0/1 available");
        clock.now += 75s;
        progress.done("deployment/app", false, "deployment/app exceeded its progress deadline");
    }
    CHECK(lines(err.str()) ==
          std::vector<std::string>{
              "10:00:00 snapshot set 42: 1 volume of prod (1 to create)",
              "10:00:00 snapshot data-0 creating",
              "10:00:01 snapshot data-0 VOLUME_STATE_PENDING",
              "10:00:03 ✓ snapshot data-0 VOLUME_STATE_PENDING (3.3s)",
              "10:00:03 deployment/app 0/1 available",
              "10:01:18 ✗ deployment/app exceeded its progress deadline (1m15s)",
          });
    CHECK(err.str().find('\r') == std::string::npos);
    CHECK(err.str().find('\x1b') == std::string::npos);
}

TEST_CASE("plain mode: a step that runs again prints its first state again") {
    std::ostringstream err;
    Clock clock;
    Progress progress(err, plain(), clock.function());
    progress.update("k", "waiting");
    progress.done("k", true);
    progress.update("k", "waiting");
    CHECK(lines(err.str()).size() == 3);
    CHECK(lines(err.str()).back() == "10:00:00 waiting");
}

TEST_CASE("-q writes nothing but warnings, on a terminal too") {
    for (const bool is_terminal : {false, true}) {
        CAPTURE(is_terminal);
        std::ostringstream err;
        Clock clock;
        {
            auto options = is_terminal ? terminal() : plain();
            options.enabled = false;
            Progress progress(err, options, clock.function());
            progress.note("snapshot set 42");
            progress.update("k", "waiting");
            progress.render();
            progress.done("k", false);
            progress.warn("post-hook `unlock` failed");
        }
        CHECK(err.str() == "pxclone: warning: post-hook `unlock` failed\n");
    }
}

TEST_CASE("terminal mode: live lines are redrawn in place, ended steps become permanent lines") {
    std::ostringstream err;
    Tail tail{err};
    Clock clock;
    auto progress = std::make_unique<Progress>(err, terminal(), clock.function());

    progress->update("snapshot/a", "snapshot a creating");
    progress->update("snapshot/b", "snapshot b creating");
    CHECK(tail.next().empty()); // updates only mark the frame; one place draws
    progress->render();
    const auto first = tail.next();
    CHECK(first == "\r\r⠋ snapshot a creating (0.0s)\x1b[K\n"
                   "\r⠋ snapshot b creating (0.0s)\x1b[K\n\x1b[J");

    clock.now += 1200ms;
    progress->update("snapshot/a", "snapshot a VOLUME_STATE_PENDING");
    progress->render();
    // Up two lines, rewrite both (the spinner moved on), clear what is left below.
    CHECK(tail.next() == "\r\x1b[2A\r⠙ snapshot a VOLUME_STATE_PENDING (1.2s)\x1b[K\n"
                         "\r⠙ snapshot b creating (1.2s)\x1b[K\n\x1b[J");

    clock.now += 1s;
    progress->done("snapshot/b", true, "snapshot b ready (id-b)");
    // A permanent line while a step still runs is drawn with the next frame (at most ~10 a
    // second); this one comes more than 100 ms after the last, so it is drawn at once.
    CHECK(visible(tail.next()) == "✓ snapshot b ready (id-b) (2.2s)\n"
                                  "⠹ snapshot a VOLUME_STATE_PENDING (2.2s)\n");
    progress->note("also this");
    CHECK(tail.next().empty()); // within 100 ms of the last frame: waits for the next
    progress->render();
    CHECK(visible(tail.next()) == "also this\n⠸ snapshot a VOLUME_STATE_PENDING (2.2s)\n");

    clock.now += 500ms;
    progress.reset(); // the command ends with a step still running (an error, ^C)
    const auto last = tail.next();
    CHECK(last.starts_with("\r\x1b[1A"));
    CHECK(visible(last) == "- snapshot a VOLUME_STATE_PENDING (unfinished, 2.7s)\n");
}

TEST_CASE("terminal mode: with nothing running, a permanent line is written at once") {
    std::ostringstream err;
    Clock clock;
    Progress progress(err, terminal(), clock.function());
    progress.note("running pre-hooks");
    CHECK(visible(err.str()) == "running pre-hooks\n");
    progress.update("k", "waiting");
    progress.render();
    progress.done("k", true); // the last step ends: the live area goes at once
    CHECK(visible(err.str()) == "running pre-hooks\n⠋ waiting (0.0s)\n✓ waiting (0.0s)\n");
    CHECK(err.str().ends_with("✓ waiting (0.0s)\x1b[K\n\x1b[J"));
}

TEST_CASE("terminal mode: live lines are cut to the width so that they never wrap") {
    std::ostringstream err;
    Clock clock;
    Progress progress(err, terminal(30), clock.function());
    progress.update("k", "deployment/a-very-long-name-for-an-app 0/3 available");
    progress.render();
    const auto shown = lines(visible(err.str()));
    REQUIRE(shown.size() == 1);
    CHECK(shown[0] == "⠋ deployment/a-very-l… (0.0s)");
    // 29 columns: one less than the width (code points, not bytes).
    std::size_t columns = 0;
    for (const char c : shown[0]) {
        columns += (static_cast<unsigned char>(c) & 0xC0U) != 0x80U ? 1 : 0;
    }
    CHECK(columns == 29);
}

TEST_CASE("colour: marks, spinner, durations and warnings only when asked") {
    for (const bool color : {true, false}) {
        CAPTURE(color);
        std::ostringstream err;
        Clock clock;
        {
            Progress progress(err, terminal(80, color), clock.function());
            progress.update("a", "one");
            progress.render();
            clock.now += 1s;
            progress.done("a", true);
            progress.update("b", "two");
            progress.render();
            clock.now += 1s;
            progress.done("b", false);
            progress.warn("careful");
        }
        const auto text = err.str();
        CHECK((text.find("\x1b[32m✓\x1b[0m one") != std::string::npos) == color);
        CHECK((text.find("\x1b[31m✗\x1b[0m two") != std::string::npos) == color);
        CHECK((text.find("\x1b[36m⠋\x1b[0m") != std::string::npos) == color);
        CHECK((text.find("\x1b[33mpxclone: warning:\x1b[0m careful") != std::string::npos) ==
              color);
        // Without colour the only escape sequences are cursor movement and clearing.
        CHECK((text.find("\x1b[0m") != std::string::npos) == color);
        CHECK(visible(text).find("✓ one (1.0s)") != std::string::npos);
    }
}

TEST_CASE("colour also on plain lines when forced (--color=always in CI)") {
    std::ostringstream err;
    Clock clock;
    auto options = plain();
    options.color = true;
    {
        Progress progress(err, options, clock.function());
        progress.update("a", "one");
        progress.done("a", true);
    }
    CHECK(lines(err.str()).back() == "10:00:00 \x1b[32m✓\x1b[0m one \x1b[2m(0.0s)\x1b[0m");
    CHECK(err.str().find('\r') == std::string::npos);
}

TEST_CASE("print() clears the live lines before a line for stdout and redraws them after") {
    std::ostringstream err;
    std::ostringstream out;
    Tail tail{err};
    Clock clock;
    Progress progress(err, terminal(), clock.function());
    progress.update("namespace/stg", "namespace/stg Terminating");
    progress.render();
    tail.next();
    progress.print(out, "namespace/stg deleted");
    CHECK(out.str() == "namespace/stg deleted\n");
    const auto around = tail.next();
    CHECK(around.starts_with("\r\x1b[1A\x1b[J")); // cleared before stdout was written
    CHECK(visible(around) == "⠙ namespace/stg Terminating (0.0s)\n");

    std::ostringstream plain_err;
    std::ostringstream plain_out;
    Progress plain_progress(plain_err, plain(), clock.function());
    plain_progress.print(plain_out, "pvc/x deleted");
    CHECK(plain_out.str() == "pvc/x deleted\n");
    CHECK(plain_err.str().empty());
}

TEST_CASE("workers reporting at once never interleave within a line") {
    std::ostringstream err;
    {
        Progress progress(err, plain(), [] { return std::chrono::system_clock::time_point{}; });
        std::vector<std::thread> workers;
        for (int w = 0; w < 4; ++w) {
            workers.emplace_back([&progress, w] {
                const auto key = "step/" + std::to_string(w);
                for (int i = 0; i < 50; ++i) {
                    progress.update(key, key + " state " + std::to_string(i));
                }
                progress.done(key, true);
            });
        }
        for (auto& worker : workers) {
            worker.join();
        }
    }
    const auto all = lines(err.str());
    CHECK(all.size() == 4 * 51);
    // Each line whole: a state, or the end of a step with its last state.
    const std::regex whole(R"(00:00:00 (✓ )?step/[0-3] state [0-9]+( \(0\.0s\))?)");
    for (const auto& line : all) {
        CHECK_MESSAGE(std::regex_match(line, whole), line);
    }
}

TEST_CASE("format_elapsed: tenths below a minute, rounded down; minutes and seconds above") {
    CHECK(format_elapsed(0ms) == "0.0s");
    CHECK(format_elapsed(99ms) == "0.0s");
    CHECK(format_elapsed(4250ms) == "4.2s");
    CHECK(format_elapsed(59999ms) == "59.9s");
    CHECK(format_elapsed(65s) == "1m5s");
    CHECK(format_elapsed(-3s) == "0.0s");
}
