#pragma once
// The partner postbacks a conversion's status sends: the affiliate's postback once, when the
// conversion is first approved (when recorded or later), and the affiliate's reversal
// postback once, when an approved conversion is rejected. Their ids are fixed per conversion
// and kind, so the outbox can never hold one twice.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "edgepost/config_model.hpp"
#include "edgepost/conversion_record.hpp"
#include "edgepost/decision.hpp"

namespace edgepost {

using SubIds = std::vector<std::pair<std::string, std::string>>;

// The snapshot holds the affiliate's record (config/affiliate/<id>) when it has one; an offer's
// per-affiliate URL overrides the affiliate's. The record is decoded through `config_cache`
// when the host keeps one (config_cache.hpp).
std::vector<PartnerPostback> approval_postbacks(const Offer& offer, const Snapshot& snapshot,
                                                const ConversionRecord& record,
                                                const SubIds& sub_ids,
                                                ConfigCache* config_cache = nullptr);

// {status} is "rejected" and {payout} the payout taken back.
std::vector<PartnerPostback> reversal_postbacks(const Snapshot& snapshot,
                                                const ConversionRecord& reversed,
                                                const std::string& payout_taken_back,
                                                const SubIds& sub_ids,
                                                ConfigCache* config_cache = nullptr);

}  // namespace edgepost
