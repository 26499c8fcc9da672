#include "io/npy.h"

#include <ATen/ATen.h>

#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "errors.h"
#include "io/atomic_file.h"

namespace ddim {
namespace {

[[noreturn]] void bad(const std::string& path, const std::string& what) {
  throw Error(path + ": not a readable .npy file: " + what);
}

// One value of the header dict. numpy reads the header with ast.literal_eval and then wants a
// str 'descr', a bool 'fortran_order' and a tuple of ints 'shape'; anything else it refuses, so
// the values this parser knows are exactly those (plus None), and nesting is refused, which keeps
// the parser flat: no recursion, one pass, bounded by the header length.
struct HeaderValue {
  enum class Kind { kString, kInt, kBool, kNone, kTuple } kind = Kind::kNone;
  std::string text;           // kString
  int64_t integer = 0;        // kInt
  bool flag = false;          // kBool
  std::vector<int64_t> ints;  // kTuple
};

class HeaderParser {
 public:
  HeaderParser(const std::string& text, const std::string& path) : s_(text), path_(path) {}

  std::map<std::string, HeaderValue> parseDict() {
    std::map<std::string, HeaderValue> dict;
    skipSpace();
    expect('{');
    skipSpace();
    while (peek() != '}') {
      if (peek() != '\'' && peek() != '"') fail("expected a quoted key");
      const std::string key = parseString();
      skipSpace();
      expect(':');
      skipSpace();
      dict[key] = parseValue();  // a repeated key replaces the earlier value, as in Python
      skipSpace();
      if (peek() == ',') {
        ++pos_;
        skipSpace();
      } else if (peek() != '}') {
        fail("expected ',' or '}'");
      }
    }
    ++pos_;
    skipSpace();
    if (pos_ != s_.size()) fail("unexpected text after the dict");
    return dict;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    bad(path_, "header " + what + " at byte " + std::to_string(pos_));
  }
  [[nodiscard]] char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++pos_;
  }
  void skipSpace() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }
  std::string parseString() {
    const char quote = s_[pos_++];
    const size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] != quote) {
      if (s_[pos_] == '\\' || s_[pos_] == '\n') fail("has an escape or line break in a string");
      ++pos_;
    }
    if (pos_ >= s_.size()) fail("has an unterminated string");
    return s_.substr(start, pos_++ - start);
  }
  int64_t parseInt() {
    bool negative = false;
    if (peek() == '-' || peek() == '+') negative = s_[pos_++] == '-';
    if (!std::isdigit(static_cast<unsigned char>(peek()))) fail("expected an integer");
    int64_t v = 0;
    while (std::isdigit(static_cast<unsigned char>(peek()))) {
      if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, s_[pos_] - '0', &v))
        fail("has an integer too large");
      ++pos_;
    }
    return negative ? -v : v;
  }
  bool matchWord(const char* word) {
    const size_t n = std::strlen(word);
    if (s_.compare(pos_, n, word) != 0) return false;
    const char next = pos_ + n < s_.size() ? s_[pos_ + n] : '\0';
    if (std::isalnum(static_cast<unsigned char>(next)) || next == '_') return false;
    pos_ += n;
    return true;
  }
  HeaderValue parseScalar() {
    HeaderValue v;
    const char c = peek();
    if (c == '\'' || c == '"') {
      v.kind = HeaderValue::Kind::kString;
      v.text = parseString();
    } else if (c == '-' || c == '+' || std::isdigit(static_cast<unsigned char>(c))) {
      v.kind = HeaderValue::Kind::kInt;
      v.integer = parseInt();
    } else if (matchWord("True")) {
      v.kind = HeaderValue::Kind::kBool;
      v.flag = true;
    } else if (matchWord("False")) {
      v.kind = HeaderValue::Kind::kBool;
    } else if (matchWord("None")) {
      v.kind = HeaderValue::Kind::kNone;
    } else {
      fail("has a value that is not a string, integer, bool or tuple of integers");
    }
    return v;
  }
  // "(a, b)", "(a,)", "()" are tuples; "(a)" is just a, as in Python.
  HeaderValue parseValue() {
    if (peek() != '(') return parseScalar();
    ++pos_;
    skipSpace();
    HeaderValue tuple;
    tuple.kind = HeaderValue::Kind::kTuple;
    bool sawComma = false;
    std::optional<HeaderValue> single;
    while (peek() != ')') {
      if (peek() == '(') fail("has a nested tuple");
      HeaderValue item = parseScalar();
      skipSpace();
      if (peek() == ',') {
        ++pos_;
        sawComma = true;
        skipSpace();
      } else if (peek() != ')') {
        fail("expected ',' or ')' in a tuple");
      }
      if (!single && !sawComma && peek() == ')') {
        single = std::move(item);
        break;
      }
      if (item.kind != HeaderValue::Kind::kInt) {
        tuple.kind = HeaderValue::Kind::kNone;  // a tuple, but not of ints: not a valid shape
        tuple.text = "tuple";
      }
      tuple.ints.push_back(item.integer);
    }
    ++pos_;
    if (single) return *single;
    return tuple;
  }

  const std::string& s_;
  const std::string& path_;
  size_t pos_ = 0;
};

}  // namespace

at::Tensor parseNpy(const std::string& bytes, const std::string& path) {
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) bad(path, "bad magic");
  const int major = static_cast<unsigned char>(bytes[6]);
  const int minor = static_cast<unsigned char>(bytes[7]);
  if (minor != 0 || major < 1 || major > 3)
    bad(path, "unsupported format version " + std::to_string(major) + "." + std::to_string(minor) +
                  " (numpy writes 1.0, 2.0 and 3.0)");
  size_t headerLen = 0, offset = 0;
  if (major == 1) {
    headerLen = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    offset = 10;
  } else {
    if (bytes.size() < 12) bad(path, "truncated header");
    uint32_t len = 0;
    std::memcpy(&len, bytes.data() + 8, 4);
    headerLen = len;
    offset = 12;
  }
  if (headerLen > bytes.size() - offset) bad(path, "truncated header");
  const std::string header = bytes.substr(offset, headerLen);
  offset += headerLen;
  if (header.find('\0') != std::string::npos) bad(path, "header contains a NUL byte");

  const auto dict = HeaderParser(header, path).parseDict();
  if (dict.size() != 3 || !dict.count("descr") || !dict.count("fortran_order") ||
      !dict.count("shape"))
    bad(path, "header must have exactly the keys 'descr', 'fortran_order' and 'shape'");
  const HeaderValue& descrValue = dict.at("descr");
  const HeaderValue& fortranValue = dict.at("fortran_order");
  const HeaderValue& shapeValue = dict.at("shape");
  if (descrValue.kind != HeaderValue::Kind::kString)
    bad(path, "'descr' is not a string (structured dtypes are not supported)");
  if (fortranValue.kind != HeaderValue::Kind::kBool) bad(path, "'fortran_order' is not a bool");
  if (shapeValue.kind != HeaderValue::Kind::kTuple) bad(path, "'shape' is not a tuple of integers");
  const std::string& descr = descrValue.text;
  const bool fortran = fortranValue.flag;
  const std::vector<int64_t>& shape = shapeValue.ints;
  for (const int64_t d : shape)
    if (d < 0) bad(path, "'shape' has a negative dimension " + std::to_string(d));
  if (shape.size() > 64) bad(path, "'shape' has " + std::to_string(shape.size()) + " dimensions");

  at::ScalarType type;
  size_t itemSize;
  if (descr == "<f4" || descr == "|f4")
    type = at::kFloat, itemSize = 4;
  else if (descr == "<f8")
    type = at::kDouble, itemSize = 8;
  else if (descr == "<f2")
    type = at::kHalf, itemSize = 2;
  else if (descr == "<i8")
    type = at::kLong, itemSize = 8;
  else if (descr == "<i4")
    type = at::kInt, itemSize = 4;
  else if (descr == "|u1")
    type = at::kByte, itemSize = 1;
  else
    bad(path,
        "unsupported dtype '" + descr + "' (float16/32/64, int32/64 or uint8, little-endian)");

  int64_t count = 1;
  for (auto d : shape) {
    if (d > 0 && count > (int64_t(1) << 40) / d) bad(path, "shape too large");
    count *= d;
  }
  const size_t need = static_cast<size_t>(count) * itemSize;
  if (bytes.size() - offset < need)
    bad(path, "truncated data: shape needs " + std::to_string(need) + " bytes, file has " +
                  std::to_string(bytes.size() - offset));
  if (bytes.size() - offset > need)
    bad(path, "trailing data: " + std::to_string(bytes.size() - offset - need) + " extra bytes");

  at::Tensor t = at::empty({count}, at::TensorOptions().dtype(type));
  if (need) std::memcpy(t.data_ptr(), bytes.data() + offset, need);
  if (fortran) {
    std::vector<int64_t> rev(shape.rbegin(), shape.rend());
    std::vector<int64_t> perm;
    for (int64_t i = static_cast<int64_t>(shape.size()) - 1; i >= 0; --i) perm.push_back(i);
    t = t.reshape(rev).permute(perm);
  } else {
    t = t.reshape(shape);
  }
  t = t.to(at::kFloat).contiguous();
  // Every use of an array here (latents, noise, inputs) turns one NaN into a NaN image.
  if (!at::isfinite(t).all().item<bool>()) bad(path, "holds NaN or infinite values");
  return t;
}

at::Tensor readNpy(const std::string& path) { return parseNpy(readFileBytes(path), path); }
void writeNpy(const std::string& path, const at::Tensor& tensor) {
  const at::Tensor t = tensor.detach().to(at::kCPU).to(at::kFloat).contiguous();
  std::string shape = "(";
  for (int64_t i = 0; i < t.dim(); ++i) shape += (i ? ", " : "") + std::to_string(t.size(i));
  shape += t.dim() == 1 ? ",)" : ")";
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
  const size_t total = 10 + header.size() + 1;
  header += std::string((64 - total % 64) % 64, ' ') + "\n";
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>((header.size() >> 8) & 0xff);
  out += header;
  out.append(static_cast<const char*>(t.data_ptr()), t.numel() * sizeof(float));
  writeFileAtomic(path, out);
}

}  // namespace ddim
