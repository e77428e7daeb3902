// SIGINT/SIGTERM as a flag that long operations poll: a signal stops new steps from starting,
// lets requests in flight finish and post-hooks run, and the command then exits 130.
#pragma once

#include <atomic>
#include <memory>

namespace pxclone::util {

// Installs the handlers (once; later calls do nothing). The flag is process-wide because a signal
// handler can reach nothing else; everything else receives it as a value (interrupt_flag()).
void install_interrupt_handlers();

// True once SIGINT or SIGTERM arrived.
bool interrupted();

// Which signal arrived (0 when none), for the message.
int interrupt_signal();

// The flag itself, for transports and watches that take a cancellation flag.
std::shared_ptr<const std::atomic<bool>> interrupt_flag();

} // namespace pxclone::util
