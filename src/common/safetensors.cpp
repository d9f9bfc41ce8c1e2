// SPDX-License-Identifier: Apache-2.0
#include "safetensors.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

namespace inherent {

// The data section is copied byte for byte; a big-endian host would need swaps.
static_assert(std::endian::native == std::endian::little, "safetensors stores little-endian data");

namespace {

struct DTypeInfo {
  DType dtype;
  const char* name;
  size_t size;
};

constexpr DTypeInfo kDTypes[] = {
    {DType::BOOL, "BOOL", 1},       {DType::U8, "U8", 1},   {DType::I8, "I8", 1},
    {DType::F8_E5M2, "F8_E5M2", 1}, {DType::F8_E4M3, "F8_E4M3", 1},
    {DType::I16, "I16", 2},         {DType::U16, "U16", 2}, {DType::F16, "F16", 2},
    {DType::BF16, "BF16", 2},       {DType::I32, "I32", 4}, {DType::U32, "U32", 4},
    {DType::F32, "F32", 4},         {DType::I64, "I64", 8}, {DType::U64, "U64", 8},
    {DType::F64, "F64", 8},
};

const DTypeInfo& info(DType dtype) {
  for (const DTypeInfo& d : kDTypes) {
    if (d.dtype == dtype) return d;
  }
  return kDTypes[0];  // unreachable for valid enum values
}

std::string quoted(std::string_view s) {
  // Keys in messages: printable ASCII kept, the rest escaped, long keys cut.
  std::string out = "'";
  for (size_t i = 0; i < s.size() && i < 120; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      static const char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  if (s.size() > 120) out += "...";
  return out + "'";
}

// A strict parser for the one JSON shape a safetensors header has (an object of
// tensor objects plus an optional object of strings). Bounded depth, no recursion.
class HeaderParser {
 public:
  explicit HeaderParser(std::string_view s) : s_(s) {}

  bool parse(Safetensors* out, std::vector<std::pair<uint64_t, uint64_t>>* offsets) {
    ws();
    if (!eat('{')) return fail("the header is not a JSON object");
    ws();
    bool seen_metadata = false;
    if (!eat('}')) {
      for (;;) {
        std::string key;
        ws();
        if (!string(&key)) return false;
        ws();
        if (!eat(':')) return fail("expected ':' after key " + quoted(key));
        ws();
        if (key == "__metadata__") {
          if (seen_metadata) return fail("duplicate key '__metadata__'");
          seen_metadata = true;
          if (!metadata(&out->metadata)) return false;
        } else {
          TensorView t;
          std::pair<uint64_t, uint64_t> range;
          t.name = std::move(key);
          if (!tensor(&t, &range)) return false;
          out->tensors.push_back(std::move(t));
          offsets->push_back(range);
        }
        ws();
        if (eat('}')) break;
        if (!eat(',')) return fail("expected ',' or '}' after a value");
      }
    }
    ws();
    if (pos_ != s_.size()) return fail("unexpected bytes after the header object");
    return true;
  }

  const std::string& error() const { return error_; }

 private:
  bool fail(const std::string& what) {
    if (error_.empty()) error_ = "header byte " + std::to_string(pos_) + ": " + what;
    return false;
  }
  bool fail_key(const std::string& key, const std::string& what) {
    if (error_.empty()) error_ = "tensor " + quoted(key) + ": " + what;
    return false;
  }
  void ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  bool eat(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  bool hex4(uint32_t* v) {
    if (s_.size() - pos_ < 4) return fail("truncated \\u escape");
    *v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = s_[pos_++];
      uint32_t d = 0;
      if (c >= '0' && c <= '9') {
        d = static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        d = static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        d = static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return fail("bad hex digit in \\u escape");
      }
      *v = *v * 16 + d;
    }
    return true;
  }

  static void utf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      *out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      *out += static_cast<char>(0xc0 | (cp >> 6));
      *out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      *out += static_cast<char>(0xe0 | (cp >> 12));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      *out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      *out += static_cast<char>(0xf0 | (cp >> 18));
      *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      *out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }

  bool string(std::string* out) {
    if (!eat('"')) return fail("expected a string");
    for (;;) {
      if (pos_ >= s_.size()) return fail("unterminated string");
      const char c = s_[pos_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return fail("control character in a string");
      if (c != '\\') {
        *out += c;
        continue;
      }
      if (pos_ >= s_.size()) return fail("unterminated escape");
      const char e = s_[pos_++];
      switch (e) {
        case '"': *out += '"'; break;
        case '\\': *out += '\\'; break;
        case '/': *out += '/'; break;
        case 'b': *out += '\b'; break;
        case 'f': *out += '\f'; break;
        case 'n': *out += '\n'; break;
        case 'r': *out += '\r'; break;
        case 't': *out += '\t'; break;
        case 'u': {
          uint32_t cp = 0;
          if (!hex4(&cp)) return false;
          if (cp >= 0xdc00 && cp <= 0xdfff) return fail("lone low surrogate in \\u escape");
          if (cp >= 0xd800 && cp <= 0xdbff) {
            uint32_t lo = 0;
            if (!(eat('\\') && eat('u'))) return fail("high surrogate without a low one");
            if (!hex4(&lo)) return false;
            if (lo < 0xdc00 || lo > 0xdfff) return fail("high surrogate without a low one");
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          }
          utf8(cp, out);
          break;
        }
        default: return fail("bad escape in a string");
      }
    }
  }

  // A non-negative integer without sign, fraction or exponent, at most 2^63 - 1.
  bool integer(uint64_t* v, const std::string& key, const char* field) {
    const size_t start = pos_;
    *v = 0;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
      const uint64_t d = static_cast<uint64_t>(s_[pos_] - '0');
      if (*v > (static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) - d) / 10) {
        return fail_key(key, std::string(field) + " value is too large");
      }
      *v = *v * 10 + d;
      ++pos_;
    }
    if (pos_ == start) return fail_key(key, std::string(field) + " must hold non-negative integers");
    if (pos_ - start > 1 && s_[start] == '0') return fail_key(key, std::string(field) + " has a leading zero");
    if (pos_ < s_.size() && (s_[pos_] == '.' || s_[pos_] == 'e' || s_[pos_] == 'E')) {
      return fail_key(key, std::string(field) + " must hold integers");
    }
    return true;
  }

  bool int_array(std::vector<uint64_t>* out, const std::string& key, const char* field, size_t max_len) {
    if (!eat('[')) return fail_key(key, std::string(field) + " must be an array");
    ws();
    if (eat(']')) return true;
    for (;;) {
      ws();
      uint64_t v;
      if (!integer(&v, key, field)) return false;
      if (out->size() == max_len) return fail_key(key, std::string(field) + " has too many entries");
      out->push_back(v);
      ws();
      if (eat(']')) return true;
      if (!eat(',')) return fail_key(key, std::string(field) + ": expected ',' or ']'");
    }
  }

  bool tensor(TensorView* t, std::pair<uint64_t, uint64_t>* range) {
    const std::string& key = t->name;
    if (!eat('{')) return fail_key(key, "value must be an object");
    bool has_dtype = false, has_shape = false, has_offsets = false;
    ws();
    if (!eat('}')) {
      for (;;) {
        ws();
        std::string field;
        if (!string(&field)) return false;
        ws();
        if (!eat(':')) return fail_key(key, "expected ':' after " + quoted(field));
        ws();
        if (field == "dtype") {
          if (has_dtype) return fail_key(key, "duplicate field 'dtype'");
          has_dtype = true;
          std::string name;
          if (!string(&name)) return false;
          if (!dtype_from_name(name, &t->dtype)) return fail_key(key, "unknown dtype " + quoted(name));
        } else if (field == "shape") {
          if (has_shape) return fail_key(key, "duplicate field 'shape'");
          has_shape = true;
          std::vector<uint64_t> dims;
          if (!int_array(&dims, key, "shape", kSafetensorsMaxRank)) return false;
          t->shape.assign(dims.begin(), dims.end());
        } else if (field == "data_offsets") {
          if (has_offsets) return fail_key(key, "duplicate field 'data_offsets'");
          has_offsets = true;
          std::vector<uint64_t> o;
          if (!int_array(&o, key, "data_offsets", 2)) return false;
          if (o.size() != 2) return fail_key(key, "data_offsets must be [begin, end]");
          *range = {o[0], o[1]};
        } else {
          return fail_key(key, "unknown field " + quoted(field));
        }
        ws();
        if (eat('}')) break;
        if (!eat(',')) return fail_key(key, "expected ',' or '}'");
      }
    }
    if (!has_dtype) return fail_key(key, "missing field 'dtype'");
    if (!has_shape) return fail_key(key, "missing field 'shape'");
    if (!has_offsets) return fail_key(key, "missing field 'data_offsets'");
    return true;
  }

  bool metadata(std::vector<std::pair<std::string, std::string>>* out) {
    if (!eat('{')) return fail("'__metadata__' must be an object of strings");
    ws();
    if (eat('}')) return true;
    for (;;) {
      ws();
      std::string k, v;
      if (!string(&k)) return false;
      ws();
      if (!eat(':')) return fail("expected ':' after metadata key " + quoted(k));
      ws();
      if (pos_ >= s_.size() || s_[pos_] != '"') return fail("metadata value of " + quoted(k) + " must be a string");
      if (!string(&v)) return false;
      out->emplace_back(std::move(k), std::move(v));
      ws();
      if (eat('}')) return true;
      if (!eat(',')) return fail("expected ',' or '}' in '__metadata__'");
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
  std::string error_;
};

inherent_status invalid(std::string* error, const std::string& what) {
  if (error) *error = "safetensors: " + what;
  return INHERENT_STATUS_INVALID_MODEL;
}

void append_json_string(std::string* out, std::string_view s) {
  *out += '"';
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      *out += '\\';
      *out += ch;
    } else if (c < 0x20) {
      static const char hex[] = "0123456789abcdef";
      *out += "\\u00";
      *out += hex[c >> 4];
      *out += hex[c & 15];
    } else {
      *out += ch;
    }
  }
  *out += '"';
}

}  // namespace

size_t dtype_size(DType dtype) { return info(dtype).size; }
const char* dtype_name(DType dtype) { return info(dtype).name; }

bool dtype_from_name(std::string_view name, DType* out) {
  for (const DTypeInfo& d : kDTypes) {
    if (name == d.name) {
      *out = d.dtype;
      return true;
    }
  }
  return false;
}

int64_t TensorView::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

const TensorView* Safetensors::find(std::string_view name) const {
  for (const TensorView& t : tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

const std::string* Safetensors::find_metadata(std::string_view key) const {
  for (const auto& kv : metadata) {
    if (kv.first == key) return &kv.second;
  }
  return nullptr;
}

inherent_status safetensors_parse(const void* bytes, size_t n, Safetensors* out, std::string* error) {
  if (!out || (!bytes && n > 0)) {
    if (error) *error = "safetensors_parse: null argument";
    return INHERENT_STATUS_INVALID_ARGUMENT;
  }
  *out = Safetensors{};
  const uint8_t* p = static_cast<const uint8_t*>(bytes);
  if (n < 8) return invalid(error, "file of " + std::to_string(n) + " bytes is shorter than the 8-byte header size");
  uint64_t header_size = 0;
  for (int i = 0; i < 8; ++i) header_size |= static_cast<uint64_t>(p[i]) << (8 * i);
  if (header_size > kSafetensorsMaxHeader) {
    return invalid(error, "header size " + std::to_string(header_size) + " exceeds the limit of " +
                              std::to_string(kSafetensorsMaxHeader) + " bytes");
  }
  if (header_size > n - 8) {
    return invalid(error, "header size " + std::to_string(header_size) + " runs past the end of the " +
                              std::to_string(n) + "-byte file");
  }
  const std::string_view header(reinterpret_cast<const char*>(p + 8), static_cast<size_t>(header_size));
  const uint8_t* data = p + 8 + header_size;
  const uint64_t data_size = n - 8 - header_size;

  Safetensors st;
  st.header_size = static_cast<size_t>(header_size);
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  HeaderParser parser(header);
  if (!parser.parse(&st, &ranges)) return invalid(error, parser.error());

  // Duplicate names (JSON allows them; the format does not).
  {
    std::vector<size_t> order(st.tensors.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return st.tensors[a].name < st.tensors[b].name; });
    for (size_t i = 1; i < order.size(); ++i) {
      if (st.tensors[order[i]].name == st.tensors[order[i - 1]].name) {
        return invalid(error, "duplicate tensor " + quoted(st.tensors[order[i]].name));
      }
    }
    std::vector<std::string_view> keys;
    for (const auto& kv : st.metadata) keys.push_back(kv.first);
    std::sort(keys.begin(), keys.end());
    for (size_t i = 1; i < keys.size(); ++i) {
      if (keys[i] == keys[i - 1]) return invalid(error, "duplicate metadata key " + quoted(keys[i]));
    }
  }

  // Sizes and ranges, each bounded by the data size so no product can overflow.
  for (size_t i = 0; i < st.tensors.size(); ++i) {
    TensorView& t = st.tensors[i];
    const auto [begin, end] = ranges[i];
    const uint64_t elt = dtype_size(t.dtype);
    uint64_t count = 1;
    bool empty = false;
    for (int64_t d : t.shape) empty = empty || d == 0;
    if (!empty) {
      for (int64_t d : t.shape) {
        const uint64_t ud = static_cast<uint64_t>(d);
        if (count > data_size / elt / ud) {
          return invalid(error, "tensor " + quoted(t.name) + ": shape needs more bytes than the " +
                                    std::to_string(data_size) + "-byte data section holds");
        }
        count *= ud;
      }
    } else {
      count = 0;
    }
    if (begin > end) {
      return invalid(error, "tensor " + quoted(t.name) + ": data_offsets [" + std::to_string(begin) + ", " +
                                std::to_string(end) + "] end before they begin");
    }
    if (end > data_size) {
      return invalid(error, "tensor " + quoted(t.name) + ": data_offsets end " + std::to_string(end) +
                                " is past the " + std::to_string(data_size) + "-byte data section");
    }
    if (end - begin != count * elt) {
      return invalid(error, "tensor " + quoted(t.name) + ": data_offsets span " + std::to_string(end - begin) +
                                " bytes but " + dtype_name(t.dtype) + " " + std::to_string(count) +
                                " elements need " + std::to_string(count * elt));
    }
    t.data = data + begin;
    t.n_bytes = static_cast<size_t>(end - begin);
    t.begin = static_cast<size_t>(begin);
  }

  // The ranges must tile the data section: no overlap, no hole, nothing left over.
  {
    std::vector<size_t> order(st.tensors.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ranges[a] < ranges[b]; });
    uint64_t at = 0;
    const TensorView* prev = nullptr;
    for (size_t i : order) {
      const auto [begin, end] = ranges[i];
      if (begin < at) {
        return invalid(error, "tensor " + quoted(st.tensors[i].name) + " overlaps tensor " + quoted(prev->name) +
                                  " (data_offsets begin " + std::to_string(begin) + " < " + std::to_string(at) + ")");
      }
      if (begin > at) {
        return invalid(error, "tensor " + quoted(st.tensors[i].name) + ": data_offsets begin " +
                                  std::to_string(begin) + " leaves unused bytes from " + std::to_string(at));
      }
      at = end;
      prev = &st.tensors[i];
    }
    if (at != data_size) {
      return invalid(error, "data section has " + std::to_string(data_size - at) +
                                " bytes that no tensor uses (from offset " + std::to_string(at) + ")");
    }
  }
  *out = std::move(st);
  return INHERENT_STATUS_OK;
}

inherent_status safetensors_read_f32(const Safetensors& st, std::string_view name, const std::vector<int64_t>& shape,
                                     float* out, std::string* error) {
  const TensorView* t = st.find(name);
  if (!t) return invalid(error, "missing tensor " + quoted(name));
  if (t->dtype != DType::F32) {
    return invalid(error, "tensor " + quoted(name) + " has dtype " + dtype_name(t->dtype) + ", expected F32");
  }
  if (t->shape != shape) {
    auto str = [](const std::vector<int64_t>& s) {
      std::string r = "[";
      for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
      return r + "]";
    };
    return invalid(error, "tensor " + quoted(name) + " has shape " + str(t->shape) + ", expected " + str(shape));
  }
  if (!out && t->n_bytes > 0) {
    if (error) *error = "safetensors_read_f32: null output for " + quoted(name);
    return INHERENT_STATUS_INVALID_ARGUMENT;
  }
  if (t->n_bytes > 0) std::memcpy(out, t->data, t->n_bytes);
  return INHERENT_STATUS_OK;
}

inherent_status safetensors_encode(const std::vector<TensorData>& tensors,
                                   const std::vector<std::pair<std::string, std::string>>& metadata, std::string* out,
                                   std::string* error) {
  auto bad = [error](const std::string& what) {
    if (error) *error = "safetensors_encode: " + what;
    return INHERENT_STATUS_INVALID_ARGUMENT;
  };
  if (!out) return bad("null output");
  std::vector<std::string_view> names;
  std::string header = "{";
  if (!metadata.empty()) {
    header += "\"__metadata__\":{";
    for (size_t i = 0; i < metadata.size(); ++i) {
      if (i) header += ',';
      append_json_string(&header, metadata[i].first);
      header += ':';
      append_json_string(&header, metadata[i].second);
    }
    header += '}';
  }
  uint64_t offset = 0;
  std::vector<uint64_t> sizes;
  for (const TensorData& t : tensors) {
    if (t.name.empty()) return bad("empty tensor name");
    if (t.name == "__metadata__") return bad("tensor name '__metadata__' is reserved");
    if (t.shape.size() > kSafetensorsMaxRank) return bad("tensor " + quoted(t.name) + " has too many dimensions");
    uint64_t count = 1;
    for (int64_t d : t.shape) {
      if (d < 0) return bad("tensor " + quoted(t.name) + " has a negative dimension");
      count *= static_cast<uint64_t>(d);
    }
    const uint64_t bytes = count * dtype_size(t.dtype);
    if (bytes > 0 && !t.data) return bad("tensor " + quoted(t.name) + " has no data");
    if (header.size() > 1) header += ',';
    append_json_string(&header, t.name);
    header += ":{\"dtype\":\"";
    header += dtype_name(t.dtype);
    header += "\",\"shape\":[";
    for (size_t i = 0; i < t.shape.size(); ++i) header += (i ? "," : "") + std::to_string(t.shape[i]);
    header += "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + bytes) + "]}";
    offset += bytes;
    sizes.push_back(bytes);
    names.push_back(t.name);
  }
  header += '}';
  std::sort(names.begin(), names.end());
  for (size_t i = 1; i < names.size(); ++i) {
    if (names[i] == names[i - 1]) return bad("duplicate tensor name " + quoted(names[i]));
  }
  for (size_t i = 0; i < metadata.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (metadata[i].first == metadata[j].first) return bad("duplicate metadata key " + quoted(metadata[i].first));
    }
  }
  header.append((8 - header.size() % 8) % 8, ' ');  // data starts 8-byte aligned
  std::string bytes;
  bytes.reserve(8 + header.size() + static_cast<size_t>(offset));
  for (int i = 0; i < 8; ++i) bytes += static_cast<char>((static_cast<uint64_t>(header.size()) >> (8 * i)) & 0xff);
  bytes += header;
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (sizes[i] > 0) bytes.append(static_cast<const char*>(tensors[i].data), static_cast<size_t>(sizes[i]));
  }
  *out = std::move(bytes);
  return INHERENT_STATUS_OK;
}

}  // namespace inherent
