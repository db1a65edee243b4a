#include "kv_dir.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/random.h>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>

#include "edgepost/hex.hpp"

namespace edgepost::wasi {
namespace {

constexpr std::size_t kMaxFileName = 240;
constexpr std::string_view kMagic = "edgepost-kv 1 ";

// WASI preview1 defines fd_sync for files. wasmtime's preview1 refuses it on a directory
// (EBADF) where node:wasi and jco's preview2 adapter sync it; a host that refuses leaves the
// durability of a new name to its file system (docs/wasi-engines.md). Any other failure of
// the sync is an I/O error.
bool host_cannot_sync_directories(int error) {
  return error == EBADF || error == EINVAL || error == ENOTSUP;
}

// Every open names the last component only and never follows a symbolic link there: nothing
// this store writes is a link, so a link in the directory is refused (ELOOP, an I/O error)
// instead of leading a read or write elsewhere. It is also cheaper: with symlink-follow set,
// wasi-libc asks the host to resolve the path, and node:wasi (uvwasi) then calls readlink
// on every open.
constexpr int kNoFollow = O_NOFOLLOW;

bool is_kept(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

std::optional<std::string> read_all(int fd) {
  std::string content;
  char buffer[4096];
  for (;;) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return std::nullopt;
    if (got == 0) return content;
    content.append(buffer, static_cast<std::size_t>(got));
  }
}

// "edgepost-kv 1 <expires_at>\n<value>" -> expires_at and the value's offset.
std::optional<std::pair<std::int64_t, std::size_t>> parse_header(std::string_view content) {
  if (content.substr(0, kMagic.size()) != kMagic) return std::nullopt;
  const std::size_t newline = content.find('\n');
  if (newline == std::string_view::npos) return std::nullopt;
  std::int64_t expires_at = 0;
  const char* begin = content.data() + kMagic.size();
  const char* end = content.data() + newline;
  const auto [stop, status] = std::from_chars(begin, end, expires_at);
  if (status != std::errc{} || stop != end) return std::nullopt;
  return std::pair{expires_at, newline + 1};
}

}  // namespace

std::optional<std::string> encode_key(std::string_view key) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string name;
  for (const char c : key) {
    const auto byte = static_cast<unsigned char>(c);
    if (is_kept(byte)) {
      name.push_back(c);
    } else {
      name.push_back('%');
      name.push_back(kHex[byte >> 4]);
      name.push_back(kHex[byte & 0x0F]);
    }
  }
  if (name.empty() || name.size() > kMaxFileName) return std::nullopt;
  return name;
}

std::optional<std::string> decode_key(std::string_view file_name) {
  std::string key;
  for (std::size_t i = 0; i < file_name.size(); ++i) {
    const auto byte = static_cast<unsigned char>(file_name[i]);
    if (is_kept(byte)) {
      key.push_back(file_name[i]);
      continue;
    }
    if (byte != '%' || i + 2 >= file_name.size()) return std::nullopt;
    const int high = hex_digit(file_name[i + 1]);
    const int low = hex_digit(file_name[i + 2]);
    const char decoded = static_cast<char>(high * 16 + low);
    // Only the canonical encoding decodes: a byte that would have been kept must not be %XX.
    if (high < 0 || low < 0 || is_kept(static_cast<unsigned char>(decoded))) return std::nullopt;
    key.push_back(decoded);
    i += 2;
  }
  if (key.empty()) return std::nullopt;
  return key;
}

Expected<std::string, KvError> DirectoryKv::path_of(std::string_view key) const {
  const auto name = encode_key(key);
  if (!name) return Unexpected{KvError::key_too_long};
  return root_ + "/" + *name;
}

Expected<std::string, KvError> DirectoryKv::write_temp(std::string_view value,
                                                       std::int64_t expires_at,
                                                       Durability durability) const {
  std::array<std::uint8_t, 12> random{};
  if (getentropy(random.data(), random.size()) != 0) return Unexpected{KvError::io_error};
  const std::string path = root_ + "/.tmp-" + to_hex(random);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | kNoFollow, 0644);
  if (fd < 0) return Unexpected{KvError::io_error};
  const std::string header = std::string(kMagic) + std::to_string(expires_at) + "\n";
  const bool ok = write_all(fd, header) && write_all(fd, value) &&
                  (durability == Durability::unsynced || ::fsync(fd) == 0);
  if (::close(fd) != 0 || !ok) {
    ::unlink(path.c_str());
    return Unexpected{KvError::io_error};
  }
  return path;
}

Expected<std::optional<std::string>, KvError> DirectoryKv::get(std::string_view key,
                                                               std::int64_t now) const {
  const auto path = path_of(key);
  if (!path) return Unexpected{path.error()};
  const int fd = ::open(path->c_str(), O_RDONLY | kNoFollow);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>{};
    return Unexpected{KvError::io_error};
  }
  auto content = read_all(fd);
  ::close(fd);
  if (!content) return Unexpected{KvError::io_error};
  // Every name is written through a temporary file, so the only empty file under a name is an
  // unsynced write (a click record) whose data a power cut kept from the disk: nothing.
  if (content->empty()) return std::optional<std::string>{};
  const auto header = parse_header(*content);
  if (!header) return Unexpected{KvError::corrupt};
  if (header->first != 0 && header->first <= now) return std::optional<std::string>{};
  return std::optional<std::string>{content->substr(header->second)};
}

Expected<PutResult, KvError> DirectoryKv::put(std::string_view key, std::string_view value,
                                              std::int64_t expires_at,
                                              Durability durability) const {
  const auto path = path_of(key);
  if (!path) return Unexpected{path.error()};
  const auto temp = write_temp(value, expires_at, durability);
  if (!temp) return Unexpected{temp.error()};
  if (::rename(temp->c_str(), path->c_str()) != 0) {
    ::unlink(temp->c_str());
    return Unexpected{KvError::io_error};
  }
  if (durability == Durability::unsynced) return PutResult::written;
  return sync_directory();
}

Expected<PutResult, KvError> DirectoryKv::sync_directory() const {
  const int fd = ::open(root_.c_str(), O_RDONLY | O_DIRECTORY | kNoFollow);
  if (fd < 0) return Unexpected{KvError::io_error};
  const bool synced = ::fsync(fd) == 0 || host_cannot_sync_directories(errno);
  if (::close(fd) != 0 || !synced) return Unexpected{KvError::io_error};
  return PutResult::written;
}

Expected<PutResult, KvError> DirectoryKv::put_if_absent(std::string_view key,
                                                        std::string_view value,
                                                        std::int64_t expires_at,
                                                        Durability durability) const {
  const auto path = path_of(key);
  if (!path) return Unexpected{path.error()};
  const auto temp = write_temp(value, expires_at, durability);
  if (!temp) return Unexpected{temp.error()};
  const int linked = ::link(temp->c_str(), path->c_str());
  const int link_errno = errno;
  ::unlink(temp->c_str());
  // A claim is acknowledged only once its name is durable: a 200 must not be lost to a power
  // cut. If the sync fails, the caller answers 503 and the retry finds the claim taken.
  if (linked == 0) {
    return durability == Durability::unsynced ? PutResult::written : sync_directory();
  }
  if (link_errno == EEXIST) return PutResult::exists;
  return Unexpected{KvError::io_error};
}

Expected<PutResult, KvError> DirectoryKv::replace_if_empty(std::string_view key,
                                                           std::string_view value,
                                                           std::int64_t expires_at) const {
  const auto path = path_of(key);
  if (!path) return Unexpected{path.error()};
  const int fd = ::open(path->c_str(), O_RDONLY | kNoFollow);
  if (fd < 0) return Unexpected{KvError::io_error};
  struct stat status{};
  const bool read = ::fstat(fd, &status) == 0;
  ::close(fd);
  if (!read) return Unexpected{KvError::io_error};
  if (status.st_size != 0) return PutResult::exists;
  return put(key, value, expires_at, Durability::unsynced);
}

Expected<PutResult, KvError> DirectoryKv::remove(std::string_view key) const {
  const auto path = path_of(key);
  if (!path) return Unexpected{path.error()};
  if (::unlink(path->c_str()) != 0) {
    if (errno == ENOENT) return PutResult::written;
    return Unexpected{KvError::io_error};
  }
  return sync_directory();
}

Expected<std::vector<std::string>, KvError> DirectoryKv::keys_with_prefix(
    std::string_view prefix) const {
  DIR* dir = ::opendir(root_.c_str());
  if (dir == nullptr) return Unexpected{KvError::io_error};
  std::vector<std::string> keys;
  while (const dirent* entry = ::readdir(dir)) {
    // Temporary files and anything not written by this store do not decode: not keys.
    const auto key = decode_key(entry->d_name);
    if (key && key->compare(0, prefix.size(), prefix) == 0) keys.push_back(*key);
  }
  ::closedir(dir);
  return keys;
}

std::string_view kv_error_message(KvError error) noexcept {
  switch (error) {
    case KvError::io_error: return "the data directory could not be read or written";
    case KvError::key_too_long: return "key too long for the data directory";
    case KvError::corrupt: return "a stored record has no valid header";
  }
  return "store error";
}

}  // namespace edgepost::wasi
