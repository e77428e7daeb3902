// arc4random for the portable build (PXCLONE_PORTABLE, cmake/Portable.cmake), so the binary
// needs no glibc symbol newer than 2.34.
//
// Why: GCC 12's libstdc++ (libstdc++.a, linked statically by -static-libstdc++) calls arc4random()
// in std::random_device when the glibc it was built against has it: arc4random is GLIBC_2.36
// (Debian 12 has 2.36), and Amazon Linux 2023 has 2.34, where the binary would not start. glibc
// has no older version of the symbol to bind to with .symver, so it is provided here.
//
// How: the same contract and the same source as glibc 2.36's own arc4random: 32 bits from the
// kernel's CSPRNG through getrandom() (GLIBC_2.25), /dev/urandom where the kernel predates
// getrandom (before Linux 3.17), and abort() when neither gives randomness (arc4random cannot
// fail). Hidden visibility keeps it out of the dynamic symbol table: only libstdc++'s static
// reference binds to it, and libcurl's libraries keep glibc's.
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

namespace {

// Fills `size` bytes from /dev/urandom; false when it cannot.
bool read_urandom(void* buffer, std::size_t size) {
    const int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    auto* out = static_cast<unsigned char*>(buffer);
    std::size_t done = 0;
    while (done < size) {
        const ssize_t got = read(fd, out + done, size - done);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            break;
        }
        done += static_cast<std::size_t>(got);
    }
    close(fd);
    return done == size;
}

} // namespace

extern "C" __attribute__((visibility("hidden"))) std::uint32_t arc4random() noexcept {
    std::uint32_t value = 0;
    for (;;) {
        const ssize_t got = getrandom(&value, sizeof value, 0);
        if (got == static_cast<ssize_t>(sizeof value)) {
            return value;
        }
        if (got < 0 && errno != EINTR) {
            break; // ENOSYS: no getrandom in this kernel
        }
    }
    if (read_urandom(&value, sizeof value)) {
        return value;
    }
    std::abort();
}
