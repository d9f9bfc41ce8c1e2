// SPDX-License-Identifier: Apache-2.0
// The corpus importers (src/data/importers.h) on arbitrary bytes. The first byte picks the
// parser (CLINC150 JSON, HWU64 CSV, SLURP JSON lines, Snips JSON, Home Assistant test
// YAML, QMSum JSON, Topical-Chat JSON, Wikipedia lines, the import CSV); the rest is the
// file. A parser either throws inherent::Exception or returns sentences that keep the
// promises: non-empty ASCII text, labels that follow the gate, the split of their unit,
// and a CSV that reads back to the same labels.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "data/importers.h"

namespace im = inherent::imports;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::vector<im::Sentence> v;
  try {
    switch (data[0] % 9) {
      case 0:
        v = im::parse_clinc150(text, "f.json");
        break;
      case 1:
        v = im::parse_hwu64_csv(text, "f.csv");
        break;
      case 2:
        v = im::parse_slurp_jsonl(text, "f.jsonl");
        break;
      case 3:
        v = im::parse_snips_json(text, "f.json");
        break;
      case 4:
        v = im::parse_ha_tests_yaml(text, "f.yaml");
        break;
      case 5:
        v = im::parse_qmsum_json(text, "f.json");
        break;
      case 6:
        v = im::parse_topical_chat_json(text, "f.json");
        break;
      case 7:
        v = im::parse_wiki_sents(text, "f.txt");
        break;
      default:
        v = im::parse_import_csv(text, "f.csv");
        break;
    }
  } catch (const inherent::Exception&) {
    return 0;
  }
  for (const im::Sentence& s : v) {
    if (s.text.empty()) std::abort();
    for (unsigned char c : s.text)
      if (c >= 0x80 && data[0] % 9 != 8) std::abort();
    if (!s.heads[0])
      for (int h = 1; h < INHERENT_N_HEADS; ++h)
        if (s.heads[h]) std::abort();
    if (data[0] % 9 != 8 && s.split != im::split_of(s.source, s.group)) std::abort();
  }
  if (data[0] % 9 != 8 && !v.empty()) {
    const std::vector<im::Sentence> back = im::parse_import_csv(im::to_csv(v), "round.csv");
    if (back.size() != v.size()) std::abort();
    for (size_t i = 0; i < v.size(); ++i)
      if (back[i].heads != v[i].heads || back[i].text != v[i].text || back[i].split != v[i].split)
        std::abort();
  }
  return 0;
}
