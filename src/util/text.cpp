#include "pxclone/util/text.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

namespace pxclone::util {

namespace {
bool equal_ignoring_case(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) ==
               std::tolower(static_cast<unsigned char>(y));
    });
}
} // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) {
        row[j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] =
                std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0U : 1U)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

std::optional<std::string> closest_match(std::string_view word,
                                         std::span<const std::string_view> candidates) {
    // Words longer than any candidate by far are not typos; skip the quadratic work on them.
    if (word.size() > 64) {
        return std::nullopt;
    }
    const std::size_t allowed = std::max<std::size_t>(word.size() <= 3 ? 1 : 2, word.size() / 3);
    std::optional<std::string> best;
    std::size_t best_distance = allowed + 1;
    for (const auto candidate : candidates) {
        if (equal_ignoring_case(word, candidate)) {
            return std::string(candidate);
        }
        const auto distance = edit_distance(word, candidate);
        if (distance < best_distance) {
            best_distance = distance;
            best = std::string(candidate);
        }
    }
    return best;
}

std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates) {
    if (const auto match = closest_match(word, candidates)) {
        return " (did you mean '" + *match + "'?)";
    }
    return {};
}

std::optional<std::size_t> find_invalid_utf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        std::size_t length = 1;
        if (c >= 0x80) {
            if ((c & 0xE0) == 0xC0 && c >= 0xC2) {
                length = 2;
            } else if ((c & 0xF0) == 0xE0) {
                length = 3;
            } else if ((c & 0xF8) == 0xF0 && c <= 0xF4) {
                length = 4;
            } else {
                return i;
            }
            if (i + length > text.size()) {
                return i;
            }
            for (std::size_t k = 1; k < length; ++k) {
                if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) {
                    return i;
                }
            }
        }
        i += length;
    }
    return std::nullopt;
}

bool is_valid_utf8(std::string_view text) {
    return !find_invalid_utf8(text);
}

std::string one_line(std::string_view text, std::size_t max_bytes) {
    std::string out;
    bool space = false;
    for (const char ch : text) {
        if (std::iscntrl(static_cast<unsigned char>(ch)) != 0) {
            space = !out.empty();
            continue;
        }
        if (space) {
            out += ' ';
            space = false;
        }
        if (out.size() >= max_bytes) {
            out += "...";
            break;
        }
        out += ch;
    }
    return out;
}

std::string describe_bytes(std::size_t bytes) {
    constexpr std::size_t k_kib = 1024;
    if (bytes != 0 && bytes % (k_kib * k_kib) == 0) {
        return std::to_string(bytes / (k_kib * k_kib)) + " MiB";
    }
    if (bytes != 0 && bytes % k_kib == 0) {
        return std::to_string(bytes / k_kib) + " KiB";
    }
    return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
}

std::string shell_word(const std::string& word) {
    const bool safe = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
               std::string_view("@%+=:,./_-").find(c) != std::string_view::npos;
    });
    if (safe) {
        return word;
    }
    std::string quoted = "'";
    for (const char c : word) {
        quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return quoted + "'";
}

} // namespace pxclone::util
