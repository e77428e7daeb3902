#include "pxclone/output/progress.hpp"

#include "pxclone/util/duration.hpp"

#include <algorithm>
#include <array>

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace pxclone::output {

namespace {

using namespace std::chrono_literals;

constexpr auto k_redraw_interval = 100ms;
constexpr std::array<std::string_view, 10> k_spinner{"⠋", "⠙", "⠹", "⠸", "⠼",
                                                     "⠴", "⠦", "⠧", "⠇", "⠏"};
constexpr std::string_view k_clear_to_line_end = "\x1b[K";
constexpr std::string_view k_clear_to_screen_end = "\x1b[J";

bool is_continuation_byte(char c) {
    return (static_cast<unsigned char>(c) & 0xC0U) == 0x80U;
}

// Terminal columns, counting one per code point (what we print is text, not CJK or emoji).
std::size_t columns(std::string_view text) {
    return static_cast<std::size_t>(
        std::count_if(text.begin(), text.end(), [](char c) { return !is_continuation_byte(c); }));
}

// At most `width` columns: longer text is cut at a code point and ends with "…".
std::string fit(std::string_view text, std::size_t width) {
    if (columns(text) <= width) {
        return std::string(text);
    }
    if (width == 0) {
        return {};
    }
    std::size_t kept = 0;
    std::size_t end = 0;
    while (end < text.size()) {
        if (!is_continuation_byte(text[end])) {
            if (kept == width - 1) {
                break;
            }
            ++kept;
        }
        ++end;
    }
    return std::string(text.substr(0, end)) + "…";
}

// Moves the cursor to the start of the first of `lines` live lines drawn before.
std::string cursor_to_live_area(std::size_t lines) {
    return lines == 0 ? std::string("\r") : fmt::format("\r\x1b[{}A", lines);
}

} // namespace

std::string format_elapsed(std::chrono::system_clock::duration elapsed) {
    const auto ms = std::max(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed),
                             std::chrono::milliseconds{0});
    if (ms < 1min) {
        // Tenths, rounded down, so that a step never looks longer than it was.
        return fmt::format("{}.{}s", ms.count() / 1000, ms.count() % 1000 / 100);
    }
    return util::format_duration(std::chrono::floor<std::chrono::seconds>(ms));
}

Progress::Progress(std::ostream& err, ProgressOptions options, Now now)
    : m_err(err), m_options(options), m_now(std::move(now)) {
    if (live() && m_options.background_redraw) {
        m_redraw = std::thread([this] { redraw_loop(); });
    }
}

Progress::~Progress() {
    {
        const std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    if (m_redraw.joinable()) {
        m_redraw.join();
    }
    if (!live()) {
        return;
    }
    const std::lock_guard lock(m_mutex);
    const auto now = m_now();
    for (const auto& step : m_steps) {
        m_pending.push_back(fmt::format(
            "{} {} {}", paint(Color::dim, "-", m_options.color), step.text,
            paint(Color::dim, fmt::format("(unfinished, {})", format_elapsed(now - step.started)),
                  m_options.color)));
    }
    m_steps.clear();
    draw_locked();
}

std::vector<Progress::Step>::iterator Progress::find(const std::string& key) {
    return std::find_if(m_steps.begin(), m_steps.end(),
                        [&key](const Step& step) { return step.key == key; });
}

void Progress::note(std::string_view text) {
    if (!m_options.enabled) {
        return;
    }
    const std::lock_guard lock(m_mutex);
    if (live()) {
        permanent_locked(std::string(text));
    } else {
        write_plain_locked(text);
    }
}

void Progress::update(const std::string& key, std::string_view text) {
    if (!m_options.enabled) {
        return;
    }
    const std::lock_guard lock(m_mutex);
    auto step = find(key);
    if (step == m_steps.end()) {
        m_steps.push_back({key, std::string(text), m_now()});
    } else {
        step->text = text;
    }
    if (live()) {
        // The redraw thread shows it within 100 ms: a burst of updates costs one frame.
        return;
    }
    auto& printed = m_printed[key];
    if (printed != text) {
        printed = text;
        write_plain_locked(text);
    }
}

void Progress::done(const std::string& key, bool ok, std::string_view text) {
    if (!m_options.enabled) {
        return;
    }
    const std::lock_guard lock(m_mutex);
    std::string line(text);
    std::chrono::system_clock::duration took{};
    if (auto step = find(key); step != m_steps.end()) {
        if (line.empty()) {
            line = step->text;
        }
        took = m_now() - step->started;
        m_steps.erase(step);
    }
    if (line.empty()) {
        line = key;
    }
    // A later step of the same key is a new step: its first state is printed again.
    m_printed.erase(key);
    if (live()) {
        permanent_locked(ended_line(ok, line, took));
    } else {
        write_plain_locked(ended_line(ok, line, took));
    }
}

void Progress::warn(std::string_view text) {
    const std::lock_guard lock(m_mutex);
    auto line =
        fmt::format("{} {}", paint(Color::yellow, "pxclone: warning:", m_options.color), text);
    if (live()) {
        permanent_locked(std::move(line));
    } else {
        m_err << line << '\n' << std::flush;
    }
}

void Progress::print(std::ostream& out, std::string_view line) {
    const std::lock_guard lock(m_mutex);
    if (live() && (m_drawn > 0 || !m_pending.empty())) {
        std::string frame = cursor_to_live_area(m_drawn);
        for (const auto& pending : m_pending) {
            frame += pending;
            frame += k_clear_to_line_end;
            frame += '\n';
        }
        frame += k_clear_to_screen_end;
        m_pending.clear();
        m_drawn = 0;
        m_err << frame << std::flush;
    }
    out << line << '\n' << std::flush;
    if (live() && !m_steps.empty()) {
        draw_locked();
    }
}

void Progress::render() {
    const std::lock_guard lock(m_mutex);
    if (live()) {
        draw_locked();
    }
}

void Progress::permanent_locked(std::string line) {
    m_pending.push_back(std::move(line));
    // Nothing live to redraw: write it now (a hook may write next). Otherwise keep to the pace.
    if (m_steps.empty() || m_now() - m_last_draw >= k_redraw_interval) {
        draw_locked();
    }
}

// The one place that writes in terminal mode: back to the first live line, the permanent lines
// not written yet, then every live line, each cleared to its end, then the rest of the screen.
void Progress::draw_locked() {
    if (m_drawn == 0 && m_pending.empty() && m_steps.empty()) {
        return;
    }
    const auto now = m_now();
    std::string frame = cursor_to_live_area(m_drawn);
    for (const auto& line : m_pending) {
        frame += line;
        frame += k_clear_to_line_end;
        frame += '\n';
    }
    for (const auto& step : m_steps) {
        frame += '\r';
        frame += live_line(step, now);
        frame += k_clear_to_line_end;
        frame += '\n';
    }
    frame += k_clear_to_screen_end;
    m_pending.clear();
    m_drawn = m_steps.size();
    m_last_draw = now;
    if (!m_steps.empty()) {
        ++m_frame;
    }
    m_err << frame << std::flush;
}

void Progress::write_plain_locked(std::string_view text) {
    const auto now = std::chrono::floor<std::chrono::seconds>(m_now());
    m_err << fmt::format("{:%H:%M:%S} {}\n", now, text) << std::flush;
}

std::string Progress::live_line(const Step& step, std::chrono::system_clock::time_point now) const {
    const auto spinner = k_spinner.at(m_frame % k_spinner.size());
    const auto elapsed = "(" + format_elapsed(now - step.started) + ")";
    // Never the last column: a line that fills it wraps on some terminals, and then moving up
    // by the number of lines drawn would land in the wrong place.
    const auto width = static_cast<std::size_t>(std::max(m_options.terminal.width, 20)) - 1;
    const auto used = columns(spinner) + 1 + 1 + columns(elapsed);
    const auto text = fit(step.text, width > used ? width - used : 1);
    return fmt::format("{} {} {}", paint(Color::cyan, spinner, m_options.color), text,
                       paint(Color::dim, elapsed, m_options.color));
}

std::string Progress::ended_line(bool ok, std::string_view text,
                                 std::chrono::system_clock::duration took) const {
    const auto mark =
        ok ? paint(Color::green, "✓", m_options.color) : paint(Color::red, "✗", m_options.color);
    return fmt::format("{} {} {}", mark, text,
                       paint(Color::dim, "(" + format_elapsed(took) + ")", m_options.color));
}

void Progress::redraw_loop() {
    std::unique_lock lock(m_mutex);
    while (!m_stop) {
        m_wake.wait_for(lock, k_redraw_interval);
        if (!m_stop && (!m_steps.empty() || !m_pending.empty())) {
            draw_locked();
        }
    }
}

} // namespace pxclone::output
