// One problem found in a profile, with its place, as validation reports it.
#pragma once

#include <string>
#include <vector>

namespace pxclone::profile {

struct Diagnostic {
    std::string file;    // as given on the command line
    int line = 0;        // 1-based; 0 when the problem concerns the whole file
    int column = 0;      // 1-based; 0 when the problem concerns the whole file
    std::string path;    // key path such as "staging.volumes" or "source.pvcs[1]"; may be empty
    std::string message; // what is wrong, with the fix when there is one

    // "file:line:column: path: message" (the parts that are unknown left out).
    std::string format() const;
};

// Each diagnostic formatted, in the order given.
std::vector<std::string> format_all(const std::vector<Diagnostic>& diagnostics);

} // namespace pxclone::profile
