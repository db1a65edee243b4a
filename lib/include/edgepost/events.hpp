#pragma once
// Every decision explains itself in events: one JSON object per line, with a type, a time and
// an id. The id is the same however often the event is emitted (a replay that completes a
// conversion emits its "conversion" event again), so a consumer drops repeats by it.

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "edgepost/conversion_record.hpp"
#include "edgepost/params.hpp"

namespace edgepost {

// {"type":"rejection","time":...,"endpoint":...,"reason":...,"message":...}. With the
// request's params: also "params" and "transaction_id" (see duplicate_event).
std::string rejection_event(std::int64_t now, std::string_view endpoint, std::string_view reason,
                            std::string_view message, const Params* params = nullptr);

// {"type":"error","time":...,"what":...,"detail":...}: a fault the operator should see.
std::string problem_event(std::int64_t now, std::string_view what, std::string_view detail);

// A replay answered from the stored conversion. With the request's params: also "params", what
// the postback sent, minus what must not reach a log (security_token, signature, user_ip); and
// for a rejection, the transaction_id as given (lowercase), so that explaining an ID finds
// every postback that named it, forged or mistyped ones included.
std::string duplicate_event(const ConversionRecord& record, std::int64_t now,
                            const Params* params = nullptr);

// {"type":"test_postback","time":...,"params":...} and the test's answer (postback.hpp).
std::string test_postback_event(std::int64_t now, const Params& params,
                                const nlohmann::json& answer);

// The event with "id" set to fallback_id unless it has one: events that belong to one request
// (a rejection, a problem, a duplicate) take the request's id.
std::string with_event_id(std::string_view event, std::string_view fallback_id);

}  // namespace edgepost
