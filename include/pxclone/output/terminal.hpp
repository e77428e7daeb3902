// What stderr is attached to and whether to colour it. main.cpp asks the OS once; everything
// below takes the answer as a value, so no test depends on the terminal it runs in.
#pragma once

#include "pxclone/util/environment.hpp"

#include <string>
#include <string_view>

namespace pxclone::output {

struct Terminal {
    bool is_terminal = false; // a TTY: progress may redraw lines in place
    int width = 80;           // columns; live lines are cut to fit so that they never wrap
};

// isatty(fd), and the width from TIOCGWINSZ, else $COLUMNS, else 80. Not a terminal when TERM is
// "dumb" (an editor's shell buffer cannot move the cursor).
Terminal detect_terminal(int fd, const util::Environment& environment);

// --color=auto|always|never.
enum class ColorMode { automatic, always, never };

// always/never as said; automatic: only on a terminal, and not when NO_COLOR is set to anything
// non-empty (https://no-color.org).
bool use_color(ColorMode mode, const Terminal& terminal, const util::Environment& environment);

enum class Color { red, green, yellow, cyan, dim };

// `text` wrapped in the ANSI SGR sequence for `color` and a reset; `text` itself when `enabled`
// is false.
std::string paint(Color color, std::string_view text, bool enabled);

} // namespace pxclone::output
