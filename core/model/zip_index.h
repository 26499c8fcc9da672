#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace ddim {

/// One file record of a zip archive's central directory.
struct ZipRecord {
  uint32_t crc32 = 0;
  uint64_t compressedSize = 0;
  uint64_t size = 0;
  uint16_t method = 0;  // 0 stored, 8 deflate
};

/// The central directory of a zip archive (ZIP64 included), read and checked without trusting
/// the library that extracts records: every record is a plain file (no directory entries, no
/// encryption, stored or deflated), names are unique, sizes fit in the file and a deflated record
/// expands at most as far as deflate can. Throws ddim::Error naming `path` and the record.
class ZipIndex {
 public:
  explicit ZipIndex(const std::string& path);

  /// The record named `name`, or nullptr.
  [[nodiscard]] const ZipRecord* find(const std::string& name) const;
  /// The first record's folder ("archive" for "archive/data.pkl"), as torch's reader takes it.
  [[nodiscard]] const std::string& firstFolder() const { return firstFolder_; }

  /// Throws ddim::Error unless `data` (the extracted record `name`) has the size and CRC-32 that
  /// the central directory records.
  void verify(const std::string& name, const void* data, uint64_t size) const;

 private:
  std::string path_;
  std::map<std::string, ZipRecord> records_;
  std::string firstFolder_;
};

}  // namespace ddim
