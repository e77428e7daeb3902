// Progress on stderr while a command works: what it is doing and what it is waiting for.
//
// A step is keyed ("snapshot/mongo-data-0"); update() starts it or changes what it waits for,
// done() ends it. How that looks depends on where stderr goes:
// - a terminal: one live line per running step at the bottom (spinner, what it waits for,
//   elapsed time), redrawn in place about ten times a second; a step that ends becomes a
//   permanent line "✓ text (4.2s)" or "✗ text (4.2s)" above the live lines, as do notes and
//   warnings. Steps still running when the Progress is destroyed stay as "- text (unfinished…)".
// - anything else (CI logs): plain timestamped lines, one per state change, never the same line
//   twice for a step, no carriage returns and no cursor movement.
// - -q: nothing but warnings.
// Thread-safe: workers report in parallel; every write happens under one lock, and in terminal
// mode in one place (draw_locked), so lines never interleave.
#pragma once

#include "pxclone/output/terminal.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace pxclone::output {

struct ProgressOptions {
    bool enabled = true; // false (-q): only warnings are written
    Terminal terminal;   // is_terminal: live lines; otherwise plain timestamped lines
    bool color = false;  // ANSI colours for marks, spinner, durations and warnings
    // Terminal mode: a thread redraws the live lines every 100 ms. Tests turn it off and draw
    // frames themselves with render().
    bool background_redraw = true;
};

class Progress {
public:
    using Now = std::function<std::chrono::system_clock::time_point()>;

    // `now` stamps the plain lines and measures the steps (injectable for tests).
    Progress(
        std::ostream& err, ProgressOptions options,
        Now now = [] { return std::chrono::system_clock::now(); });
    // Stops the redraw thread and leaves the screen with permanent lines only.
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    // A permanent line about the command as a whole ("snapshot set 42: 3 volumes").
    void note(std::string_view text);
    // Step `key` begins or now waits for `text` ("snapshot mongo-data-0 pending"). A repeated
    // text changes nothing.
    void update(const std::string& key, std::string_view text);
    // Step `key` ended, well or not: its last text (or `text` when given) becomes a permanent
    // line with ✓ or ✗ and the time since its first update. An unknown key is a step of no
    // duration.
    void done(const std::string& key, bool ok, std::string_view text = {});
    // A warning: written even under -q, since it is not progress but something to act on.
    void warn(std::string_view text);
    // A line for another stream that shares the screen (stdout on the same terminal): the live
    // lines are cleared first and redrawn after, so the two never overwrite each other.
    void print(std::ostream& out, std::string_view line);

    // Terminal mode: draws one frame now. The redraw thread calls this; tests call it directly.
    void render();

private:
    struct Step {
        std::string key;
        std::string text;
        std::chrono::system_clock::time_point started;
    };

    bool live() const { return m_options.enabled && m_options.terminal.is_terminal; }
    std::vector<Step>::iterator find(const std::string& key);
    void permanent_locked(std::string line);
    void draw_locked();
    void write_plain_locked(std::string_view text);
    std::string live_line(const Step& step, std::chrono::system_clock::time_point now) const;
    std::string ended_line(bool ok, std::string_view text,
                           std::chrono::system_clock::duration took) const;
    void redraw_loop();

    std::ostream& m_err;
    ProgressOptions m_options;
    Now m_now;
    std::mutex m_mutex;
    std::vector<Step> m_steps;                                 // running, in order of start
    std::map<std::string, std::string, std::less<>> m_printed; // plain mode: last line per key
    std::vector<std::string> m_pending; // terminal mode: permanent lines not drawn yet
    std::size_t m_drawn = 0;            // live lines on the screen below the permanent ones
    std::size_t m_frame = 0;            // spinner position
    std::chrono::system_clock::time_point m_last_draw{};
    std::condition_variable m_wake;
    bool m_stop = false;
    std::thread m_redraw;
};

// "0.4s", "12.3s", "1m5s": how long a step took or has been running.
std::string format_elapsed(std::chrono::system_clock::duration elapsed);

} // namespace pxclone::output
