#include "pxclone/http/stack.hpp"

#include <stdexcept>

namespace pxclone::http {

std::shared_ptr<Transport> decorate(std::shared_ptr<Transport> base, const StackOptions& options) {
    auto clock = options.clock ? options.clock : std::make_shared<util::SystemClock>();
    auto sleeper = options.sleeper ? options.sleeper : std::make_shared<util::ThreadSleeper>();
    std::shared_ptr<Transport> transport = std::make_shared<RetryingTransport>(
        std::move(base), options.retry, clock, sleeper, options.deadline);
    if (options.record) {
        transport = std::make_shared<RecordingTransport>(std::move(transport), options.record);
    }
    if (options.verbosity > 0) {
        if (!options.log) {
            throw std::logic_error("http::decorate: verbosity without a log sink");
        }
        transport = std::make_shared<LoggingTransport>(std::move(transport), options.log,
                                                       options.verbosity);
    }
    return transport;
}

} // namespace pxclone::http
