#include "pxclone/output/progress.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace pxclone::output {

Progress::Progress(std::ostream& err, bool enabled,
                   std::function<std::chrono::system_clock::time_point()> now)
    : m_err(err), m_enabled(enabled), m_now(std::move(now)) {}

void Progress::write_line(std::string_view text) {
    const auto now = std::chrono::floor<std::chrono::seconds>(m_now());
    m_err << fmt::format("{:%H:%M:%S} {}\n", now, text) << std::flush;
}

void Progress::note(std::string_view text) {
    if (!m_enabled) {
        return;
    }
    const std::lock_guard lock(m_mutex);
    write_line(text);
}

void Progress::update(const std::string& key, std::string_view text) {
    if (!m_enabled) {
        return;
    }
    const std::lock_guard lock(m_mutex);
    auto& last = m_last[key];
    if (last == text) {
        return;
    }
    last = text;
    write_line(text);
}

void Progress::warn(std::string_view text) {
    const std::lock_guard lock(m_mutex);
    m_err << "pxclone: warning: " << text << '\n' << std::flush;
}

} // namespace pxclone::output
