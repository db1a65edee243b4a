// The directory KV of the WASI functions, built natively against a temporary directory.
#include "kv_dir.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;
using edgepost::wasi::decode_key;
using edgepost::wasi::DirectoryKv;
using edgepost::wasi::encode_key;
using edgepost::wasi::KvError;
using edgepost::wasi::PutResult;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() /
           ("edgepost-kv-test-" +
            std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id())) + "-" +
            std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::vector<std::string> names() const {
    std::vector<std::string> found;
    for (const auto& entry : fs::directory_iterator(path)) found.push_back(entry.path().filename());
    return found;
  }
};

std::string file_content(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace

TEST_CASE("key encoding is reversible and cannot leave the directory", "[kv_dir]") {
  CHECK(*encode_key("config/offer/12") == "config%2Foffer%2F12");
  CHECK(*encode_key("a-b_c") == "a-b_c");
  CHECK(*encode_key("..") == "%2E%2E");
  CHECK(*encode_key("A") == "%41");  // no case-only differences on case-insensitive disks
  CHECK(*encode_key(std::string("nul\0byte", 8)) == "nul%00byte");
  CHECK(*encode_key("/etc/passwd") == "%2Fetc%2Fpasswd");
  CHECK_FALSE(encode_key("").has_value());
  CHECK_FALSE(encode_key(std::string(81, '/')).has_value());  // 243 bytes encoded

  for (const std::string key : {"config/offer/12", "claim/order/3/ab", "..", "A%b\xff", "x"}) {
    const auto name = encode_key(key);
    REQUIRE(name.has_value());
    CHECK(name->find('/') == std::string::npos);
    CHECK(name->front() != '.');
    CHECK(decode_key(*name) == key);
  }
  CHECK_FALSE(decode_key("%2").has_value());
  CHECK_FALSE(decode_key("%zz").has_value());
  CHECK_FALSE(decode_key("%61").has_value());  // 'a' is never encoded: not canonical
  CHECK_FALSE(decode_key("A").has_value());
  CHECK_FALSE(decode_key(".tmp-1").has_value());
  CHECK_FALSE(decode_key("").has_value());
}

TEST_CASE("put, get and replace with the documented file format", "[kv_dir]") {
  TempDir dir;
  const DirectoryKv kv(dir.path.string());
  CHECK(kv.get("a/b", 100)->has_value() == false);
  REQUIRE(kv.put("a/b", "first", 0));
  CHECK(file_content(dir.path / "a%2Fb") == "edgepost-kv 1 0\nfirst");
  REQUIRE(kv.put("a/b", std::string("second\0x", 8), 0));
  CHECK(**kv.get("a/b", 100) == std::string("second\0x", 8));
  CHECK(dir.names() == std::vector<std::string>{"a%2Fb"});  // no temporary files left
}

TEST_CASE("an unsynced put is the same atomic replace, file format and all", "[kv_dir]") {
  TempDir dir;
  const DirectoryKv kv(dir.path.string());
  REQUIRE(kv.put("click/x", "first", 0, edgepost::Durability::unsynced));
  REQUIRE(kv.put("click/x", "second", 7, edgepost::Durability::unsynced));
  CHECK(file_content(dir.path / "click%2Fx") == "edgepost-kv 1 7\nsecond");
  CHECK(dir.names() == std::vector<std::string>{"click%2Fx"});
}

TEST_CASE("an empty file, an unsynced write torn by a power cut, reads as absent", "[kv_dir]") {
  TempDir dir;
  const DirectoryKv kv(dir.path.string());
  std::ofstream(dir.path / "click%2Fx").close();
  CHECK(kv.get("click/x", 100)->has_value() == false);
  // Its name is still taken: a claim is never written over a file that is there.
  CHECK(*kv.put_if_absent("click/x", "v", 0) == PutResult::exists);
  REQUIRE(kv.put("click/x", "v", 0));
  CHECK(**kv.get("click/x", 100) == "v");
}

TEST_CASE("replace_if_empty writes over a torn write only", "[kv_dir]") {
  TempDir dir;
  const DirectoryKv kv(dir.path.string());
  std::ofstream(dir.path / "outbox%2Fc1-7").close();
  CHECK(*kv.replace_if_empty("outbox/c1-7", "entry", 0) == PutResult::written);
  CHECK(file_content(dir.path / "outbox%2Fc1-7") == "edgepost-kv 1 0\nentry");
  CHECK(*kv.replace_if_empty("outbox/c1-7", "another", 0) == PutResult::exists);
  REQUIRE(kv.put("conversion/c1", "expired", 5));
  CHECK(*kv.replace_if_empty("conversion/c1", "new", 0) == PutResult::exists);
  CHECK(file_content(dir.path / "conversion%2Fc1") == "edgepost-kv 1 5\nexpired");
  CHECK(kv.replace_if_empty("claim/none", "v", 0).error() == KvError::io_error);
}

TEST_CASE("expired records read as absent", "[kv_dir]") {
  TempDir dir;
  const DirectoryKv kv(dir.path.string());
  REQUIRE(kv.put("click/x", "v", 1000));
  CHECK(kv.get("click/x", 999)->has_value());
  CHECK_FALSE(kv.get("click/x", 1000)->has_value());
  CHECK(file_content(dir.path / "click%2Fx") == "edgepost-kv 1 1000\nv");
}

TEST_CASE("put_if_absent: the first writer wins, the value stays whole", "[kv_dir]") {
  TempDir dir;
  const DirectoryKv kv(dir.path.string());
  CHECK(*kv.put_if_absent("claim/1", "original", 0) == PutResult::written);
  CHECK(*kv.put_if_absent("claim/1", "replay", 0) == PutResult::exists);
  CHECK(**kv.get("claim/1", 0) == "original");
  CHECK(dir.names().size() == 1);

  REQUIRE(kv.remove("claim/1"));
  REQUIRE(kv.remove("claim/1"));  // absent: fine
  CHECK(*kv.put_if_absent("claim/1", "again", 0) == PutResult::written);
}

TEST_CASE("put_if_absent under contention: exactly one of many writers wins", "[kv_dir]") {
  TempDir dir;
  const DirectoryKv kv(dir.path.string());
  std::atomic<int> wins{0};
  std::vector<std::thread> writers;
  for (int i = 0; i < 16; ++i) {
    writers.emplace_back([&, i] {
      const auto result = kv.put_if_absent("claim/race", "writer " + std::to_string(i), 0);
      if (result && *result == PutResult::written) ++wins;
    });
  }
  for (auto& writer : writers) writer.join();
  CHECK(wins == 1);
  CHECK(dir.names().size() == 1);
}

TEST_CASE("store faults are errors, never silent", "[kv_dir]") {
  const DirectoryKv missing("/nonexistent-edgepost-dir");
  CHECK(missing.put("k", "v", 0).error() == KvError::io_error);
  CHECK(missing.put_if_absent("k", "v", 0).error() == KvError::io_error);
  CHECK(missing.get("k", 0)->has_value() == false);  // an absent directory holds no key

  TempDir dir;
  const DirectoryKv kv(dir.path.string());
  CHECK(kv.put(std::string(100, '/'), "v", 0).error() == KvError::key_too_long);
  CHECK(kv.get(std::string(100, '/'), 0).error() == KvError::key_too_long);
  CHECK(kv.remove(std::string(100, '/')).error() == KvError::key_too_long);
  std::ofstream(dir.path / "bad") << "no header";
  CHECK(kv.get("bad", 0).error() == KvError::corrupt);
  fs::create_directory(dir.path / "adir");
  CHECK(kv.get("adir", 0).error() == KvError::io_error);
  for (const auto error : {KvError::io_error, KvError::key_too_long, KvError::corrupt}) {
    CHECK_FALSE(edgepost::wasi::kv_error_message(error).empty());
  }
}

TEST_CASE("a symbolic link in the directory is refused, never followed", "[kv_dir]") {
  TempDir dir;
  TempDir elsewhere;
  const DirectoryKv outside(elsewhere.path.string());
  REQUIRE(outside.put("secret", "outside the store", 0));
  const auto target = elsewhere.path / *encode_key("secret");
  fs::create_symlink(target, dir.path / *encode_key("claim/x"));
  const DirectoryKv kv(dir.path.string());
  const auto through_link = kv.get("claim/x", 0);
  REQUIRE_FALSE(through_link);
  CHECK(through_link.error() == KvError::io_error);
  // put_if_absent finds the name taken; put replaces the link itself. Neither writes through it.
  CHECK(*kv.put_if_absent("claim/x", "mine", 0) == PutResult::exists);
  REQUIRE(kv.put("claim/x", "mine", 0));
  CHECK(**kv.get("claim/x", 0) == "mine");
  CHECK(**outside.get("secret", 0) == "outside the store");
}

TEST_CASE("keys are listed by prefix, and only keys written by the store", "[kv_dir]") {
  TempDir dir;
  const DirectoryKv kv(dir.path.string());
  REQUIRE(kv.put("config/offer/1", "a", 0));
  REQUIRE(kv.put("config/affiliate/7", "b", 0));
  REQUIRE(kv.put("click/x", "c", 0));
  std::ofstream(dir.path / ".tmp-leftover") << "x";
  std::ofstream(dir.path / "Not%2Fcanonical") << "x";
  auto keys = *kv.keys_with_prefix("config/");
  std::sort(keys.begin(), keys.end());
  CHECK(keys == std::vector<std::string>{"config/affiliate/7", "config/offer/1"});
  CHECK(kv.keys_with_prefix("nothing/")->empty());
  CHECK(DirectoryKv("/nonexistent-edgepost-dir").keys_with_prefix("").error() == KvError::io_error);
}
