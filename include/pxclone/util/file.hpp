// Reading a whole (small) file: profiles, kubeconfigs, token and CA files, manifests.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pxclone::util {

// The most read of a token file (a kubeconfig user's tokenFile, the Portworx token file): a token
// is a few KiB; the limit only stops a wrong path (/dev/zero, a disk image) exhausting memory.
inline constexpr std::size_t k_max_token_file_bytes = 1024 * 1024;

// A file's bytes, or why they could not be read.
struct FileText {
    std::string text; // the whole file when error == 0, else empty
    // 0, or the errno of what failed: ENOENT, EACCES, EISDIR, EIO, ...; EFBIG when the file holds
    // more than the max_bytes read_file was given (detected without reading it all).
    int error = 0;

    explicit operator bool() const noexcept { return error == 0; }
};

// Reads all of `path`, up to max_bytes. Sizes no buffer beyond what the file holds (nothing is
// zero-filled in advance), and refuses with EFBIG a regular file larger than max_bytes at once
// and an endless or huge stream (/dev/zero, a pipe) as soon as it passes max_bytes, so no input
// can hang it or exhaust memory. A directory is EISDIR. Never throws for the file's sake.
FileText read_file(const std::string& path, std::size_t max_bytes);

// Why a read failed, for messages after "PATH: cannot read: ": strerror's text, or for EFBIG
// "larger than 1 MiB, the most pxclone reads of <what>".
std::string describe_read_error(const FileText& file, std::size_t max_bytes, std::string_view what);

} // namespace pxclone::util
