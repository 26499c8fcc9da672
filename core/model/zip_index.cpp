#include "model/zip_index.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include "errors.h"

namespace ddim {
namespace {

constexpr uint32_t kEndOfDirectory = 0x06054b50;
constexpr uint32_t kZip64Locator = 0x07064b50;
constexpr uint32_t kZip64EndOfDirectory = 0x06064b50;
constexpr uint32_t kDirectoryEntry = 0x02014b50;
constexpr uint32_t kMaxField = 0xffffffffu;
// Deflate's best ratio is about 1032:1; a record claiming more is corrupt (or a zip bomb).
constexpr uint64_t kMaxDeflateRatio = 1032;

uint64_t le(const unsigned char* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Bounds-checked little-endian reads from a byte buffer.
class Cursor {
 public:
  Cursor(const std::vector<unsigned char>& bytes, size_t pos, const std::string& path)
      : b_(bytes), pos_(pos), path_(path) {}
  uint64_t take(int n) {
    if (pos_ > b_.size() || b_.size() - pos_ < static_cast<size_t>(n))
      throw Error(path_ + ": corrupt zip: central directory is truncated");
    const uint64_t v = le(b_.data() + pos_, n);
    pos_ += n;
    return v;
  }
  std::string text(size_t n) {
    if (pos_ > b_.size() || b_.size() - pos_ < n)
      throw Error(path_ + ": corrupt zip: central directory is truncated");
    std::string s(reinterpret_cast<const char*>(b_.data() + pos_), n);
    pos_ += n;
    return s;
  }
  [[nodiscard]] size_t pos() const { return pos_; }
  void seek(size_t p) { pos_ = p; }

 private:
  const std::vector<unsigned char>& b_;
  size_t pos_;
  const std::string& path_;
};

std::vector<unsigned char> readRange(std::ifstream& in, uint64_t offset, uint64_t size,
                                     const std::string& path) {
  std::vector<unsigned char> out(size);
  in.seekg(static_cast<std::streamoff>(offset));
  if (size > 0 && !in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(size)))
    throw Error(path + ": corrupt zip: cannot read " + std::to_string(size) + " bytes at " +
                std::to_string(offset));
  return out;
}

}  // namespace

ZipIndex::ZipIndex(const std::string& path) : path_(path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw Error("cannot open " + path + ": " + std::strerror(errno));
  const auto fileSize = static_cast<uint64_t>(in.tellg());
  const auto corrupt = [&](const std::string& what) -> Error {
    return Error(path + ": corrupt zip: " + what);
  };

  // The end-of-directory record sits in the last 22 + 65535 (comment) bytes.
  const uint64_t tailSize = std::min<uint64_t>(fileSize, 22 + 65535 + 20);
  const std::vector<unsigned char> tail = readRange(in, fileSize - tailSize, tailSize, path);
  size_t eocd = std::string::npos;
  for (size_t i = tail.size() >= 22 ? tail.size() - 22 + 1 : 0; i-- > 0;) {
    if (le(tail.data() + i, 4) == kEndOfDirectory) {
      eocd = i;
      break;
    }
  }
  if (eocd == std::string::npos) throw corrupt("no end-of-central-directory record");
  Cursor end(tail, eocd + 4, path);
  const uint64_t disk = end.take(2), cdDisk = end.take(2);
  end.take(2);
  uint64_t entries = end.take(2), cdSize = end.take(4), cdOffset = end.take(4);
  if (disk != 0 || cdDisk != 0) throw corrupt("multi-volume archives are not supported");
  if (entries == 0xffff || cdSize == kMaxField || cdOffset == kMaxField) {
    if (eocd < 20 || le(tail.data() + eocd - 20, 4) != kZip64Locator)
      throw corrupt("ZIP64 sizes without a ZIP64 locator");
    const uint64_t at = le(tail.data() + eocd - 20 + 8, 8);
    if (at > fileSize || fileSize - at < 56) throw corrupt("ZIP64 record outside the file");
    const std::vector<unsigned char> rec = readRange(in, at, 56, path);
    if (le(rec.data(), 4) != kZip64EndOfDirectory) throw corrupt("bad ZIP64 end record");
    entries = le(rec.data() + 32, 8);
    cdSize = le(rec.data() + 40, 8);
    cdOffset = le(rec.data() + 48, 8);
  }
  if (cdOffset > fileSize || cdSize > fileSize - cdOffset)
    throw corrupt("central directory outside the file");
  // Each entry takes at least 46 bytes, which bounds the count by the file itself.
  if (entries > cdSize / 46) throw corrupt("more entries than the central directory can hold");

  const std::vector<unsigned char> cd = readRange(in, cdOffset, cdSize, path);
  Cursor c(cd, 0, path);
  for (uint64_t i = 0; i < entries; ++i) {
    if (c.take(4) != kDirectoryEntry) throw corrupt("bad central directory entry");
    c.take(4);  // versions
    const uint64_t flags = c.take(2);
    ZipRecord r;
    r.method = static_cast<uint16_t>(c.take(2));
    c.take(4);  // time, date
    r.crc32 = static_cast<uint32_t>(c.take(4));
    r.compressedSize = c.take(4);
    r.size = c.take(4);
    const uint64_t nameLen = c.take(2), extraLen = c.take(2), commentLen = c.take(2);
    c.take(4);  // disk, internal attributes
    const uint64_t external = c.take(4);
    uint64_t localOffset = c.take(4);
    const std::string name = c.text(nameLen);
    const size_t extraEnd = c.pos() + extraLen;
    while (c.pos() + 4 <= extraEnd) {
      const uint64_t id = c.take(2), len = c.take(2);
      const size_t next = c.pos() + len;
      if (id == 0x0001) {  // ZIP64: only the fields that overflowed, in this order
        if (r.size == kMaxField) r.size = c.take(8);
        if (r.compressedSize == kMaxField) r.compressedSize = c.take(8);
        if (localOffset == kMaxField) localOffset = c.take(8);
        if (c.pos() > next) throw corrupt("record '" + name + "': short ZIP64 field");
      }
      c.seek(next);
    }
    c.seek(extraEnd);
    c.text(commentLen);

    const std::string where = "record '" + name + "'";
    if (name.empty() || name.back() == '/' || (external & 0x10) != 0)
      throw corrupt(where + " is a directory entry");
    if ((flags & 1) != 0) throw corrupt(where + " is encrypted");
    if (r.method == 0 && r.compressedSize != r.size)
      throw corrupt(where + ": stored with two different sizes");
    if (r.method != 0 && r.method != 8)
      throw corrupt(where + ": compression method " + std::to_string(r.method) +
                    " (only stored or deflated)");
    if (r.method == 8 && r.size / kMaxDeflateRatio > r.compressedSize)
      throw corrupt(where + " claims to expand " + std::to_string(r.compressedSize) + " bytes to " +
                    std::to_string(r.size));
    if (localOffset > fileSize || r.compressedSize > fileSize - localOffset)
      throw corrupt(where + ": data outside the file");
    if (i == 0) firstFolder_ = name.substr(0, name.find('/'));
    if (!records_.emplace(name, r).second) throw corrupt(where + " appears twice");
  }
}

const ZipRecord* ZipIndex::find(const std::string& name) const {
  const auto it = records_.find(name);
  return it == records_.end() ? nullptr : &it->second;
}

void ZipIndex::verify(const std::string& name, const void* data, uint64_t size) const {
  const ZipRecord* r = find(name);
  if (r == nullptr) throw Error(path_ + ": corrupt zip: record '" + name + "' is not listed");
  if (size != r->size)
    throw Error(path_ + ": corrupt zip: record '" + name + "' has " + std::to_string(size) +
                " bytes, the directory says " + std::to_string(r->size));
  uLong crc = crc32(0L, Z_NULL, 0);
  const auto* p = static_cast<const Bytef*>(data);
  for (uint64_t done = 0; done < size;) {
    const auto n = static_cast<uInt>(std::min<uint64_t>(size - done, 1u << 30));
    crc = crc32(crc, p + done, n);
    done += n;
  }
  if (static_cast<uint32_t>(crc) != r->crc32)
    throw Error(path_ + ": corrupt zip: record '" + name + "' fails its CRC-32 check");
}

}  // namespace ddim
