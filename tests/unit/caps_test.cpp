// Caps (docs/traffic-rules.md): the ledger's codec and periods, the unit moves in every
// interleaving, and the postback exchange over them: never over a cap, whatever the faults and
// the order; a reversal gives its unit back.
#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "edgepost/cap_closure.hpp"
#include "edgepost/cap_ledger.hpp"
#include "edgepost/cap_move.hpp"
#include "edgepost/click_exchange.hpp"
#include "edgepost/config_records.hpp"
#include "edgepost/config_validation.hpp"
#include "edgepost/kv_keys.hpp"
#include "exchange_harness.hpp"

using namespace harness;
using edgepost::Amount;
using edgepost::CapMove;
using nlohmann::json;

namespace {

constexpr std::int64_t kDay = 24 * 3600;

edgepost::Offer offer_with(const json& caps, const std::string& zone = "UTC") {
  Stores stores = stores_with_offer_100([&](json& offer) {
    offer["caps"] = caps;
    offer["timezone"] = zone;
  });
  auto offer = edgepost::parse_offer_record(stores.records.at(edgepost::offer_key(100)));
  REQUIRE(offer.has_value());
  return *offer;
}

edgepost::Response send(Stores& stores, const std::string& query, std::int64_t now = kLater,
                        std::uint8_t seed = 5) {
  Run run(postback(query, now, seed));
  run.to_end(stores);
  REQUIRE(run.responses.size() == 1);
  return run.responses[0];
}

// A sale on its own click of offer 100 (affiliate 7 unless said), n-th of the test.
std::string sale(int n, std::uint32_t affiliate = 7) {
  return "tid=" + fixtures::mint(100, affiliate, fixtures::kNow + n) + kAuth;
}

// Every conversion recorded, by status.
std::map<std::string, int> statuses(const Stores& stores) {
  std::map<std::string, int> count;
  for (const auto& [key, value] : stores.ledger) {
    if (key.rfind("conversion/", 0) != 0) continue;
    ++count[current(stores, key.substr(11))->status];
  }
  return count;
}

// The totals of a ledger's chain: the last slot's.
edgepost::CapTotals totals(const Stores& stores, const std::string& ledger) {
  edgepost::CapTotals last;
  for (std::uint32_t slot = 1;; ++slot) {
    const auto found = stores.ledger.find(edgepost::cap_slot_key(ledger, slot));
    if (found == stores.ledger.end()) return last;
    last = edgepost::parse_cap_entry(found->second)->totals;
  }
}

// Runs moves against one ledger in every order of their commands.
struct MoveWorld {
  std::map<std::string, std::string> ledger;
  std::vector<CapMove> moves;
};

void step(MoveWorld& world, std::size_t i) {
  const edgepost::Command command = *world.moves[i].next();
  edgepost::Outcome outcome;
  if (command.kind == edgepost::CommandKind::read) {
    for (const std::string& key : command.keys) {
      if (auto found = world.ledger.find(key); found != world.ledger.end()) {
        outcome.values.emplace(key, found->second);
      }
    }
  } else if (command.kind == edgepost::CommandKind::put_if_absent) {
    const auto [at, inserted] = world.ledger.emplace(command.write.key, command.write.value);
    outcome.kind = inserted ? edgepost::OutcomeKind::won : edgepost::OutcomeKind::exists;
    if (!inserted) outcome.existing = at->second;
  } else {
    world.ledger[command.write.key] = command.write.value;
  }
  world.moves[i].resolve(outcome);
}

std::size_t explore_moves(MoveWorld world, const std::function<void(const MoveWorld&)>& leaf) {
  std::size_t schedules = 0;
  for (std::size_t i = 0; i < world.moves.size(); ++i) {
    if (!world.moves[i].next()) continue;
    MoveWorld next = world;
    step(next, i);
    schedules += explore_moves(std::move(next), leaf);
  }
  if (schedules == 0) {
    leaf(world);
    return 1;
  }
  return schedules;
}

edgepost::Cap conversions_cap(std::int64_t limit) {
  edgepost::Cap cap;
  cap.conversions = limit;
  return cap;
}

}  // namespace

TEST_CASE("caps: a ledger slot reads back as written; anything else is damage", "[caps]") {
  const edgepost::CapEntry entry{
      "abc", 1, Amount{1000000}, Amount{400000}, {3, Amount{3000000}, Amount{1200000}}};
  const auto parsed = edgepost::parse_cap_entry(edgepost::encode(entry));
  REQUIRE(parsed.has_value());
  CHECK(parsed->conversion_id == "abc");
  CHECK(parsed->delta == 1);
  CHECK(parsed->totals.conversions == 3);
  CHECK(parsed->totals.payout == Amount{1200000});
  CHECK_FALSE(edgepost::parse_cap_entry("{}").has_value());
  CHECK_FALSE(edgepost::parse_cap_entry("not json").has_value());
  json bad = json::parse(edgepost::encode(entry));
  bad["delta"] = 2;
  CHECK_FALSE(edgepost::parse_cap_entry(bad.dump()).has_value());
  bad["delta"] = 1;
  bad["total_payout"] = "-1.00";
  CHECK_FALSE(edgepost::parse_cap_entry(bad.dump()).has_value());
}

TEST_CASE("caps: fits counts conversions, payout and revenue, each up to and including the limit",
          "[caps]") {
  edgepost::Cap cap;
  cap.conversions = 2;
  cap.payout = Amount{1000000};  // 10.00
  const edgepost::CapTotals one{1, Amount{}, Amount{400000}};
  CHECK(edgepost::fits(cap, one, Amount{}, Amount{600000}));        // 2 conversions, 10.00
  CHECK_FALSE(edgepost::fits(cap, one, Amount{}, Amount{600001}));  // 10.00001
  const edgepost::CapTotals two{2, Amount{}, Amount{400000}};
  CHECK_FALSE(edgepost::fits(cap, two, Amount{}, Amount{1}));
  edgepost::Cap revenue;
  revenue.revenue = Amount{500000};
  CHECK(edgepost::fits(revenue, {}, Amount{500000}, Amount{}));
  CHECK_FALSE(edgepost::fits(revenue, {}, Amount{500001}, Amount{}));
  // A unit given back to a period whose earlier slots expired stops at zero.
  const auto back = edgepost::after({}, -1, Amount{5}, Amount{5});
  CHECK(back.conversions == 0);
  CHECK(back.payout == Amount{});
}

TEST_CASE("caps: days and months are the offer's, across DST and year ends", "[caps]") {
  const auto offer = offer_with(
      json::array(
          {{{"period", "day"}, {"conversions", 5}},
           {{"period", "month"}, {"conversions", 50}},
           {{"period", "total"}, {"conversions", 500}},
           {{"scope", "affiliate"}, {"period", "day"}, {"conversions", 1}},
           {{"scope", "affiliate"}, {"affiliate_id", 8}, {"period", "day"}, {"payout", "20"}}}),
      "America/New_York");
  const auto ledgers = [&](std::uint32_t affiliate, std::int64_t at) {
    std::vector<std::string> names;
    for (const auto& check : edgepost::caps_for(offer, affiliate, at))
      names.push_back(check.ledger);
    return names;
  };
  // 2026-12-01T04:59:59Z is 23:59:59 on 30 November in New York (EST, UTC-5).
  CHECK(ledgers(7, 1796101199) ==
        std::vector<std::string>{"offer/100/day/2026-11-30", "offer/100/month/2026-11",
                                 "offer/100/total", "offer/100/affiliate/7/day/2026-11-30"});
  CHECK(ledgers(8, 1796101200) ==
        std::vector<std::string>{"offer/100/day/2026-12-01", "offer/100/month/2026-12",
                                 "offer/100/total", "offer/100/affiliate/8/day/2026-12-01",
                                 "offer/100/affiliate/8/day/2026-12-01"});
  // Spring forward, 8 March 2026: EDT (UTC-4) from 07:00Z; the day ends at 04:00Z on the 9th.
  CHECK(ledgers(7, 1773028799)[0] == "offer/100/day/2026-03-08");  // 2026-03-09T03:59:59Z
  CHECK(ledgers(7, 1773028800)[0] == "offer/100/day/2026-03-09");  // 04:00:00Z
  // Before the switch, the day still ended at 05:00Z: 2026-03-08T04:30Z is 7 March, 23:30 EST.
  CHECK(ledgers(7, 1772944200)[0] == "offer/100/day/2026-03-07");
  // Fall back, 1 November 2026: EST from 06:00Z; 2026-11-02T04:30Z is 1 November, 23:30 EST.
  CHECK(ledgers(7, 1793593800)[0] == "offer/100/day/2026-11-01");
  // New Year: 2027-01-01T04:59:59Z is still 2026 in New York.
  CHECK(ledgers(7, 1798779599)[1] == "offer/100/month/2026-12");
  CHECK(ledgers(7, 1798779600)[1] == "offer/100/month/2027-01");
  // A cap for affiliate 8 only does not count affiliate 7.
  CHECK(ledgers(7, 1796101200).size() == 4);
}

TEST_CASE("caps: takes racing for the last units, in every interleaving, never overshoot",
          "[caps][interleavings]") {
  MoveWorld world;
  world.ledger[edgepost::cap_slot_key("L", 1)] =
      edgepost::encode(edgepost::CapEntry{"first", 1, Amount{}, Amount{}, {1, Amount{}, Amount{}}});
  for (const char* id : {"a", "b", "c"}) {
    world.moves.push_back(CapMove::take("L", id, Amount{}, Amount{}, conversions_cap(3), 0));
  }
  const std::size_t schedules = explore_moves(world, [](const MoveWorld& end) {
    int taken = 0;
    int full = 0;
    for (const CapMove& move : end.moves) {
      taken += move.result() == CapMove::Result::taken;
      full += move.result() == CapMove::Result::full;
    }
    CHECK(taken == 2);
    CHECK(full == 1);
    CHECK(end.ledger.count(edgepost::cap_slot_key("L", 3)) == 1);
    CHECK(end.ledger.count(edgepost::cap_slot_key("L", 4)) == 0);
  });
  std::printf("caps: %zu interleavings of three takes for two units\n", schedules);
  CHECK(schedules > 1000);
}

TEST_CASE("caps: a unit given back twice is given back once, in every interleaving",
          "[caps][interleavings]") {
  MoveWorld world;
  world.ledger[edgepost::cap_slot_key("L", 1)] =
      edgepost::encode(edgepost::CapEntry{"x", 1, Amount{}, Amount{5}, {1, Amount{}, Amount{5}}});
  world.moves.push_back(CapMove::give_back("L", "x", Amount{}, Amount{5}, 0));
  world.moves.push_back(CapMove::give_back("L", "x", Amount{}, Amount{5}, 0));
  world.moves.push_back(CapMove::take("L", "y", Amount{}, Amount{5}, conversions_cap(1), 0));
  explore_moves(world, [](const MoveWorld& end) {
    int slots = 0;
    edgepost::CapTotals last;
    for (std::uint32_t slot = 1; end.ledger.count(edgepost::cap_slot_key("L", slot)); ++slot) {
      last = edgepost::parse_cap_entry(end.ledger.at(edgepost::cap_slot_key("L", slot)))->totals;
      ++slots;
    }
    // x's unit back once; y took it if it came after the give-back, else found the cap full.
    const bool y_took = end.moves[2].result() == CapMove::Result::taken;
    CHECK(slots == (y_took ? 3 : 2));
    CHECK(last.conversions == (y_took ? 1 : 0));
    CHECK(last.payout == Amount{y_took ? 5 : 0});
  });
}

TEST_CASE("caps: a walk goes past a stale hint, and restarts when the hinted slot expired",
          "[caps]") {
  MoveWorld world;
  for (std::uint32_t slot = 1; slot <= 20; ++slot) {
    world.ledger[edgepost::cap_slot_key("L", slot)] = edgepost::encode(edgepost::CapEntry{
        "c" + std::to_string(slot), 1, Amount{}, Amount{}, {slot, Amount{}, Amount{}}});
  }
  world.ledger[edgepost::cap_head_key("L")] = "3";
  world.moves.push_back(CapMove::take("L", "new", Amount{}, Amount{}, std::nullopt, 0));
  while (world.moves[0].next()) step(world, 0);
  CHECK(world.moves[0].result() == CapMove::Result::taken);
  CHECK(world.moves[0].totals().conversions == 21);
  CHECK(world.ledger.at(edgepost::cap_head_key("L")) == "21");

  world.ledger[edgepost::cap_head_key("L")] = "99";  // its slot is gone
  world.moves[0] = CapMove::take("L", "newer", Amount{}, Amount{}, std::nullopt, 0);
  while (world.moves[0].next()) step(world, 0);
  CHECK(world.moves[0].totals().conversions == 22);

  world.ledger[edgepost::cap_slot_key("L", 23)] = "damage";
  world.moves[0] = CapMove::take("L", "third", Amount{}, Amount{}, std::nullopt, 0);
  while (world.moves[0].next()) step(world, 0);
  CHECK(world.moves[0].result() == CapMove::Result::damaged);
}

TEST_CASE("caps: the cap's conversions are approved, the rest recorded rejected, unpaid",
          "[caps]") {
  Stores stores = stores_with_offer_100(
      [](json& offer) { offer["caps"] = json::array({{{"period", "day"}, {"conversions", 2}}}); });
  for (int n = 0; n < 2; ++n) CHECK(body(send(stores, sale(n)))["status"] == "approved");
  const auto over = send(stores, sale(2));
  CHECK(over.status == 200);
  CHECK(body(over)["status"] == "rejected");
  CHECK(body(over)["reason"] == "cap_reached");
  const auto record = current(stores, body(over)["conversion_id"]);
  CHECK(record->postbacks.empty());
  CHECK(record->flags == std::vector<std::string>{"cap_reached"});
  CHECK(record->caps.empty());
  // A retry of a capped conversion is its duplicate, not another try at the cap.
  CHECK(body(send(stores, sale(2)))["duplicate"] == true);
  CHECK(totals(stores, "offer/100/day/2026-11-01").conversions == 2);
  CHECK(statuses(stores) == std::map<std::string, int>{{"approved", 2}, {"rejected", 1}});
  // The next day has its own budget.
  CHECK(body(send(stores, sale(3), kLater + kDay))["status"] == "approved");
  check_invariants(stores);
}

TEST_CASE("caps: a payout cap in money, and pending over a cap when the offer says so", "[caps]") {
  Stores stores = stores_with_offer_100([](json& offer) {
    offer["caps"] = json::array({{{"period", "month"}, {"payout", "10.00"}}});
    offer["cap_status"] = "pending";
  });
  CHECK(body(send(stores, sale(0)))["status"] == "approved");  // payout 4.00
  CHECK(body(send(stores, sale(1)))["status"] == "approved");  // 8.00
  const auto over = send(stores, sale(2));                     // 12.00 > 10.00
  CHECK(body(over)["status"] == "pending");
  CHECK(body(over)["reason"] == "cap_reached");
  CHECK(totals(stores, "offer/100/month/2026-11").payout == Amount{800000});
  // Affiliate 8 is paid 5.00: 13.00 is over too.
  CHECK(body(send(stores, sale(3, 8)))["status"] == "pending");
}

TEST_CASE("caps: each affiliate's share, and a conversion over one cap counts in none", "[caps]") {
  Stores stores = stores_with_offer_100([](json& offer) {
    offer["caps"] = json::array({{{"period", "day"}, {"conversions", 10}},
                                 {{"scope", "affiliate"}, {"period", "day"}, {"conversions", 1}}});
  });
  CHECK(body(send(stores, sale(0, 7)))["status"] == "approved");
  CHECK(body(send(stores, sale(1, 7)))["reason"] == "cap_reached");
  CHECK(body(send(stores, sale(2, 8)))["status"] == "approved");
  // The offer's day counted affiliate 7's second conversion and gave it back.
  CHECK(totals(stores, "offer/100/day/2026-11-01").conversions == 2);
  CHECK(totals(stores, "offer/100/affiliate/7/day/2026-11-01").conversions == 1);
}

TEST_CASE("caps: a reversal gives its unit back, once", "[caps]") {
  Stores stores = stores_with_offer_100([](json& offer) {
    offer["caps"] = json::array({{{"period", "total"}, {"conversions", 1}}});
  });
  const auto first = send(stores, sale(0) + "&adv_sub=A");
  CHECK(body(first)["status"] == "approved");
  CHECK(body(send(stores, sale(1) + "&adv_sub=B"))["reason"] == "cap_reached");
  const auto reversed = send(stores, sale(0) + "&adv_sub=A&status=rejected", kLater + kDay);
  CHECK(body(reversed)["status"] == "rejected");
  CHECK(totals(stores, "offer/100/total").conversions == 0);
  // Told again: a repeat, and nothing given back twice.
  send(stores, sale(0) + "&adv_sub=A&status=rejected", kLater + kDay);
  CHECK(totals(stores, "offer/100/total").conversions == 0);
  CHECK(body(send(stores, sale(2) + "&adv_sub=C", kLater + kDay))["status"] == "approved");
  CHECK(totals(stores, "offer/100/total").conversions == 1);
  CHECK(current(stores, body(first)["conversion_id"])->caps.empty());
  check_invariants(stores);
}

TEST_CASE("caps: every fault at every command, then a retry: one unit at most, never over",
          "[caps][faults]") {
  const auto capped = [](json& offer) {
    offer["caps"] = json::array({{{"period", "day"}, {"conversions", 1}},
                                 {{"scope", "affiliate"}, {"period", "day"}, {"conversions", 5}}});
  };
  Stores probe = stores_with_offer_100(capped);
  Run counting(postback(sale(0)));
  counting.to_end(probe);
  std::size_t checked = 0;
  for (const auto kind : model::kAllFaults) {
    for (std::size_t at = 0; at < counting.store_commands; ++at) {
      Stores stores = stores_with_offer_100(capped);
      Run faulty(postback(sale(0)), model::Fault{at, kind});
      faulty.to_end(stores);
      Run retry(postback(sale(0)));
      retry.to_end(stores);
      REQUIRE(retry.responses.size() == 1);
      CHECK(retry.responses[0].status == 200);
      CHECK(body(retry.responses[0])["status"] == "approved");
      // Another conversion finds the offer's one unit taken: never two approved.
      send(stores, sale(1), kLater, 9);
      CHECK(statuses(stores)["approved"] == 1);
      // A single retry walks from the hint its own attempt wrote: it finds its unit.
      CHECK(totals(stores, "offer/100/day/2026-11-01").conversions == 1);
      CHECK(totals(stores, "offer/100/affiliate/7/day/2026-11-01").conversions == 1);
      check_invariants(stores);
      ++checked;
    }
  }
  CHECK(checked >= 4 * 10);
}

TEST_CASE("caps: a full cap sends the offer's clicks to its fallback until the period ends",
          "[caps]") {
  const auto capped = [](json& offer) {
    offer["caps"] = json::array({{{"period", "day"}, {"conversions", 1}}});
    offer["fallback_url"] = "https://shop.example/full";
  };
  Stores stores = stores_with_offer_100(capped);
  const auto click_at = [&](std::int64_t now) {
    Run run(edgepost::start_click_exchange(fixtures::get("/click", "offer_id=100&aff_id=7"),
                                           fixtures::keys(), fixtures::env(now, 3)));
    run.to_end(stores);
    for (const auto& header : run.responses.at(0).headers) {
      if (header.name == "location") return header.value;
    }
    return std::string();
  };
  CHECK(click_at(kLater).rfind("https://shop.example/landing?", 0) == 0);
  const auto first = send(stores, sale(0) + "&adv_sub=A");
  CHECK(click_at(kLater).rfind("https://shop.example/landing?", 0) == 0);  // full, not over
  CHECK(body(send(stores, sale(1) + "&adv_sub=B"))["reason"] == "cap_reached");
  CHECK(click_at(kLater) == "https://shop.example/full");
  // The next day (UTC, the offer's zone) has its budget back.
  CHECK(click_at(fixtures::kNow + kDay).rfind("https://shop.example/landing?", 0) == 0);
  // A reversal gives the unit back and reopens the day.
  send(stores, sale(0) + "&adv_sub=A&status=rejected", kLater + 60);
  CHECK(click_at(kLater + 120).rfind("https://shop.example/landing?", 0) == 0);
  CHECK(body(send(stores, sale(2) + "&adv_sub=C", kLater + 180))["status"] == "approved");
  CHECK(body(send(stores, sale(3) + "&adv_sub=D", kLater + 240))["reason"] == "cap_reached");
  CHECK(click_at(kLater + 300) == "https://shop.example/full");
  // A raised cap is a new budget: the closure of the old one no longer applies.
  Stores raised = stores_with_offer_100([](json& offer) {
    offer["caps"] = json::array({{{"period", "day"}, {"conversions", 5}}});
    offer["fallback_url"] = "https://shop.example/full";
  });
  stores.records[edgepost::offer_key(100)] = raised.records.at(edgepost::offer_key(100));
  CHECK(click_at(kLater + 360).rfind("https://shop.example/landing?", 0) == 0);
  CHECK(body(first)["status"] == "approved");
}

TEST_CASE("caps: each kind counts per local day and month of a non-UTC offer, DST included",
          "[caps]") {
  // America/New_York. 2026-03-09T03:59:59Z is 8 March 23:59:59 EDT (the first day of DST);
  // 04:00:00Z is 9 March. 2026-03-31T23:00Z is still March there; 2026-04-01T04:00Z is April.
  constexpr std::int64_t kLastSecondOf8March = 1773028799;
  constexpr std::int64_t kMarch31Evening = 1774998000;
  constexpr std::int64_t kApril1 = 1775016000;
  const auto at = [](int n, std::int64_t time) {
    return "tid=" + fixtures::mint(100, 7, time - 60 + n) + kAuth;
  };
  SECTION("conversions per day") {
    Stores stores = stores_with_offer_100([](json& offer) {
      offer["timezone"] = "America/New_York";
      offer["caps"] = json::array({{{"period", "day"}, {"conversions", 1}}});
    });
    CHECK(body(send(stores, at(0, kLastSecondOf8March), kLastSecondOf8March))["status"] ==
          "approved");
    CHECK(body(send(stores, at(1, kLastSecondOf8March), kLastSecondOf8March))["reason"] ==
          "cap_reached");
    CHECK(body(send(stores, at(2, kLastSecondOf8March + 1), kLastSecondOf8March + 1))["status"] ==
          "approved");
    CHECK(totals(stores, "offer/100/day/2026-03-08").conversions == 1);
    CHECK(totals(stores, "offer/100/day/2026-03-09").conversions == 1);
  }
  SECTION("payout per month") {
    Stores stores = stores_with_offer_100([](json& offer) {
      offer["timezone"] = "America/New_York";
      offer["caps"] = json::array({{{"period", "month"}, {"payout", "4.00"}}});
    });
    CHECK(body(send(stores, at(0, kMarch31Evening), kMarch31Evening))["status"] == "approved");
    CHECK(body(send(stores, at(1, kMarch31Evening), kMarch31Evening))["reason"] == "cap_reached");
    CHECK(body(send(stores, at(2, kApril1), kApril1))["status"] == "approved");
    CHECK(totals(stores, "offer/100/month/2026-03").payout == Amount{400000});
  }
  SECTION("revenue in total, per affiliate") {
    Stores stores = stores_with_offer_100([](json& offer) {
      offer["caps"] = json::array(
          {{{"scope", "affiliate"}, {"affiliate_id", 7}, {"period", "total"}, {"revenue", "15"}}});
    });
    CHECK(body(send(stores, sale(0)))["status"] == "approved");  // revenue 10.00
    CHECK(body(send(stores, sale(1)))["reason"] == "cap_reached");
    CHECK(body(send(stores, sale(2, 8)))["status"] == "approved");  // not affiliate 8's cap
    CHECK(totals(stores, "offer/100/affiliate/7/total").revenue == Amount{1000000});
  }
}

TEST_CASE("caps: a copy over one cap never gives back a unit its twin committed with",
          "[caps][interleavings]") {
  // Affiliate 7's day share of 10 (A), then the offer's day cap of 1 (B). Y (affiliate 8) fills
  // B. Copy 1 of X (affiliate 7) takes a unit of A, finds B full and pauses. Y is reversed, so
  // B has room; copy 2 of X finds copy 1's unit of A as its own, takes B and commits X
  // approved. Copy 1's cap_reached commit then loses to the approved record, and the unit of A
  // stays X's: had copy 1 given it back before committing, X would be approved on a unit that A
  // no longer counts, and A could take one conversion too many.
  Stores stores = stores_with_offer_100([](json& offer) {
    offer["caps"] = json::array({{{"scope", "affiliate"}, {"period", "day"}, {"conversions", 10}},
                                 {{"period", "day"}, {"conversions", 1}}});
  });
  const std::string a = "offer/100/affiliate/7/day/2026-11-01";
  const std::string b = "offer/100/day/2026-11-01";
  CHECK(body(send(stores, sale(0, 8) + "&adv_sub=Y"))["status"] == "approved");
  Run copy1(postback(sale(1) + "&adv_sub=X", kLater, 11));
  copy1.settle(stores);
  // Past its reads of B: about to close the offer to clicks, or to give a unit back.
  const auto decided_over_b = [&](const Run& run) {
    const edgepost::Command& next = run.exchange->command();
    const bool closing = next.kind == edgepost::CommandKind::read &&
                         next.store == edgepost::Store::records && !next.keys.empty() &&
                         next.keys[0] == edgepost::cap_closures_key(100);
    const bool giving_back = next.kind == edgepost::CommandKind::put_if_absent &&
                             next.write.key.find("/returned/") != std::string::npos;
    return closing || giving_back;
  };
  while (!copy1.done() && !decided_over_b(copy1)) copy1.step(stores);
  REQUIRE_FALSE(copy1.done());
  CHECK(totals(stores, a).conversions == 1);
  send(stores, sale(0, 8) + "&adv_sub=Y&status=rejected", kLater + 1);
  CHECK(totals(stores, b).conversions == 0);
  const auto twin = send(stores, sale(1) + "&adv_sub=X", kLater + 2, 12);
  CHECK(body(twin)["status"] == "approved");
  copy1.to_end(stores);
  REQUIRE(copy1.responses.size() == 1);
  CHECK(body(copy1.responses[0])["status"] == "approved");
  CHECK(body(copy1.responses[0])["duplicate"] == true);
  const auto x = current(stores, body(twin)["conversion_id"]);
  CHECK(x->caps == std::vector<std::string>{a, b});
  CHECK(totals(stores, a).conversions == 1);
  CHECK(totals(stores, b).conversions == 1);
  check_invariants(stores);
}
