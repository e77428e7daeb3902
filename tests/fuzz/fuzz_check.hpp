// What every libFuzzer target accepts from the code it drives, and how it reports anything else:
// a finding is a message on stderr and abort(), which libFuzzer turns into a kept crash input.
#pragma once

#include "pxclone/error.hpp"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

namespace pxclone::fuzz {

[[noreturn]] inline void finding(const char* where, const std::string& what) {
    std::fprintf(stderr, "%s: %s\n", where, what.c_str());
    std::abort();
}

// A pxclone::Error is how a bad input may be refused; its message must be one line.
inline void check_error(const char* where, const Error& error) {
    const std::string what = error.what();
    if (what.empty() || what.find('\n') != std::string::npos) {
        finding(where, "not a one-line message: '" + what + "'");
    }
}

// Runs f(): it may throw only a pxclone::Error with a one-line message.
template <typename F>
void expect_only_pxclone_errors(const char* where, F&& f) {
    try {
        f();
    } catch (const Error& e) {
        check_error(where, e);
    } catch (const std::exception& e) {
        finding(where, std::string("threw a non-pxclone error: ") + e.what());
    }
}

// Runs f(): it must not throw at all.
template <typename F>
void expect_no_exception(const char* where, F&& f) {
    try {
        f();
    } catch (const std::exception& e) {
        finding(where, std::string("threw: ") + e.what());
    }
}

} // namespace pxclone::fuzz
