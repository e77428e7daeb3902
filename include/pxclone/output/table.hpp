// Text tables as kubectl prints them: an upper-case header row, columns left-aligned and separated
// by three spaces, no borders.
#pragma once

#include <chrono>
#include <ostream>
#include <string>
#include <vector>

namespace pxclone::output {

using Row = std::vector<std::string>;

// Prints `header` then `rows`; a short row is padded with empty cells. Trailing spaces are
// trimmed from each line. Nothing is printed when `rows` is empty.
void print_table(const Row& header, const std::vector<Row>& rows, std::ostream& out);

// An age as kubectl's HumanDuration writes it: "45s" (below 2m), "5m30s" (below 10m), "42m"
// (below 3h), "5h12m" (below 8h), "30h" (below 48h), "3d4h" (below 8d), "12d". A negative age
// (an object stamped ahead of this clock) prints "0s".
std::string format_age(std::chrono::seconds age);

} // namespace pxclone::output
