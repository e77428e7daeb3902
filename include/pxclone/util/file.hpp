// Reading a whole (small) file: profiles, kubeconfigs, token and CA files, manifests.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace pxclone::util {

// The most read of a token file (a kubeconfig user's tokenFile, the Portworx token file): a token
// is a few KiB; the limit only stops a wrong path (/dev/zero, a disk image) exhausting memory.
inline constexpr std::size_t k_max_token_file_bytes = 1024 * 1024;

// FileText::error for a path that is a character or block device or a socket.
inline constexpr int k_not_a_file = -1;

// A file's bytes, or why they could not be read.
struct FileText {
    std::string text; // the whole file when error == 0, else empty
    // 0, or the errno of what failed: ENOENT, EACCES, EISDIR, EIO, ...; EFBIG when the file holds
    // more than the max_bytes read_file was given (detected without reading it all);
    // k_not_a_file for a device or socket, which `kind` names.
    int error = 0;
    std::string_view kind; // "a character device", "a block device", "a socket" or empty

    explicit operator bool() const noexcept { return error == 0; }
};

// Reads all of `path`, up to max_bytes. Sizes no buffer beyond what the file holds (nothing is
// zero-filled in advance), and refuses with EFBIG a regular file larger than max_bytes at once
// and an endless or huge stream (/dev/zero, a pipe) as soon as it passes max_bytes, so no input
// can hang it or exhaust memory. A directory is EISDIR; a device or socket is k_not_a_file, found
// before it is opened (reading /dev/zero would end only at max_bytes, opening a tty may block); a
// pipe or FIFO is read (`-p <(envsubst < p.yaml)`). Never throws for the file's sake.
FileText read_file(const std::string& path, std::size_t max_bytes);

// Why a read failed, for messages after "PATH: cannot read: ": strerror's text, for EFBIG
// "larger than 1 MiB, the most pxclone reads of <what>", for k_not_a_file "not a regular file (a
// character device)".
std::string describe_read_error(const FileText& file, std::size_t max_bytes, std::string_view what);

// Why `path` (symbolic links followed) is no file to read, in words that follow the path: "does
// not exist", "is not a regular file (a FIFO)" (or a directory, a character device, a block
// device, a socket); nullopt for a regular file, and for a path that cannot be examined (a
// permission denied: the read that follows names it).
std::optional<std::string> file_problem(const std::string& path);

} // namespace pxclone::util
