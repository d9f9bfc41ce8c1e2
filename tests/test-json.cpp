// SPDX-License-Identifier: Apache-2.0
//
// The metadata JSON reader: accepts RFC 8259 documents, rejects everything else with a
// line/column message, reads numbers exactly and locale-independently, and the writer's
// output reads back to the same values.
#include <gtest/gtest.h>

#include <clocale>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "common/json.h"

namespace inherent::json {
namespace {

Value ok(const std::string& text) {
  Value v;
  std::string error;
  EXPECT_TRUE(parse(text, &v, &error)) << text << ": " << error;
  return v;
}

std::string bad(const std::string& text) {
  Value v;
  std::string error;
  EXPECT_FALSE(parse(text, &v, &error)) << "accepted: " << text;
  EXPECT_TRUE(v.is_null());
  return error;
}

TEST(Json, Scalars) {
  EXPECT_TRUE(ok("null").is_null());
  EXPECT_TRUE(ok(" true ").boolean);
  EXPECT_FALSE(ok("false").boolean);
  EXPECT_EQ(ok("\"a\\u00e9\\ud83d\\ude00\\n\"").string, "a\xc3\xa9\xf0\x9f\x98\x80\n");
  EXPECT_EQ(ok("\"caf\xc3\xa9\"").string, "caf\xc3\xa9");
}

TEST(Json, NumbersAreExact) {
  // Every one of these must equal the compiler's correctly rounded literal.
  const std::pair<const char*, double> cases[] = {
      {"0", 0.0},
      {"-0", -0.0},
      {"1", 1.0},
      {"0.57", 0.57},
      {"0.9", 0.9},
      {"1e-08", 1e-08},
      {"1E-8", 1e-8},
      {"20", 20.0},
      {"8000.0", 8000.0},
      {"-12.5e+3", -12.5e3},
      {"0.5699999928474426", 0.5699999928474426},
      {"123456789012345678", 123456789012345678.0},
      {"1.7976931348623157e308", 1.7976931348623157e308},
      {"4.9e-324", 4.9e-324},
      {"0.000000000000000000000000000001", 1e-30},
  };
  for (const auto& [text, want] : cases) {
    const Value v = ok(text);
    ASSERT_TRUE(v.is_number()) << text;
    EXPECT_EQ(v.number, want) << text;
    EXPECT_EQ(std::signbit(v.number), std::signbit(want)) << text;
  }
  EXPECT_TRUE(ok("3000").is_integer());
  EXPECT_FALSE(ok("3000.0").is_integer());
  EXPECT_FALSE(ok("3e3").is_integer());
  EXPECT_FALSE(ok("18014398509481984").is_integer());  // > 2^53: not exact as double
}

TEST(Json, LocaleDoesNotMatter) {
  // A decimal comma locale must not change what "0.57" means, or how floats print.
  const char* old = std::setlocale(LC_NUMERIC, nullptr);
  const std::string saved = old ? old : "C";
  if (!std::setlocale(LC_NUMERIC, "de_DE.UTF-8") && !std::setlocale(LC_NUMERIC, "fr_FR.UTF-8"))
    GTEST_SKIP() << "no decimal-comma locale installed";
  EXPECT_EQ(ok("0.57").number, 0.57);
  EXPECT_EQ(format_float(0.57f), "0.57");
  EXPECT_EQ(format_double(1e-8), "1e-08");
  std::setlocale(LC_NUMERIC, saved.c_str());
}

TEST(Json, ObjectsKeepOrderAndFind) {
  const Value v = ok(R"({"b": 1, "a": [1, 2, {"c": null}], "d": {}})");
  ASSERT_TRUE(v.is_object());
  ASSERT_EQ(v.members.size(), 3u);
  EXPECT_EQ(v.members[0].first, "b");
  EXPECT_EQ(v.find("a")->items.size(), 3u);
  EXPECT_TRUE(v.find("a")->items[2].find("c")->is_null());
  EXPECT_EQ(v.find("zz"), nullptr);
  EXPECT_EQ(v.find("a")->find("x"), nullptr);  // not an object
}

TEST(Json, RejectsWithPosition) {
  EXPECT_EQ(bad("{\"a\": 1,\n  \"a\": 2}"), "line 2, column 3: duplicate key \"a\"");
  {
    // A large object (keys checked through a hash set): a key repeated far apart, also
    // when one copy is written with an escape.
    std::string many = "{";
    for (int i = 0; i < 1000; ++i) many += "\"k" + std::to_string(i) + "\": 0,\n";
    EXPECT_EQ(bad(many + "\"k\\u0037\": 1}"), "line 1001, column 1: duplicate key \"k7\"");
    EXPECT_TRUE(ok(many + "\"k1000\": 1}").is_object());
  }
  EXPECT_EQ(bad("[1, 2,]"), "line 1, column 7: unexpected character");
  EXPECT_EQ(bad("{\"a\" 1}"), "line 1, column 6: expected ':' after a key");
  EXPECT_NE(bad("").find("unexpected end"), std::string::npos);
  EXPECT_NE(bad("01").find("leading zeros"), std::string::npos);
  EXPECT_NE(bad("1.").find("after '.'"), std::string::npos);
  EXPECT_NE(bad("1e").find("exponent"), std::string::npos);
  EXPECT_NE(bad("1e999").find("out of range"), std::string::npos);
  EXPECT_NE(bad("\"a\nb\"").find("control character"), std::string::npos);
  EXPECT_NE(bad("\"\\x\"").find("bad escape"), std::string::npos);
  EXPECT_NE(bad("\"\\ud800\"").find("surrogate"), std::string::npos);
  EXPECT_NE(bad("\"\\udc00\"").find("surrogate"), std::string::npos);
  EXPECT_NE(bad("\"\xc3\"").find("UTF-8"), std::string::npos);          // truncated
  EXPECT_NE(bad("\"\xc0\xaf\"").find("UTF-8"), std::string::npos);      // overlong
  EXPECT_NE(bad("\"\xed\xa0\x80\"").find("UTF-8"), std::string::npos);  // surrogate
  EXPECT_NE(bad("{} {}").find("after the JSON value"), std::string::npos);
  EXPECT_NE(bad("nul").find("unexpected"), std::string::npos);
  EXPECT_NE(bad("NaN").find("unexpected"), std::string::npos);
  EXPECT_NE(bad("[1 2]").find("expected ','"), std::string::npos);
}

TEST(Json, DepthIsBounded) {
  const std::string ok_depth = std::string(kMaxDepth, '[') + std::string(kMaxDepth, ']');
  ok(ok_depth);
  const std::string deep = std::string(kMaxDepth + 1, '[') + std::string(kMaxDepth + 1, ']');
  EXPECT_NE(bad(deep).find("nesting deeper"), std::string::npos);
  // Far deeper input must fail without exhausting the stack.
  const std::string very = std::string(100000, '[');
  EXPECT_NE(bad(very).find("nesting deeper"), std::string::npos);
}

TEST(Json, FormatRoundTrips) {
  for (float f : {0.57f, 0.9f, 1e-8f, 0.1f, 1.0f / 3.0f, 16000.0f, -2.5e-30f, 3.4028235e38f}) {
    const std::string s = format_float(f);
    EXPECT_EQ(static_cast<float>(ok(s).number), f) << s;
  }
  EXPECT_EQ(format_float(0.57f), "0.57");
  for (double d : {0.57, 1e-8, 0.1 + 0.2, 1.0 / 3.0, 5e-324, 1.7976931348623157e308}) {
    const std::string s = format_double(d);
    EXPECT_EQ(ok(s).number, d) << s;
  }
  EXPECT_EQ(format_double(std::numeric_limits<double>::quiet_NaN()), "null");
}

TEST(Json, WriterOutputParses) {
  Writer w;
  w.begin_object();
  w.key("s").value("a\"b\\c\n\x01");
  w.key("n").value(0.57f);
  w.key("i").value(int64_t{3000});
  w.key("b").value(true);
  w.key("z").null();
  w.key("arr").inline_array(std::vector<std::string>{"x", "y"});
  w.key("nums").inline_array(std::vector<int64_t>{1, 2});
  w.key("empty").begin_object().end_object();
  w.key("list").begin_array().value(1.5).begin_object().key("k").value("v").end_object().end_array();
  w.end_object();
  const Value v = ok(w.str());
  EXPECT_EQ(v.find("s")->string, "a\"b\\c\n\x01");
  EXPECT_EQ(static_cast<float>(v.find("n")->number), 0.57f);
  EXPECT_TRUE(v.find("i")->is_integer());
  EXPECT_TRUE(v.find("z")->is_null());
  EXPECT_EQ(v.find("arr")->items[1].string, "y");
  EXPECT_TRUE(v.find("empty")->members.empty());
  EXPECT_EQ(v.find("list")->items[1].find("k")->string, "v");
}

}  // namespace
}  // namespace inherent::json
