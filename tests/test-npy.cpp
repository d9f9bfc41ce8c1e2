// SPDX-License-Identifier: Apache-2.0
//
// .npy reading and writing (src/common/npy.*). Files under tests/data/npy/ were written
// by numpy itself (tests/data/npy/README.md), so "numpy-compatible" is checked against
// numpy's own bytes, not against our idea of the format.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "host/npy.h"
#include "inherent/inherent.hpp"

namespace {

using Shape = std::vector<size_t>;

std::string data_path(const std::string& name) {
  return std::string(INHERENT_SOURCE_DIR) + "/tests/data/npy/" + name;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The values numpy wrote into the fixtures: (arange(6).reshape(2, 3) - 2.5) / 4.
std::vector<float> fixture_values() {
  std::vector<float> v(6);
  for (int i = 0; i < 6; ++i) v[i] = (static_cast<float>(i) - 2.5f) / 4.0f;
  return v;
}

// The message npy_decode throws for bytes (fails the test when it does not throw).
std::string decode_error(const std::string& bytes) {
  try {
    inherent::npy_decode(bytes, "bad.npy");
  } catch (const inherent::Exception& e) {
    EXPECT_EQ(e.status(), INHERENT_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(std::string(e.what()).rfind("bad.npy: ", 0), 0u) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "decoded without error";
  return "";
}

// A version-1.0 file around a hand-written header dict (padded like numpy does).
std::string with_header(const std::string& dict, const std::string& payload) {
  std::string h = dict;
  const size_t unpadded = 10 + h.size() + 1;
  h.append((64 - unpadded % 64) % 64, ' ');
  h += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(h.size() & 0xff);
  out += static_cast<char>(h.size() >> 8);
  return out + h + payload;
}

TEST(Npy, EncodeIsByteIdenticalToNumpy) {
  const std::vector<float> v = fixture_values();
  EXPECT_EQ(inherent::npy_encode(v.data(), {2, 3}), read_bytes(data_path("numpy-f32-2x3.npy")));
  const float one_d[] = {1.5f, -2.0f, 3.25f};
  EXPECT_EQ(inherent::npy_encode(one_d, {3}), read_bytes(data_path("numpy-f32-1d.npy")));
  EXPECT_EQ(inherent::npy_encode(nullptr, {0, 128}), read_bytes(data_path("numpy-f32-empty.npy")));
}

TEST(Npy, HeaderLayout) {
  std::vector<float> v(3 * 128, 0.5f);
  const std::string b = inherent::npy_encode(v.data(), {3, 128});
  ASSERT_GE(b.size(), 10u);
  EXPECT_EQ(b.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  const size_t header_len = static_cast<unsigned char>(b[8]) | (static_cast<unsigned char>(b[9]) << 8);
  EXPECT_EQ((10 + header_len) % 64, 0u);  // data starts 64-byte aligned
  const std::string dict = b.substr(10, header_len);
  EXPECT_EQ(dict.rfind("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 128), }", 0), 0u) << dict;
  EXPECT_EQ(dict.back(), '\n');
  EXPECT_EQ(b.size(), 10 + header_len + v.size() * 4);
  float first = 0.0f;
  std::memcpy(&first, b.data() + 10 + header_len, 4);
  EXPECT_EQ(first, 0.5f);
  // 0-d and 3-d shapes use Python's tuple syntax.
  const float x = 1.0f;
  EXPECT_NE(inherent::npy_encode(&x, {}).find("'shape': (), }"), std::string::npos);
  std::vector<float> cube(2 * 3 * 4);
  EXPECT_NE(inherent::npy_encode(cube.data(), {2, 3, 4}).find("'shape': (2, 3, 4), }"), std::string::npos);
}

TEST(Npy, DecodesNumpyFiles) {
  for (const char* name : {"numpy-f32-2x3.npy", "numpy-f32-v2.npy"}) {
    const inherent::NpyArray a = inherent::read_npy(data_path(name));
    EXPECT_EQ(a.shape, (Shape{2, 3})) << name;
    EXPECT_EQ(a.data, fixture_values()) << name;
  }
  const inherent::NpyArray e = inherent::read_npy(data_path("numpy-f32-empty.npy"));
  EXPECT_EQ(e.shape, (Shape{0, 128}));
  EXPECT_TRUE(e.data.empty());
  const inherent::NpyArray d = inherent::read_npy(data_path("numpy-f32-1d.npy"));
  EXPECT_EQ(d.shape, (Shape{3}));
  EXPECT_EQ(d.data, (std::vector<float>{1.5f, -2.0f, 3.25f}));
}

TEST(Npy, RejectsOtherDtypesAndOrders) {
  auto reject = [](const char* name, const char* why) {
    try {
      inherent::read_npy(data_path(name));
      ADD_FAILURE() << name << " was accepted";
    } catch (const inherent::Exception& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
  };
  reject("numpy-f64-2x3.npy", "float32");
  reject("numpy-f32be-2x3.npy", "little-endian");
  reject("numpy-f32-fortran.npy", "Fortran");
}

TEST(Npy, RoundTripThroughAFile) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("inherent-test-npy-" + std::to_string(::getpid()) + ".npy"))
          .string();
  std::vector<float> v(7 * 128);
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = static_cast<float>(i) * -0.25f + 1e-7f * static_cast<float>(i % 3);
  v[5] = -0.0f;
  inherent::write_npy(path, v.data(), {7, 128});
  const inherent::NpyArray a = inherent::read_npy(path);
  EXPECT_EQ(a.shape, (Shape{7, 128}));
  ASSERT_EQ(a.data.size(), v.size());
  EXPECT_EQ(std::memcmp(a.data.data(), v.data(), v.size() * 4), 0);  // bit-exact, -0 included
  // No temporary is left beside the file.
  for (const auto& e : std::filesystem::directory_iterator(std::filesystem::temp_directory_path()))
    EXPECT_EQ(e.path().string().find(path + ".tmp-"), std::string::npos) << e.path();
  std::filesystem::remove(path);
  try {
    inherent::read_npy(path);
    FAIL();
  } catch (const inherent::Exception& e) {
    EXPECT_EQ(e.status(), INHERENT_STATUS_IO_ERROR);
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos);
  }
}

TEST(Npy, CorruptInputs) {
  const std::string good = read_bytes(data_path("numpy-f32-2x3.npy"));
  const std::string payload(24, '\0');
  EXPECT_NE(decode_error("").find("bad magic"), std::string::npos);
  EXPECT_NE(decode_error("\x93NUMP").find("bad magic"), std::string::npos);
  EXPECT_NE(decode_error("PK\x03\x04 not numpy at all").find("bad magic"), std::string::npos);
  std::string v9 = good;
  v9[6] = 9;
  EXPECT_NE(decode_error(v9).find("unknown version 9"), std::string::npos);
  EXPECT_NE(decode_error(good.substr(0, 11)).find("truncated header"), std::string::npos);
  EXPECT_NE(decode_error(std::string("\x93NUMPY\x02\x00\x10\x00\x00", 11)).find("truncated header"),
            std::string::npos);
  std::string huge_len = good;
  huge_len[8] = '\xff';
  huge_len[9] = '\xff';
  EXPECT_NE(decode_error(huge_len).find("truncated header"), std::string::npos);
  EXPECT_NE(decode_error(good.substr(0, good.size() - 1)).find("does not match"), std::string::npos);
  EXPECT_NE(decode_error(good + "x").find("does not match"), std::string::npos);
  EXPECT_NE(decode_error(with_header("{'descr': '<f4', 'fortran_order': False, }", payload)).find("no shape"),
            std::string::npos);
  EXPECT_NE(decode_error(with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3", payload))
                .find("bad shape"),
            std::string::npos);
  EXPECT_NE(decode_error(with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (a, b), }", payload))
                .find("bad shape"),
            std::string::npos);
  EXPECT_NE(decode_error(with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (-6,), }", payload))
                .find("bad shape"),
            std::string::npos);
  EXPECT_NE(decode_error(with_header("{'descr': '<i4', 'fortran_order': False, 'shape': (6,), }", payload))
                .find("float32"),
            std::string::npos);
  EXPECT_NE(decode_error(with_header("{'descr': '<f4', 'shape': (6,), }", payload)).find("Fortran"),
            std::string::npos);
  // Sizes that would overflow the element count are refused, not wrapped around.
  EXPECT_NE(decode_error(
                with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,), }",
                            payload))
                .find("too large"),
            std::string::npos);
  EXPECT_NE(decode_error(
                with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }",
                            payload))
                .find("too large"),
            std::string::npos);
  // A hand-written header with the same content decodes: the reader parses, not compares.
  const inherent::NpyArray a = inherent::npy_decode(
      with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2,3), }", payload), "ok");
  EXPECT_EQ(a.shape, (Shape{2, 3}));
}

}  // namespace
