// SPDX-License-Identifier: Apache-2.0
//
// JSON text from nlohmann-json values that never throws on bytes. Paths, transcripts
// and file names come from outside and need not be UTF-8; nlohmann's dump() throws on
// such a string and a whole batch's report is lost. Every tool writes JSON through
// json_text(), which replaces invalid bytes with U+FFFD, so each bad name stays with
// its own record and the rest of the report is written.
#pragma once

#include <charconv>
#include <string>

namespace inherent {

template <typename Json>
std::string json_text(const Json& j, int indent = -1) {
  return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

// v as the double whose shortest decimal text is v's (0.57f -> 0.57, not 0.5699999928),
// for nlohmann values that hold a float.
inline double json_float(float v) {
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  double d = 0.0;
  std::from_chars(buf, end, d);
  return d;
}

}  // namespace inherent
