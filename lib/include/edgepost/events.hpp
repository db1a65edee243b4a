#pragma once
// Every decision explains itself in events: one JSON object per line, with a type, a time and
// an id. The id is the same however often the event is emitted (a replay that completes a
// conversion emits its "conversion" event again), so a consumer drops repeats by it.

#include <cstdint>
#include <string>
#include <string_view>

#include "edgepost/conversion_record.hpp"

namespace edgepost {

// {"type":"rejection","time":...,"endpoint":...,"reason":...,"message":...}
std::string rejection_event(std::int64_t now, std::string_view endpoint, std::string_view reason,
                            std::string_view message);

// {"type":"error","time":...,"what":...,"detail":...}: a fault the operator should see.
std::string problem_event(std::int64_t now, std::string_view what, std::string_view detail);

// A replay answered from the stored conversion.
std::string duplicate_event(const ConversionRecord& record, std::int64_t now);

// The event with "id" set to fallback_id unless it has one: events that belong to one request
// (a rejection, a problem, a duplicate) take the request's id.
std::string with_event_id(std::string_view event, std::string_view fallback_id);

}  // namespace edgepost
