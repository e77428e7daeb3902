// Small text helpers shared by the validators.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace pxclone::util {

// Levenshtein distance (insertions, deletions and substitutions each cost 1).
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` when it is close enough to be a plausible typo (at most a third
// of the word's length, and at least 1-2 edits allowed; a case-only difference always counts);
// nullopt otherwise. Ties go to the earlier candidate.
std::optional<std::string> closest_match(std::string_view word,
                                         std::span<const std::string_view> candidates);

// " (did you mean 'x'?)" for the closest candidate, or "" when there is none.
std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates);

// The offset of the first byte that does not start a well-formed UTF-8 sequence (a stray
// continuation byte, an overlong two-byte form, a code point above U+10FFFF, a sequence cut
// short), or nullopt when all of `text` is UTF-8. NUL and other control characters are UTF-8.
std::optional<std::size_t> find_invalid_utf8(std::string_view text);
bool is_valid_utf8(std::string_view text);

// Text from a server (an error message) made fit for a one-line message: line breaks and other
// control characters become single spaces, and more than max_bytes are cut with "...".
std::string one_line(std::string_view text, std::size_t max_bytes = 400);

// A size for messages: "64 MiB", "512 KiB" when it is a whole number of those, else "N bytes".
std::string describe_bytes(std::size_t bytes);

// `word` as a POSIX shell reads it back: as is when it holds only safe characters
// (alphanumerics and @%+=:,./_-), else in single quotes.
std::string shell_word(const std::string& word);

} // namespace pxclone::util
