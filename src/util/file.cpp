#include "pxclone/util/file.hpp"

#include "pxclone/util/text.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace pxclone::util {

namespace {

// Closes the descriptor on every path out.
struct Descriptor {
    int fd;
    ~Descriptor() {
        if (fd >= 0) {
            ::close(fd);
        }
    }
};

FileText failed(int error) {
    return FileText{{}, error, {}};
}

// What a file of `mode` is when it is not a regular file; empty when it is one.
std::string_view kind_of(mode_t mode) {
    if (S_ISDIR(mode)) {
        return "a directory";
    }
    if (S_ISCHR(mode)) {
        return "a character device";
    }
    if (S_ISBLK(mode)) {
        return "a block device";
    }
    if (S_ISFIFO(mode)) {
        return "a FIFO";
    }
    if (S_ISSOCK(mode)) {
        return "a socket";
    }
    return S_ISREG(mode) ? "" : "a special file";
}

} // namespace

FileText read_file(const std::string& path, std::size_t max_bytes) {
    if (struct stat info{};
        ::stat(path.c_str(), &info) == 0 &&
        (S_ISCHR(info.st_mode) || S_ISBLK(info.st_mode) || S_ISSOCK(info.st_mode))) {
        return FileText{{}, k_not_a_file, kind_of(info.st_mode)};
    }
    const Descriptor file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (file.fd < 0) {
        return failed(errno);
    }
    struct stat info {};
    if (::fstat(file.fd, &info) != 0) {
        return failed(errno);
    }
    if (S_ISDIR(info.st_mode)) {
        return failed(EISDIR);
    }
    FileText result;
    if (S_ISREG(info.st_mode)) {
        // A regular file says its size: refuse a large one without reading it. /proc files and
        // the like say 0 and are read like a stream.
        if (static_cast<std::uintmax_t>(info.st_size) > max_bytes) {
            return failed(EFBIG);
        }
        result.text.reserve(static_cast<std::size_t>(info.st_size));
    }
    std::array<char, 64 * 1024> chunk; // not zero-filled: read() writes what is used
    for (;;) {
        const auto count = ::read(file.fd, chunk.data(), chunk.size());
        if (count < 0) {
            if (errno == EINTR) {
                continue;
            }
            return failed(errno);
        }
        if (count == 0) {
            return result;
        }
        const auto size = static_cast<std::size_t>(count);
        if (size > max_bytes - result.text.size()) {
            return failed(EFBIG);
        }
        result.text.append(chunk.data(), size);
    }
}

std::string describe_read_error(const FileText& file, std::size_t max_bytes,
                                std::string_view what) {
    if (file.error == EFBIG) {
        return fmt::format("larger than {}, the most pxclone reads of {}",
                           describe_bytes(max_bytes), what);
    }
    if (file.error == k_not_a_file) {
        return fmt::format("not a regular file ({})", file.kind);
    }
    return std::strerror(file.error);
}

std::optional<std::string> file_problem(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            return "does not exist";
        }
        return std::nullopt;
    }
    if (S_ISREG(info.st_mode)) {
        return std::nullopt;
    }
    return fmt::format("is not a regular file ({})", kind_of(info.st_mode));
}

} // namespace pxclone::util
