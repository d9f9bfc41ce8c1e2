// SPDX-License-Identifier: Apache-2.0
// The CSV reader: never crashes; what it accepts survives a write + read round trip.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "host/csv.h"
#include "inherent/inherent.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  inherent::CsvTable table;
  try {
    table = inherent::parse_csv(text, "fuzz.csv");
  } catch (const inherent::Exception&) {
    return 0;
  }
  std::string again = inherent::csv_join(table.header) + "\n";
  for (const auto& row : table.rows) {
    if (row.line == 0) std::abort();
    again += inherent::csv_join(row.fields) + "\n";
  }
  inherent::CsvTable back = inherent::parse_csv(again, "again.csv");  // must not throw
  if (back.header != table.header || back.rows.size() != table.rows.size()) std::abort();
  for (size_t i = 0; i < table.rows.size(); ++i)
    if (back.rows[i].fields != table.rows[i].fields) std::abort();
  return 0;
}
