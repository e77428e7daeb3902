// The object store pxsim's cloud backups are written to (px_cloud.cpp): a bucket of named
// objects (one JSON text per backup). `--object-store DIR` makes it a directory that several
// pxsim processes share, so that one cluster restores what another backed up; without it, each
// pxsim keeps its own in memory.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace pxsim {

class ObjectStore {
public:
    virtual ~ObjectStore() = default;
    // Stores `text` under `key` unless an object of that key exists (false then, nothing
    // written). Atomic: no reader, in this process or another, sees a partial object.
    virtual bool put_new(const std::string& key, const std::string& text) = 0;
    // The object, or nullopt when there is none.
    virtual std::optional<std::string> get(const std::string& key) const = 0;
    // Every object, ordered by key.
    virtual std::map<std::string, std::string> list() const = 0;
    // Removes the object; false when there was none (also when another process removed it
    // first: of two concurrent removals exactly one succeeds).
    virtual bool remove(const std::string& key) = 0;
};

// One process's bucket, in memory. Thread-safe.
class MemoryObjectStore : public ObjectStore {
public:
    bool put_new(const std::string& key, const std::string& text) override;
    std::optional<std::string> get(const std::string& key) const override;
    std::map<std::string, std::string> list() const override;
    bool remove(const std::string& key) override;

private:
    mutable std::mutex m_mutex;
    std::map<std::string, std::string> m_objects;
};

// A directory standing for the bucket, one file per object (the key percent-encoded into the
// file name). Safe for several processes without a lock: an object is written to a temporary
// file first and then linked to its name (link(2) fails when the name exists, so put_new is
// exclusive), and removed with one unlink(2); files are never rewritten in place.
class DirectoryObjectStore : public ObjectStore {
public:
    // Creates the directory when missing; throws std::runtime_error when it cannot.
    explicit DirectoryObjectStore(std::string directory);
    bool put_new(const std::string& key, const std::string& text) override;
    std::optional<std::string> get(const std::string& key) const override;
    std::map<std::string, std::string> list() const override;
    bool remove(const std::string& key) override;

private:
    std::string m_directory;
    std::string path_of(const std::string& key) const;
};

// `--object-store DIR`: a DirectoryObjectStore, or a MemoryObjectStore for "".
std::shared_ptr<ObjectStore> make_object_store(const std::string& directory);

} // namespace pxsim
