// SPDX-License-Identifier: Apache-2.0
// The grammar loader (src/data/grammar*) on arbitrary *.tpl / *.slot text. The input is a
// set of files separated by lines "%%"; each file's first line is its name ("item.slot",
// "list.tpl"). A grammar that loads must keep its promises: every expansion's labels
// follow the gate, its text is normalized, and the matcher recognises what the expander
// made.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "data/grammar-ast.h"
#include "data/grammar.h"

namespace {

std::vector<inherent::Grammar::SourceFile> files_of(std::string_view text) {
  std::vector<inherent::Grammar::SourceFile> files;
  size_t pos = 0;
  while (pos <= text.size() && files.size() < 64) {
    size_t end = text.find("\n%%\n", pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view part = text.substr(pos, end - pos);
    const size_t nl = part.find('\n');
    std::string name(part.substr(0, nl));
    if (name.empty() || name.find('/') != std::string::npos) name = "x.tpl";
    files.push_back({"f/" + name, std::string(nl == std::string_view::npos ? "" : part.substr(nl + 1))});
    pos = end + 4;
  }
  return files;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  inherent::Grammar g;
  try {
    g = inherent::Grammar::parse(files_of(text));
  } catch (const inherent::GrammarError& e) {
    for (const std::string& p : e.problems())
      if (p.rfind("f/", 0) != 0 && p.rfind("grammar", 0) != 0) std::abort();  // every problem names its file
    return 0;
  } catch (const inherent::Exception&) {
    return 0;
  }
  if (g.templates().empty()) std::abort();
  // Text glued to a bracket ("b(an|in)", "{x}an") can put an "an" inside a word, which the
  // matcher's a/an folding reads differently from the expander; such inputs skip that check.
  bool glued = false;
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    const auto alnum = [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    };
    if ((alnum(text[i]) && std::string_view("([{").find(text[i + 1]) != std::string_view::npos) ||
        (std::string_view(")]}").find(text[i]) != std::string_view::npos && alnum(text[i + 1])))
      glued = true;
  }
  (void)g.lint();
  (void)g.coverage();
  const size_t n_t = g.templates().size() < 40 ? g.templates().size() : 40;
  for (size_t t = 0; t < n_t; ++t) {
    const inherent::TemplateInfo& info = g.templates()[t];
    if (g.count_expansions(t) < 1) std::abort();
    (void)g.enumerate(t, 20);
    for (uint64_t seed = 0; seed < 3; ++seed) {
      inherent::Utterance u;
      try {
        u = g.expand(t, seed);
      } catch (const inherent::Exception&) {
        continue;  // a slot without values in this split
      }
      if (u.template_id != info.id) std::abort();
      if (!u.heads[0])
        for (int h = 1; h < INHERENT_N_HEADS; ++h)
          if (u.heads[h]) std::abort();  // the contract: no intent without the gate
      if (u.text.find("  ") != std::string::npos || (!u.text.empty() && u.text.front() == ' ')) std::abort();
      if (!glued && inherent::detail::squash(u.text).size() <= inherent::detail::Matcher::max_chars &&
          !g.can_produce(t, u.text, inherent::split_bit(info.split)))
        std::abort();  // the matcher must accept what the expander made
    }
  }
  if (g.templates().size() <= 30) {
    try {
      const auto s = g.sample(6, inherent::Split::train, 1);
      for (const inherent::Utterance& u : s)
        if (u.split != inherent::Split::train) std::abort();
    } catch (const inherent::Exception&) {
    }
  }
  return 0;
}
