// SPDX-License-Identifier: Apache-2.0
//
// The safetensors reader must reject every malformed file with a message naming the
// key at fault and never read outside the buffer (run under ASan in the asan preset).
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "common/safetensors.h"

namespace inherent {
namespace {

// A file from a literal header and data section.
std::string make_file(const std::string& header, const std::string& data = {}) {
  std::string out;
  for (int i = 0; i < 8; ++i) out += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return out + header + data;
}

std::string floats(std::initializer_list<float> v) {
  std::string s(v.size() * 4, '\0');
  std::memcpy(s.data(), v.begin(), s.size());
  return s;
}

// Parses and expects failure; returns the message.
std::string parse_error(const std::string& bytes) {
  Safetensors st;
  std::string error;
  const inherent_status status = safetensors_parse(bytes.data(), bytes.size(), &st, &error);
  EXPECT_EQ(status, INHERENT_STATUS_INVALID_MODEL) << "accepted: " << bytes.substr(8);
  EXPECT_TRUE(st.tensors.empty());
  return error;
}

#define EXPECT_MESSAGE(bytes, needle)                        \
  do {                                                       \
    const std::string msg_ = parse_error(bytes);             \
    EXPECT_NE(msg_.find(needle), std::string::npos) << msg_; \
  } while (0)

std::string valid_file() {
  const float a[6] = {1, 2, 3, 4, 5, 6};
  const int8_t b[3] = {-1, 0, 7};
  std::string bytes, error;
  EXPECT_EQ(safetensors_encode({{"layer.a", DType::F32, {2, 3}, a},
                                {"b", DType::I8, {3}, b},
                                {"empty", DType::F32, {0, 4}, nullptr}},
                               {{"format", "inherent-weights"}, {"note", "quote \" and \\ and \n"}}, &bytes,
                               &error),
            INHERENT_STATUS_OK)
      << error;
  return bytes;
}

TEST(Safetensors, RoundTrip) {
  const std::string bytes = valid_file();
  Safetensors st;
  std::string error;
  ASSERT_EQ(safetensors_parse(bytes.data(), bytes.size(), &st, &error), INHERENT_STATUS_OK) << error;
  EXPECT_EQ((8 + st.header_size) % 8, 0u) << "data section must start 8-byte aligned";
  ASSERT_EQ(st.tensors.size(), 3u);
  EXPECT_EQ(st.tensors[0].name, "layer.a");
  EXPECT_EQ(st.tensors[1].dtype, DType::I8);
  EXPECT_EQ(st.tensors[2].numel(), 0);
  ASSERT_NE(st.find_metadata("note"), nullptr);
  EXPECT_EQ(*st.find_metadata("note"), "quote \" and \\ and \n");

  std::vector<float> a(6);
  ASSERT_EQ(safetensors_read_f32(st, "layer.a", {2, 3}, a.data(), &error), INHERENT_STATUS_OK) << error;
  EXPECT_EQ(a, (std::vector<float>{1, 2, 3, 4, 5, 6}));
  const TensorView* b = st.find("b");
  ASSERT_NE(b, nullptr);
  ASSERT_EQ(b->n_bytes, 3u);
  EXPECT_EQ(static_cast<int8_t>(b->data[0]), -1);
  EXPECT_EQ(static_cast<int8_t>(b->data[2]), 7);
}

TEST(Safetensors, ReadF32ChecksKeyDtypeAndShape) {
  const std::string bytes = valid_file();
  Safetensors st;
  std::string error;
  ASSERT_EQ(safetensors_parse(bytes.data(), bytes.size(), &st, &error), INHERENT_STATUS_OK);
  std::vector<float> out(6);
  EXPECT_EQ(safetensors_read_f32(st, "missing.weight", {2, 3}, out.data(), &error),
            INHERENT_STATUS_INVALID_MODEL);
  EXPECT_NE(error.find("missing tensor 'missing.weight'"), std::string::npos) << error;
  EXPECT_EQ(safetensors_read_f32(st, "b", {3}, out.data(), &error), INHERENT_STATUS_INVALID_MODEL);
  EXPECT_NE(error.find("'b' has dtype I8, expected F32"), std::string::npos) << error;
  EXPECT_EQ(safetensors_read_f32(st, "layer.a", {3, 2}, out.data(), &error), INHERENT_STATUS_INVALID_MODEL);
  EXPECT_NE(error.find("'layer.a' has shape [2, 3], expected [3, 2]"), std::string::npos) << error;
}

TEST(Safetensors, ForeignLayoutWithWhitespaceAndEscapes) {
  // Whitespace, field order, \u escapes (incl. a surrogate pair) as other writers emit them.
  const std::string header =
      "{ \"caf\\u00e9\" : { \"shape\" : [ 2 ], \"data_offsets\" : [ 0 , 8 ], \"dtype\" : \"F32\" },\n"
      "  \"\\ud83d\\ude00\": {\"dtype\": \"U8\", \"shape\": [], \"data_offsets\": [8, 9]} }   ";
  const std::string bytes = make_file(header, floats({1.5f, -2}) + "x");
  Safetensors st;
  std::string error;
  ASSERT_EQ(safetensors_parse(bytes.data(), bytes.size(), &st, &error), INHERENT_STATUS_OK) << error;
  ASSERT_NE(st.find("caf\xc3\xa9"), nullptr);
  ASSERT_NE(st.find("\xf0\x9f\x98\x80"), nullptr);
  EXPECT_EQ(st.find("\xf0\x9f\x98\x80")->numel(), 1);  // rank 0: one element
}

TEST(Safetensors, EmptyFile) {
  Safetensors st;
  std::string error;
  const std::string bytes = make_file("{}");
  EXPECT_EQ(safetensors_parse(bytes.data(), bytes.size(), &st, &error), INHERENT_STATUS_OK) << error;
  EXPECT_EQ(safetensors_parse(nullptr, 0, &st, &error), INHERENT_STATUS_INVALID_MODEL);
  EXPECT_EQ(safetensors_parse(bytes.data(), bytes.size(), nullptr, &error), INHERENT_STATUS_INVALID_ARGUMENT);
}

TEST(Safetensors, CorruptHeaderSize) {
  EXPECT_MESSAGE(std::string("\x02\x00\x00", 3), "shorter than the 8-byte header size");
  std::string huge = make_file("{}");
  huge[6] = 1;  // 2^48 + 2
  EXPECT_MESSAGE(huge, "exceeds the limit");
  std::string past = make_file("{}");
  past[0] = 9;
  EXPECT_MESSAGE(past, "runs past the end");
}

TEST(Safetensors, CorruptJson) {
  EXPECT_MESSAGE(make_file("[]"), "not a JSON object");
  EXPECT_MESSAGE(make_file("{\"a\" {}}"), "expected ':'");
  EXPECT_MESSAGE(make_file("{\"a"), "unterminated string");
  EXPECT_MESSAGE(make_file("{\"a\\q\": {}}"), "bad escape");
  EXPECT_MESSAGE(make_file("{\"\\ud800\": {}}"), "surrogate");
  EXPECT_MESSAGE(make_file("{\"\\udc00\": {}}"), "surrogate");
  EXPECT_MESSAGE(make_file("{\"\\u12\"}"), "");
  EXPECT_MESSAGE(make_file("{\"a\tb\": {}}"), "control character");
  EXPECT_MESSAGE(make_file("{} x"), "unexpected text after the JSON value");
  EXPECT_MESSAGE(make_file(std::string("{}\0", 3)), "unexpected text");
  EXPECT_MESSAGE(make_file("{\"__metadata__\": {\"k\": 1}}"), "metadata value of 'k' must be a string");
  EXPECT_MESSAGE(make_file("{\"__metadata__\": {}, \"__metadata__\": {}}"), "duplicate key \"__metadata__\"");
  EXPECT_MESSAGE(make_file("{\"__metadata__\": {\"k\": \"1\", \"k\": \"2\"}}"), "duplicate key \"k\"");
}

TEST(Safetensors, BadTensorEntries) {
  const std::string d8 = floats({1, 2});
  EXPECT_MESSAGE(make_file("{\"w\": 3}", d8), "tensor 'w': value must be an object");
  EXPECT_MESSAGE(make_file("{\"w\": {\"dtype\": \"F33\", \"shape\": [2], \"data_offsets\": [0, 8]}}", d8),
                 "tensor 'w': unknown dtype 'F33'");
  EXPECT_MESSAGE(make_file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2]}}", d8),
                 "tensor 'w': missing field 'data_offsets'");
  EXPECT_MESSAGE(make_file("{\"w\": {\"dtype\": \"F32\", \"data_offsets\": [0, 8]}}", d8),
                 "tensor 'w': missing field 'shape'");
  EXPECT_MESSAGE(make_file("{\"w\": {\"shape\": [2], \"data_offsets\": [0, 8]}}", d8),
                 "tensor 'w': missing field 'dtype'");
  EXPECT_MESSAGE(
      make_file("{\"w\": {\"dtype\": \"F32\", \"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}",
                d8),
      "duplicate key \"dtype\"");
  EXPECT_MESSAGE(
      make_file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8], \"x\": 1}}", d8),
      "tensor 'w': unknown field 'x'");
  EXPECT_MESSAGE(make_file("{\"w\": {\"dtype\": \"F32\", \"shape\": [-2], \"data_offsets\": [0, 8]}}", d8),
                 "tensor 'w': shape must hold non-negative integers");
  EXPECT_MESSAGE(make_file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2.0], \"data_offsets\": [0, 8]}}", d8),
                 "tensor 'w': shape must hold integers");
  EXPECT_MESSAGE(make_file("{\"w\": {\"dtype\": \"F32\", \"shape\": [02], \"data_offsets\": [0, 8]}}", d8),
                 "leading zero");
  EXPECT_MESSAGE(make_file("{\"w\": {\"dtype\": \"F32\", \"shape\": [-0], \"data_offsets\": [0, 8]}}", d8),
                 "tensor 'w': shape must hold non-negative integers");
  EXPECT_MESSAGE(make_file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2e0], \"data_offsets\": [0, 8]}}", d8),
                 "tensor 'w': shape must hold integers");
  EXPECT_MESSAGE(make_file("{\"w\": {\"dtype\": 32, \"shape\": [2], \"data_offsets\": [0, 8]}}", d8),
                 "tensor 'w': dtype must be a string");
  // Integers are exact as doubles only below 2^53; 2^53 + 1 would read as 2^53.
  EXPECT_MESSAGE(make_file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2],"
                           " \"data_offsets\": [0, 9007199254740993]}}",
                           d8),
                 "tensor 'w': data_offsets value is too large");
  EXPECT_MESSAGE(
      make_file("{\"w\": {\"dtype\": \"F32\", \"shape\": [99999999999999999999], \"data_offsets\": [0, 8]}}",
                d8),
      "shape value is too large");
  EXPECT_MESSAGE(make_file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0]}}", d8),
                 "data_offsets must be [begin, end]");
  EXPECT_MESSAGE(make_file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8, 8]}}", d8),
                 "data_offsets has too many entries");
  EXPECT_MESSAGE(make_file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                           " \"w\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [8, 8]}}",
                           d8),
                 "duplicate key \"w\"");
}

TEST(Safetensors, BadOffsetsAndSizes) {
  const std::string d8 = floats({1, 2});
  EXPECT_MESSAGE(make_file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 16]}}", d8),
                 "tensor 'w': data_offsets end 16 is past the 8-byte data section");
  EXPECT_MESSAGE(make_file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 0]}}", d8),
                 "end before they begin");
  // dtype / size mismatch: 2 x F64 needs 16 bytes, the range has 8.
  EXPECT_MESSAGE(make_file("{\"w\": {\"dtype\": \"F64\", \"shape\": [1, 2], \"data_offsets\": [0, 8]}}", d8),
                 "tensor 'w': shape needs more bytes");
  EXPECT_MESSAGE(make_file("{\"w\": {\"dtype\": \"F16\", \"shape\": [2], \"data_offsets\": [0, 8]}}", d8),
                 "tensor 'w': data_offsets span 8 bytes but F16 2 elements need 4");
  // A shape whose element count overflows 64 bits must not wrap around to a small size.
  EXPECT_MESSAGE(make_file("{\"w\": {\"dtype\": \"F32\", \"shape\": [4294967296, 4294967296, 0, 2],"
                           " \"data_offsets\": [0, 8]}}",
                           d8),
                 "data_offsets span 8 bytes but F32 0 elements need 0");
  EXPECT_MESSAGE(make_file("{\"w\": {\"dtype\": \"F32\", \"shape\": [4294967296, 4294967297],"
                           " \"data_offsets\": [0, 8]}}",
                           d8),
                 "shape needs more bytes");
  // Overlap, hole, bytes left over.
  const std::string d12 = floats({1, 2, 3});
  EXPECT_MESSAGE(make_file("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                           " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}",
                           d12),
                 "tensor 'b' overlaps tensor 'a'");
  EXPECT_MESSAGE(make_file("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]},"
                           " \"b\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [8, 12]}}",
                           d12),
                 "tensor 'b': data_offsets begin 8 leaves unused bytes from 4");
  EXPECT_MESSAGE(make_file("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}", d12),
                 "4 bytes that no tensor uses");
  EXPECT_MESSAGE(make_file("{}", d8), "8 bytes that no tensor uses");
}

TEST(Safetensors, EveryTruncationAndByteFlipIsHandled) {
  // Cheap stand-in for the fuzzer: no prefix and no single corrupted byte may crash or
  // read out of bounds; prefixes must all be rejected.
  const std::string bytes = valid_file();
  for (size_t n = 0; n < bytes.size(); ++n) {
    const std::string prefix = bytes.substr(0, n);
    Safetensors st;
    std::string error;
    EXPECT_NE(safetensors_parse(prefix.data(), prefix.size(), &st, &error), INHERENT_STATUS_OK) << n;
  }
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int bit : {0, 3, 7}) {
      std::string flipped = bytes;
      flipped[i] = static_cast<char>(flipped[i] ^ (1 << bit));
      Safetensors st;
      std::string error;
      if (safetensors_parse(flipped.data(), flipped.size(), &st, &error) == INHERENT_STATUS_OK) {
        for (const TensorView& t : st.tensors) {
          ASSERT_GE(t.data, reinterpret_cast<const uint8_t*>(flipped.data()));
          ASSERT_LE(t.data + t.n_bytes, reinterpret_cast<const uint8_t*>(flipped.data()) + flipped.size());
        }
      } else {
        EXPECT_FALSE(error.empty());
      }
    }
  }
}

TEST(Safetensors, EncodeRejectsBadInput) {
  const float x[2] = {1, 2};
  std::string bytes, error;
  EXPECT_EQ(safetensors_encode({{"a", DType::F32, {2}, x}, {"a", DType::F32, {2}, x}}, {}, &bytes, &error),
            INHERENT_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(error.find("duplicate tensor name 'a'"), std::string::npos) << error;
  EXPECT_EQ(safetensors_encode({{"__metadata__", DType::F32, {2}, x}}, {}, &bytes, &error),
            INHERENT_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(safetensors_encode({{"a", DType::F32, {-1}, x}}, {}, &bytes, &error),
            INHERENT_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(safetensors_encode({{"a", DType::F32, {2}, nullptr}}, {}, &bytes, &error),
            INHERENT_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(safetensors_encode({{"", DType::F32, {2}, x}}, {}, &bytes, &error),
            INHERENT_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(safetensors_encode({}, {{"k", "1"}, {"k", "2"}}, &bytes, &error),
            INHERENT_STATUS_INVALID_ARGUMENT);
}

TEST(Safetensors, DTypeNames) {
  DType d;
  ASSERT_TRUE(dtype_from_name("BF16", &d));
  EXPECT_EQ(d, DType::BF16);
  EXPECT_EQ(dtype_size(d), 2u);
  EXPECT_STREQ(dtype_name(DType::F64), "F64");
  EXPECT_FALSE(dtype_from_name("f32", &d));
}

}  // namespace
}  // namespace inherent
