#include "pxclone/exec/snapshot_set_runner.hpp"

#include "pxclone/exec/hooks.hpp"

#include <functional>

namespace pxclone::exec {

namespace {

// Both runners: what differs is what they are made of (the dry run's backend and processes print,
// its retention prints the DELETEs).
class ComposedSnapshotSetRunner final : public SnapshotSetRunner {
public:
    using Prune = std::function<RetentionResult(const Retention&)>;

    ComposedSnapshotSetRunner(bool sends, std::unique_ptr<SnapshotBackend> real,
                              std::unique_ptr<SnapshotBackend> dry_run,
                              std::unique_ptr<util::ProcessRunner> processes, Prune prune)
        : m_sends(sends), m_real(std::move(real)), m_dry_run(std::move(dry_run)),
          m_processes(std::move(processes)), m_prune(std::move(prune)) {}

    bool sends() const override { return m_sends; }
    SnapshotBackend& backend() override { return m_dry_run ? *m_dry_run : *m_real; }
    util::ProcessRunner& processes() override { return *m_processes; }
    RetentionResult prune(const Retention& retention) override { return m_prune(retention); }

private:
    bool m_sends;
    std::unique_ptr<SnapshotBackend> m_real;
    std::unique_ptr<SnapshotBackend> m_dry_run; // wraps m_real; nullptr when sending
    std::unique_ptr<util::ProcessRunner> m_processes;
    Prune m_prune;
};

} // namespace

std::unique_ptr<SnapshotSetRunner>
make_snapshot_set_runner(std::unique_ptr<SnapshotBackend> backend,
                         std::unique_ptr<util::ProcessRunner> processes,
                         TeardownContext retention) {
    return std::make_unique<ComposedSnapshotSetRunner>(
        true, std::move(backend), nullptr, std::move(processes),
        [context = std::move(retention)](const Retention& sets) {
            return apply_retention(sets, context);
        });
}

std::unique_ptr<SnapshotSetRunner>
make_dry_run_snapshot_set_runner(std::unique_ptr<SnapshotBackend> real, std::ostream& out) {
    auto dry_run = make_dry_run_backend(*real, out);
    return std::make_unique<ComposedSnapshotSetRunner>(
        false, std::move(real), std::move(dry_run), make_dry_run_process_runner(out),
        [&out](const Retention& sets) { return print_retention(sets, out); });
}

} // namespace pxclone::exec
