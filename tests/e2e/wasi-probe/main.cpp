// wasi-probe: what a WASI host does with the calls the directory store makes, and what the
// store makes of it. tests/e2e/engines.test.mjs runs it on every engine of the runner and
// compares: the raw answers may differ between hosts (docs/wasi-engines.md says which one is
// right by the preview1 specification), the store's results must not.
//
// Run as a plain command with a scratch directory preopened at /kv; prints one JSON object.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <string>

#include "edgepost/json_text.hpp"
#include "kv_dir.hpp"

namespace {

using edgepost::wasi::DirectoryKv;
using edgepost::wasi::PutResult;

// 0 when the call succeeded, else the errno it set (wasi-libc's numbering).
int outcome(int result) {
  return result < 0 ? errno : 0;
}

int directory_fsync() {
  const int fd = ::open("/kv", O_RDONLY | O_DIRECTORY);
  if (fd < 0) return errno;
  const int result = outcome(::fsync(fd));
  ::close(fd);
  return result;
}

int create_file(const char* path) {
  const int fd = ::open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) return errno;
  const int result = outcome(::fsync(fd));
  ::close(fd);
  return result;
}

nlohmann::json raw_calls() {
  nlohmann::json raw;
  raw["fsync_directory"] = directory_fsync();
  raw["create_exclusive"] = create_file("/kv/probe-a");
  raw["create_exclusive_existing"] = create_file("/kv/probe-a");
  raw["link"] = outcome(::link("/kv/probe-a", "/kv/probe-b"));
  raw["link_existing"] = outcome(::link("/kv/probe-a", "/kv/probe-b"));
  raw["rename_over_existing"] = outcome(::rename("/kv/probe-a", "/kv/probe-b"));
  raw["unlink"] = outcome(::unlink("/kv/probe-b"));
  raw["unlink_missing"] = outcome(::unlink("/kv/probe-b"));
  raw["open_missing"] = outcome(::open("/kv/probe-missing", O_RDONLY));
  raw["open_outside_preopen"] = outcome(::open("/kv/../escape", O_RDONLY));
  timespec wall{};
  timespec monotonic{};
  raw["clock_realtime"] = outcome(::clock_gettime(CLOCK_REALTIME, &wall));
  raw["clock_realtime_after_2020"] = wall.tv_sec > 1577836800;
  raw["clock_monotonic"] = outcome(::clock_gettime(CLOCK_MONOTONIC, &monotonic));
  unsigned char random[32] = {};
  raw["getentropy"] = outcome(::getentropy(random, sizeof random));
  int nonzero = 0;
  for (const unsigned char byte : random) nonzero += byte != 0;
  raw["entropy_nonzero_bytes_at_least_24"] = nonzero >= 24;
  return raw;
}

const char* name(PutResult result) {
  return result == PutResult::written ? "written" : "exists";
}

template <typename Result>
nlohmann::json put_result(const Result& result) {
  if (!result)
    return std::string("error: ") + std::string(edgepost::wasi::kv_error_message(result.error()));
  return name(*result);
}

nlohmann::json read(const DirectoryKv& kv, const char* key, std::int64_t now) {
  const auto value = kv.get(key, now);
  if (!value)
    return std::string("error: ") + std::string(edgepost::wasi::kv_error_message(value.error()));
  if (!*value) return nullptr;
  return **value;
}

nlohmann::json store_calls() {
  const DirectoryKv kv("/kv");
  const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  nlohmann::json store;
  store["put"] = put_result(kv.put("probe/replaced", "one", 0));
  store["put_again"] = put_result(kv.put("probe/replaced", "two", 0));
  store["get_replaced"] = read(kv, "probe/replaced", now);
  store["put_if_absent"] = put_result(kv.put_if_absent("probe/claim", "first", 0));
  store["put_if_absent_again"] = put_result(kv.put_if_absent("probe/claim", "second", 0));
  store["get_claim"] = read(kv, "probe/claim", now);
  store["put_expired"] = put_result(kv.put("probe/expired", "old", now - 1));
  store["get_expired"] = read(kv, "probe/expired", now);
  store["get_missing"] = read(kv, "probe/missing", now);
  const auto keys = kv.keys_with_prefix("probe/");
  if (keys) {
    auto sorted = *keys;  // directory order is the host's
    std::sort(sorted.begin(), sorted.end());
    store["keys"] = sorted;
  } else {
    store["keys"] = "error";
  }
  store["remove"] = put_result(kv.remove("probe/claim"));
  store["remove_missing"] = put_result(kv.remove("probe/claim"));
  store["get_removed"] = read(kv, "probe/claim", now);
  return store;
}

}  // namespace

int main() {
  nlohmann::json report;
  report["raw"] = raw_calls();
  report["store"] = store_calls();
  const std::string text = edgepost::to_json_text(report) + "\n";
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}
