#pragma once
// Every decision explains itself in events: one JSON object per line, with a type and time.

#include <cstdint>
#include <string>
#include <string_view>

namespace edgepost {

// {"type":"rejection","time":...,"endpoint":...,"reason":...,"message":...}
std::string rejection_event(std::int64_t now, std::string_view endpoint, std::string_view reason,
                            std::string_view message);

}  // namespace edgepost
