#include "pxclone/exec/snapshot_backend.hpp"

#include <mutex>

namespace pxclone::exec {

namespace {

class DryRunBackend final : public SnapshotBackend {
public:
    DryRunBackend(SnapshotBackend& real, std::ostream& out) : m_real(real), m_out(out) {}

    std::vector<plan::ExistingSnapshot> find_existing(const plan::SnapshotPlan& plan) override {
        return m_real.find_existing(plan);
    }

    TakenSnapshot take(const plan::SnapshotPlan& plan, const plan::PlannedSnapshot& snapshot,
                       std::chrono::system_clock::time_point deadline) override {
        (void)deadline;
        if (snapshot.existing.empty()) {
            write(m_real.create_request(plan, snapshot));
        }
        return {.source = plan.source_namespace + "/" + snapshot.source.pvc,
                .pvc = snapshot.source.pvc,
                .id = snapshot.existing,
                .portworx_id = snapshot.existing,
                .size_bytes = snapshot.source.size_bytes,
                .reused = !snapshot.existing.empty()};
    }

    void remove(const plan::SnapshotPlan& plan, const TakenSnapshot& snapshot) override {
        write(m_real.remove_request(plan, snapshot));
    }

    std::string create_request(const plan::SnapshotPlan& plan,
                               const plan::PlannedSnapshot& snapshot) const override {
        return m_real.create_request(plan, snapshot);
    }

    std::string remove_request(const plan::SnapshotPlan& plan,
                               const TakenSnapshot& snapshot) const override {
        return m_real.remove_request(plan, snapshot);
    }

private:
    // take() runs on several workers at once: each line goes out whole.
    void write(const std::string& line) {
        const std::lock_guard lock(m_mutex);
        m_out << line << '\n';
    }

    SnapshotBackend& m_real;
    std::ostream& m_out;
    std::mutex m_mutex;
};

} // namespace

std::unique_ptr<SnapshotBackend> make_dry_run_backend(SnapshotBackend& real, std::ostream& out) {
    return std::make_unique<DryRunBackend>(real, out);
}

} // namespace pxclone::exec
