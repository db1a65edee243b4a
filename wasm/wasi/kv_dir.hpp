#pragma once
// The KV store of the WASI functions: a directory (preopened at /kv), one file per key.
// The layout is a contract with the local runner: docs/data-directory.md.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edgepost/decision.hpp"
#include "edgepost/expected.hpp"

namespace edgepost::wasi {

// Reversible and safe: only a-z 0-9 _ - stay, every other byte becomes %XX, so a name has
// no '/' and never starts with '.'. nullopt when the name would be too long for a file.
std::optional<std::string> encode_key(std::string_view key);
std::optional<std::string> decode_key(std::string_view file_name);

enum class KvError { io_error, key_too_long, corrupt };
enum class PutResult { written, exists };

class DirectoryKv {
 public:
  explicit DirectoryKv(std::string root) : root_(std::move(root)) {}

  // nullopt when the key is absent or expired at `now`, or its file is empty (a write a power
  // cut tore: docs/data-directory.md).
  Expected<std::optional<std::string>, KvError> get(std::string_view key, std::int64_t now) const;
  // expires_at: Unix seconds, 0 for never. Replaces atomically (temp file, fsync, rename,
  // fsync of the directory): once it returns, the new value survives a power cut (on a host
  // that syncs directories; see sync_directory). Durability::unsynced leaves out both fsyncs:
  // still atomic, but a power cut may lose it.
  Expected<PutResult, KvError> put(std::string_view key, std::string_view value,
                                   std::int64_t expires_at,
                                   Durability durability = Durability::synced) const;
  // Writes only when the key does not exist (temp file, fsync, link, fsync of the directory):
  // the value is complete
  // from the moment the key exists, and of two writers exactly one gets `written`. An
  // expired key that the runner has not swept yet still counts as existing: deleting it here
  // could race with another writer's fresh value.
  // Durability::unsynced leaves out both fsyncs, as for put.
  Expected<PutResult, KvError> put_if_absent(std::string_view key, std::string_view value,
                                             std::int64_t expires_at,
                                             Durability durability = Durability::synced) const;
  // Replaces the key's file only when it is empty (a write a power cut tore): `written`, or
  // `exists` when it holds something. Unsynced, like the write it replaces.
  Expected<PutResult, KvError> replace_if_empty(std::string_view key, std::string_view value,
                                                std::int64_t expires_at) const;
  // Removing an absent key is not an error. The removal is made durable like a write.
  Expected<PutResult, KvError> remove(std::string_view key) const;
  // Every key that starts with `prefix`, expired or not, in no particular order.
  Expected<std::vector<std::string>, KvError> keys_with_prefix(std::string_view prefix) const;

 private:
  Expected<std::string, KvError> path_of(std::string_view key) const;
  Expected<std::string, KvError> write_temp(std::string_view value, std::int64_t expires_at,
                                            Durability durability) const;
  // A name created or removed by link, rename or unlink is durable only once the directory
  // holding it is synced; the file's own fsync does not cover it. A host that refuses to
  // sync a directory (wasmtime's preview1) is not an error: nothing more can be done there.
  Expected<PutResult, KvError> sync_directory() const;

  std::string root_;
};

std::string_view kv_error_message(KvError error) noexcept;

}  // namespace edgepost::wasi
