// SPDX-License-Identifier: Apache-2.0
#include "safetensors.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "json.h"

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
    {DType::BOOL, "BOOL", 1},       {DType::U8, "U8", 1},           {DType::I8, "I8", 1},
    {DType::F8_E5M2, "F8_E5M2", 1}, {DType::F8_E4M3, "F8_E4M3", 1}, {DType::I16, "I16", 2},
    {DType::U16, "U16", 2},         {DType::F16, "F16", 2},         {DType::BF16, "BF16", 2},
    {DType::I32, "I32", 4},         {DType::U32, "U32", 4},         {DType::F32, "F32", 4},
    {DType::I64, "I64", 8},         {DType::U64, "U64", 8},         {DType::F64, "F64", 8},
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

// Shape and data_offsets entries must be below 2^53: json::Value holds numbers as
// doubles, which are exact integers only up to there (larger ones would be rounded).
// 2^53 bytes is 8 PiB, far beyond any data section.
constexpr double kMaxHeaderInteger = 9007199254740992.0;  // 2^53

bool fail(std::string* what, std::string message) {
  *what = std::move(message);
  return false;
}

// The non-negative integers of a header array (at most max_len). On failure sets *what,
// a message that starts with the field name.
bool read_integers(const json::Value& v, const char* field, size_t max_len, std::vector<uint64_t>* out,
                   std::string* what) {
  const std::string f(field);
  if (!v.is_array()) return fail(what, f + " must be an array");
  for (const json::Value& item : v.items) {
    if (!item.is_number() || std::signbit(item.number)) {
      return fail(what, f + " must hold non-negative integers");
    }
    if (item.number >= kMaxHeaderInteger) return fail(what, f + " value is too large (the limit is 2^53)");
    if (!item.integral) return fail(what, f + " must hold integers");
    if (out->size() == max_len) return fail(what, f + " has too many entries");
    out->push_back(static_cast<uint64_t>(item.number));
  }
  return true;
}

// One tensor entry {"dtype": ..., "shape": [...], "data_offsets": [begin, end]}. On
// failure sets *what (the caller names the tensor).
bool read_tensor(const json::Value& v, TensorView* t, std::pair<uint64_t, uint64_t>* range,
                 std::string* what) {
  if (!v.is_object()) return fail(what, "value must be an object");
  const json::Value* dtype = nullptr;
  const json::Value* shape = nullptr;
  const json::Value* offsets = nullptr;
  for (const json::Member& m : v.members) {  // the JSON reader refuses duplicate keys
    if (m.first == "dtype") {
      dtype = &m.second;
    } else if (m.first == "shape") {
      shape = &m.second;
    } else if (m.first == "data_offsets") {
      offsets = &m.second;
    } else {
      return fail(what, "unknown field " + quoted(m.first));
    }
  }
  if (!dtype) return fail(what, "missing field 'dtype'");
  if (!shape) return fail(what, "missing field 'shape'");
  if (!offsets) return fail(what, "missing field 'data_offsets'");
  if (!dtype->is_string()) return fail(what, "dtype must be a string");
  if (!dtype_from_name(dtype->string, &t->dtype)) return fail(what, "unknown dtype " + quoted(dtype->string));
  std::vector<uint64_t> dims, o;
  if (!read_integers(*shape, "shape", kSafetensorsMaxRank, &dims, what)) return false;
  t->shape.assign(dims.begin(), dims.end());
  if (!read_integers(*offsets, "data_offsets", 2, &o, what)) return false;
  if (o.size() != 2) return fail(what, "data_offsets must be [begin, end]");
  *range = {o[0], o[1]};
  return true;
}

inherent_status invalid(std::string* error, const std::string& what) {
  if (error) *error = "safetensors: " + what;
  return INHERENT_STATUS_INVALID_MODEL;
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
  if (n < 8)
    return invalid(error, "file of " + std::to_string(n) + " bytes is shorter than the 8-byte header size");
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
  // The JSON reader refuses syntax errors, invalid UTF-8 and duplicate keys (tensor
  // names, metadata keys and fields alike), with the line and column.
  json::Value doc;
  std::string what;
  if (!json::parse(header, &doc, &what)) return invalid(error, "header " + what);
  if (!doc.is_object()) return invalid(error, "the header is not a JSON object");
  for (json::Member& m : doc.members) {
    if (m.first == "__metadata__") {
      if (!m.second.is_object()) return invalid(error, "'__metadata__' must be an object of strings");
      for (json::Member& kv : m.second.members) {
        if (!kv.second.is_string()) {
          return invalid(error, "metadata value of " + quoted(kv.first) + " must be a string");
        }
        st.metadata.emplace_back(std::move(kv.first), std::move(kv.second.string));
      }
      continue;
    }
    TensorView t;
    std::pair<uint64_t, uint64_t> range;
    if (!read_tensor(m.second, &t, &range, &what)) {
      return invalid(error, "tensor " + quoted(m.first) + ": " + what);
    }
    t.name = std::move(m.first);
    st.tensors.push_back(std::move(t));
    ranges.push_back(range);
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
      return invalid(error, "tensor " + quoted(t.name) + ": data_offsets span " +
                                std::to_string(end - begin) + " bytes but " + dtype_name(t.dtype) + " " +
                                std::to_string(count) + " elements need " + std::to_string(count * elt));
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
        return invalid(error, "tensor " + quoted(st.tensors[i].name) + " overlaps tensor " +
                                  quoted(prev->name) + " (data_offsets begin " + std::to_string(begin) +
                                  " < " + std::to_string(at) + ")");
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

inherent_status safetensors_read_f32(const Safetensors& st, std::string_view name,
                                     const std::vector<int64_t>& shape, float* out, std::string* error) {
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
    return invalid(error,
                   "tensor " + quoted(name) + " has shape " + str(t->shape) + ", expected " + str(shape));
  }
  if (!out && t->n_bytes > 0) {
    if (error) *error = "safetensors_read_f32: null output for " + quoted(name);
    return INHERENT_STATUS_INVALID_ARGUMENT;
  }
  if (t->n_bytes > 0) std::memcpy(out, t->data, t->n_bytes);
  return INHERENT_STATUS_OK;
}

inherent_status safetensors_encode(const std::vector<TensorData>& tensors,
                                   const std::vector<std::pair<std::string, std::string>>& metadata,
                                   std::string* out, std::string* error) {
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
      header += json::quote(metadata[i].first) + ':' + json::quote(metadata[i].second);
    }
    header += '}';
  }
  uint64_t offset = 0;
  std::vector<uint64_t> sizes;
  for (const TensorData& t : tensors) {
    if (t.name.empty()) return bad("empty tensor name");
    if (t.name == "__metadata__") return bad("tensor name '__metadata__' is reserved");
    if (t.shape.size() > kSafetensorsMaxRank)
      return bad("tensor " + quoted(t.name) + " has too many dimensions");
    uint64_t count = 1;
    for (int64_t d : t.shape) {
      if (d < 0) return bad("tensor " + quoted(t.name) + " has a negative dimension");
      count *= static_cast<uint64_t>(d);
    }
    const uint64_t bytes = count * dtype_size(t.dtype);
    if (bytes > 0 && !t.data) return bad("tensor " + quoted(t.name) + " has no data");
    if (header.size() > 1) header += ',';
    header += json::quote(t.name);
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
      if (metadata[i].first == metadata[j].first)
        return bad("duplicate metadata key " + quoted(metadata[i].first));
    }
  }
  header.append((8 - header.size() % 8) % 8, ' ');  // data starts 8-byte aligned
  std::string bytes;
  bytes.reserve(8 + header.size() + static_cast<size_t>(offset));
  for (int i = 0; i < 8; ++i)
    bytes += static_cast<char>((static_cast<uint64_t>(header.size()) >> (8 * i)) & 0xff);
  bytes += header;
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (sizes[i] > 0) bytes.append(static_cast<const char*>(tensors[i].data), static_cast<size_t>(sizes[i]));
  }
  *out = std::move(bytes);
  return INHERENT_STATUS_OK;
}

}  // namespace inherent
