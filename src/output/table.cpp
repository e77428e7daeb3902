#include "pxclone/output/table.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace pxclone::output {

void print_table(const Row& header, const std::vector<Row>& rows, std::ostream& out) {
    if (rows.empty()) {
        return;
    }
    std::vector<std::size_t> widths(header.size(), 0);
    const auto measure = [&widths](const Row& row) {
        if (row.size() > widths.size()) {
            widths.resize(row.size(), 0);
        }
        for (std::size_t i = 0; i < row.size(); ++i) {
            widths[i] = std::max(widths[i], row[i].size());
        }
    };
    measure(header);
    for (const auto& row : rows) {
        measure(row);
    }
    const auto print_row = [&](const Row& row) {
        std::string line;
        for (std::size_t i = 0; i < widths.size(); ++i) {
            const auto cell = i < row.size() ? row[i] : std::string();
            line += cell;
            if (i + 1 < widths.size()) {
                line += std::string(widths[i] - cell.size() + 3, ' ');
            }
        }
        while (!line.empty() && line.back() == ' ') {
            line.pop_back();
        }
        out << line << '\n';
    };
    print_row(header);
    for (const auto& row : rows) {
        print_row(row);
    }
}

std::string format_age(std::chrono::seconds age) {
    using namespace std::chrono;
    const auto seconds = std::max<long long>(age.count(), 0);
    if (seconds < 120) {
        return fmt::format("{}s", seconds);
    }
    const auto minutes = seconds / 60;
    if (minutes < 10) {
        return seconds % 60 == 0 ? fmt::format("{}m", minutes)
                                 : fmt::format("{}m{}s", minutes, seconds % 60);
    }
    if (minutes < 180) {
        return fmt::format("{}m", minutes);
    }
    const auto hours = minutes / 60;
    if (hours < 8) {
        return minutes % 60 == 0 ? fmt::format("{}h", hours)
                                 : fmt::format("{}h{}m", hours, minutes % 60);
    }
    if (hours < 48) {
        return fmt::format("{}h", hours);
    }
    const auto days = hours / 24;
    if (days < 8 && hours % 24 != 0) {
        return fmt::format("{}d{}h", days, hours % 24);
    }
    return fmt::format("{}d", days);
}

} // namespace pxclone::output
