#include "object_store.hpp"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace pxsim {

bool MemoryObjectStore::put_new(const std::string& key, const std::string& text) {
    std::lock_guard lock(m_mutex);
    return m_objects.emplace(key, text).second;
}

std::optional<std::string> MemoryObjectStore::get(const std::string& key) const {
    std::lock_guard lock(m_mutex);
    const auto found = m_objects.find(key);
    if (found == m_objects.end()) {
        return std::nullopt;
    }
    return found->second;
}

std::map<std::string, std::string> MemoryObjectStore::list() const {
    std::lock_guard lock(m_mutex);
    return m_objects;
}

bool MemoryObjectStore::remove(const std::string& key) {
    std::lock_guard lock(m_mutex);
    return m_objects.erase(key) != 0;
}

namespace {

// File names: keys percent-encoded (backup ids carry a slash), with a suffix so that temporary
// files (leading '.') are never taken for objects.
const char* const k_suffix = ".json";

std::string encode_key(const std::string& key) {
    std::string out;
    for (unsigned char c : key) {
        const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (plain) {
            out += static_cast<char>(c);
        } else {
            char escaped[4];
            std::snprintf(escaped, sizeof escaped, "%%%02X", c);
            out += escaped;
        }
    }
    return out + k_suffix;
}

std::optional<std::string> decode_name(const std::string& name) {
    const std::size_t suffix = std::strlen(k_suffix);
    if (name.empty() || name[0] == '.' || name.size() <= suffix ||
        name.compare(name.size() - suffix, suffix, k_suffix) != 0) {
        return std::nullopt;
    }
    const std::size_t end = name.size() - suffix;
    std::string key;
    for (std::size_t i = 0; i < end; ++i) {
        if (name[i] == '%' && i + 2 < end) {
            key += static_cast<char>(std::stoi(name.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            key += name[i];
        }
    }
    return key;
}

std::optional<std::string> read_whole(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return std::nullopt;
    }
    std::string text;
    char buffer[8192];
    while (true) {
        const ssize_t got = ::read(fd, buffer, sizeof buffer);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            break;
        }
        text.append(buffer, static_cast<std::size_t>(got));
    }
    ::close(fd);
    return text;
}

} // namespace

DirectoryObjectStore::DirectoryObjectStore(std::string directory)
    : m_directory(std::move(directory)) {
    if (m_directory.empty()) {
        throw std::runtime_error("--object-store: an empty directory name");
    }
    if (::mkdir(m_directory.c_str(), 0755) != 0 && errno != EEXIST) {
        throw std::runtime_error("--object-store " + m_directory + ": " + std::strerror(errno));
    }
    struct stat info {};
    if (::stat(m_directory.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
        throw std::runtime_error("--object-store " + m_directory + ": not a directory");
    }
}

std::string DirectoryObjectStore::path_of(const std::string& key) const {
    return m_directory + "/" + encode_key(key);
}

bool DirectoryObjectStore::put_new(const std::string& key, const std::string& text) {
    static std::atomic<unsigned long> counter{0};
    const std::string temporary = m_directory + "/.tmp-" + std::to_string(::getpid()) + "-" +
                                  std::to_string(counter.fetch_add(1));
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        throw std::runtime_error("object store: cannot write " + temporary + ": " +
                                 std::strerror(errno));
    }
    std::size_t written = 0;
    while (written < text.size()) {
        const ssize_t wrote = ::write(fd, text.data() + written, text.size() - written);
        if (wrote < 0 && errno == EINTR) {
            continue;
        }
        if (wrote <= 0) {
            const int error = errno;
            ::close(fd);
            ::unlink(temporary.c_str());
            throw std::runtime_error("object store: cannot write " + temporary + ": " +
                                     std::strerror(error));
        }
        written += static_cast<std::size_t>(wrote);
    }
    ::close(fd);
    // link(2) is the atomic "create if absent" that rename(2) is not.
    const bool linked = ::link(temporary.c_str(), path_of(key).c_str()) == 0;
    const int error = errno;
    ::unlink(temporary.c_str());
    if (!linked && error != EEXIST) {
        throw std::runtime_error("object store: cannot store " + path_of(key) + ": " +
                                 std::strerror(error));
    }
    return linked;
}

std::optional<std::string> DirectoryObjectStore::get(const std::string& key) const {
    return read_whole(path_of(key));
}

std::map<std::string, std::string> DirectoryObjectStore::list() const {
    std::map<std::string, std::string> objects;
    DIR* directory = ::opendir(m_directory.c_str());
    if (directory == nullptr) {
        throw std::runtime_error("object store: cannot list " + m_directory + ": " +
                                 std::strerror(errno));
    }
    while (const dirent* entry = ::readdir(directory)) {
        const auto key = decode_name(entry->d_name);
        if (!key) {
            continue;
        }
        // Removed by another process since readdir saw it: not there.
        if (auto text = read_whole(m_directory + "/" + entry->d_name)) {
            objects.emplace(*key, std::move(*text));
        }
    }
    ::closedir(directory);
    return objects;
}

bool DirectoryObjectStore::remove(const std::string& key) {
    return ::unlink(path_of(key).c_str()) == 0;
}

std::shared_ptr<ObjectStore> make_object_store(const std::string& directory) {
    if (directory.empty()) {
        return std::make_shared<MemoryObjectStore>();
    }
    return std::make_shared<DirectoryObjectStore>(directory);
}

} // namespace pxsim
