#include "pxclone/exec/snapshot_set_runner.hpp"

#include "pxclone/exec/hooks.hpp"

namespace pxclone::exec {

namespace {

class SendingSnapshotSetRunner final : public SnapshotSetRunner {
public:
    SendingSnapshotSetRunner(std::unique_ptr<SnapshotBackend> backend,
                             std::unique_ptr<util::ProcessRunner> processes,
                             TeardownContext retention)
        : m_backend(std::move(backend)), m_processes(std::move(processes)),
          m_retention(std::move(retention)) {}

    bool sends() const override { return true; }
    SnapshotBackend& backend() override { return *m_backend; }
    util::ProcessRunner& processes() override { return *m_processes; }
    RetentionResult prune(const Retention& retention) override {
        return apply_retention(retention, m_retention);
    }

private:
    std::unique_ptr<SnapshotBackend> m_backend;
    std::unique_ptr<util::ProcessRunner> m_processes;
    TeardownContext m_retention;
};

class DryRunSnapshotSetRunner final : public SnapshotSetRunner {
public:
    DryRunSnapshotSetRunner(std::unique_ptr<SnapshotBackend> real, std::ostream& out)
        : m_real(std::move(real)), m_backend(make_dry_run_backend(*m_real, out)),
          m_processes(make_dry_run_process_runner(out)), m_out(out) {}

    bool sends() const override { return false; }
    SnapshotBackend& backend() override { return *m_backend; }
    util::ProcessRunner& processes() override { return *m_processes; }
    RetentionResult prune(const Retention& retention) override {
        return print_retention(retention, m_out);
    }

private:
    std::unique_ptr<SnapshotBackend> m_real;
    std::unique_ptr<SnapshotBackend> m_backend;
    std::unique_ptr<util::ProcessRunner> m_processes;
    std::ostream& m_out;
};

} // namespace

std::unique_ptr<SnapshotSetRunner>
make_snapshot_set_runner(std::unique_ptr<SnapshotBackend> backend,
                         std::unique_ptr<util::ProcessRunner> processes,
                         TeardownContext retention) {
    return std::make_unique<SendingSnapshotSetRunner>(std::move(backend), std::move(processes),
                                                      std::move(retention));
}

std::unique_ptr<SnapshotSetRunner>
make_dry_run_snapshot_set_runner(std::unique_ptr<SnapshotBackend> real, std::ostream& out) {
    return std::make_unique<DryRunSnapshotSetRunner>(std::move(real), out);
}

} // namespace pxclone::exec
