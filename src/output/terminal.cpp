#include "pxclone/output/terminal.hpp"

#include <charconv>
#include <sys/ioctl.h>
#include <unistd.h>

namespace pxclone::output {

Terminal detect_terminal(int fd, const util::Environment& environment) {
    Terminal terminal;
    terminal.is_terminal = isatty(fd) == 1 && environment.get("TERM").value_or("") != "dumb";
    winsize size{};
    if (terminal.is_terminal && ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
        terminal.width = size.ws_col;
        return terminal;
    }
    if (const auto columns = environment.get("COLUMNS")) {
        int width = 0;
        const auto [end, ec] =
            std::from_chars(columns->data(), columns->data() + columns->size(), width);
        if (ec == std::errc{} && end == columns->data() + columns->size() && width > 0) {
            terminal.width = width;
        }
    }
    return terminal;
}

bool use_color(ColorMode mode, const Terminal& terminal, const util::Environment& environment) {
    switch (mode) {
    case ColorMode::always:
        return true;
    case ColorMode::never:
        return false;
    case ColorMode::automatic:
        break;
    }
    return terminal.is_terminal && environment.get("NO_COLOR").value_or("").empty();
}

std::string paint(Color color, std::string_view text, bool enabled) {
    if (!enabled) {
        return std::string(text);
    }
    std::string_view code;
    switch (color) {
    case Color::red:
        code = "31";
        break;
    case Color::green:
        code = "32";
        break;
    case Color::yellow:
        code = "33";
        break;
    case Color::cyan:
        code = "36";
        break;
    case Color::dim:
        code = "2";
        break;
    }
    std::string painted = "\x1b[";
    painted += code;
    painted += 'm';
    painted += text;
    painted += "\x1b[0m";
    return painted;
}

} // namespace pxclone::output
