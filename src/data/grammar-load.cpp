// SPDX-License-Identifier: Apache-2.0
// Loading a grammar folder: *.slot values and *.tpl templates (docs/grammar.md) parsed by
// grammar-parse.cpp, names resolved, splits assigned, labels derived. Every problem is
// collected with file:line:column, so one run shows all of them.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>

#include "common/heads.h"
#include "data/grammar-ast.h"
#include "data/grammar-parse.h"
#include "host/files.h"
#include "inherent/inherent.hpp"

namespace inherent {

using namespace detail;

namespace {

constexpr size_t max_slot_depth = 16;  // {a} holding {b} holding ... at most this deep

struct FileHeader {
  std::string category;
  HeadLabels intents{};
  int gate = -1;
  bool hard = false;
  double weight = 1;
  bool have_weight = false;
  Node prefix, suffix;  // empty sequences unless @prefix / @suffix
};

class Loader {
 public:
  Problems p;
  Grammar::Data d;

  void slot_file(const Grammar::SourceFile& f, const std::string& name) {
    detail::Slot slot;
    slot.name = name;
    slot.file = f.path;
    if (!valid_name(name) || name.find('-') != std::string::npos)
      p.add(f.path, 1, 0, "bad slot file name '" + name + "': use lower-case letters, digits and '_'");
    for (const RawLine& l : lines_of(f.text)) {
      if (auto h = header_of(l)) {
        if (!slot.values.empty()) {
          p.add(f.path, l.no, 0, "header @" + h->key + " after the first value: headers go first");
        } else if (h->key == "implies") {
          for (const std::string& name_h : split_list(h->value)) {
            const int hi = head_index(name_h);
            if (hi <= 0)
              p.add(f.path, l.no, 0,
                    "unknown head '" + name_h + "' in @implies (heads 1..12, see heads.inc)");
            else
              slot.implies[hi] = 1;
          }
        } else if (h->key == "split") {
          if (h->value == "shared")
            slot.shared = true;
          else if (h->value != "held-out")
            p.add(f.path, l.no, 0, "bad @split '" + h->value + "': shared or held-out");
        } else {
          p.add(f.path, l.no, 0, "unknown slot header '@" + h->key + "' (known: @implies, @split)");
        }
        continue;
      }
      Body b;
      if (!body_of(l, f.path, p, b)) continue;
      detail::SlotValue v;
      v.line = l.no;
      v.source = collapse_spaces(b.expr);
      v.expr = parse_expression(b.expr, f.path, l.no, b.expr_col, p);
      bool pinned = false;
      for (auto& [k, val] : b.attrs) {
        if (k == "w") {
          if (!parse_number(val, v.weight) || v.weight <= 0)
            p.add(f.path, l.no, 0, "bad weight '@w=" + val + "': a positive number");
        } else if (k == "split") {
          auto s = parse_split(val);
          if (!s)
            p.add(f.path, l.no, 0, "bad '@split=" + val + "': train, eval or test");
          else
            v.split = *s, pinned = true;
        } else {
          p.add(f.path, l.no, 0, "unknown value attribute '@" + k + "' (known: @w, @split)");
        }
      }
      value_pinned_.push_back(pinned);
      slot.values.push_back(std::move(v));
    }
    if (slot.values.empty()) p.add(f.path, 1, 0, "slot '" + name + "' has no values");
    if (d.slot_index(name) >= 0) p.add(f.path, 1, 0, "slot '" + name + "' is defined twice");
    slot_pinned_.push_back(std::move(value_pinned_));
    value_pinned_.clear();
    d.slots.push_back(std::move(slot));
  }

  void template_file(const Grammar::SourceFile& f, const std::string& stem) {
    FileHeader fh;
    fh.category = stem;
    bool body_started = false, have_intents = false;
    const size_t first_template = d.templates.size();
    for (const RawLine& l : lines_of(f.text)) {
      if (auto h = header_of(l)) {
        if (body_started) {
          p.add(f.path, l.no, 0, "header @" + h->key + " after the first template: headers go first");
          continue;
        }
        file_header(fh, *h, f.path, l.no, have_intents);
        continue;
      }
      if (!body_started) {
        body_started = true;
        if (fh.gate < 0) fh.gate = have_intents ? 1 : -1;
        if (fh.gate < 0)
          p.add(f.path, l.no, 0, "no @gate and no @intents before the first template: say @gate 0 or 1");
        if (fh.gate == 0 && have_intents)
          p.add(f.path, l.no, 0, "@gate 0 with @intents: gate-0 sentences have no intent");
      }
      Body b;
      if (!body_of(l, f.path, p, b)) continue;
      template_line(fh, b, f.path, l.no);
    }
    // One weight per category: the first file that names it sets it.
    auto it = d.category_weight.find(fh.category);
    if (it == d.category_weight.end())
      d.category_weight[fh.category] = fh.weight;
    else if (fh.have_weight && it->second != fh.weight)
      p.add(f.path, 1, 0, "category '" + fh.category + "' has another @weight in an earlier file");
    if (d.templates.size() == first_template) p.add(f.path, 1, 0, "no templates in this file");
  }

  void finish() {
    resolve();
    if (!p.list.empty()) return;
    derive();
  }

 private:
  void file_header(FileHeader& fh, const Header& h, const std::string& file, int line, bool& have_intents) {
    if (h.key == "category") {
      if (!valid_name(h.value))
        p.add(file, line, h.value_col, "bad @category '" + h.value + "': lower-case, '_' or '-'");
      fh.category = h.value;
    } else if (h.key == "intents") {
      for (const std::string& n : split_list(h.value)) {
        const int hi = head_index(n);
        if (hi <= 0)
          p.add(file, line, 0, "unknown intent '" + n + "' (heads 1..12 of heads.inc)");
        else
          fh.intents[hi] = 1, have_intents = true;
      }
    } else if (h.key == "gate") {
      if (h.value == "0" || h.value == "1")
        fh.gate = h.value[0] - '0';
      else
        p.add(file, line, h.value_col, "bad @gate '" + h.value + "': 0 or 1");
    } else if (h.key == "hard") {
      if (!parse_bool(h.value, fh.hard))
        p.add(file, line, h.value_col, "bad @hard '" + h.value + "': yes or no");
    } else if (h.key == "weight") {
      if (!parse_number(h.value, fh.weight) || fh.weight <= 0)
        p.add(file, line, h.value_col, "bad @weight '" + h.value + "': a positive number");
      fh.have_weight = true;
    } else if (h.key == "prefix" || h.key == "suffix") {
      (h.key == "prefix" ? fh.prefix : fh.suffix) = parse_expression(h.value, file, line, h.value_col, p);
    } else {
      p.add(
          file, line, 0,
          "unknown header '@" + h.key + "' (known: @category @intents @gate @hard @weight @prefix @suffix)");
    }
  }

  void template_line(const FileHeader& fh, const Body& b, const std::string& file, int line) {
    TemplateInfo t;
    t.category = fh.category;
    t.file = file;
    t.line = line;
    t.source = collapse_spaces(b.expr);
    t.hard = fh.hard;
    t.declared = fh.intents;
    t.declared[0] = static_cast<uint8_t>(fh.gate == 1);
    std::string id;
    bool pinned = false;
    for (auto& [k, v] : b.attrs) {
      if (k == "w") {
        if (!parse_number(v, t.weight) || t.weight <= 0)
          p.add(file, line, 0, "bad weight '@w=" + v + "': a positive number");
      } else if (k == "split") {
        auto s = parse_split(v);
        if (!s)
          p.add(file, line, 0, "bad '@split=" + v + "': train, eval or test");
        else
          t.split = *s, pinned = true;
      } else if (k == "id") {
        if (!valid_name(v))
          p.add(file, line, 0, "bad '@id=" + v + "': lower-case letters, digits, '_' or '-'");
        id = v;
      } else if (k == "intents") {
        t.declared = HeadLabels{};
        t.declared[0] = 1;
        for (const std::string& n : split_list(v)) {
          const int hi = head_index(n);
          if (hi <= 0)
            p.add(file, line, 0, "unknown intent '" + n + "' in @intents=");
          else
            t.declared[hi] = 1;
        }
        if (fh.gate == 0) p.add(file, line, 0, "@intents= in a @gate 0 file");
      } else if (k == "hard") {
        if (!parse_bool(v, t.hard)) p.add(file, line, 0, "bad '@hard=" + v + "': yes or no");
      } else {
        p.add(file, line, 0, "unknown template attribute '@" + k + "' (known: @w @split @id @intents @hard)");
      }
    }
    if (t.source.empty()) {
      p.add(file, line, 0, "attributes without a template");
      return;
    }
    Node body = parse_expression(b.expr, file, line, b.expr_col, p);
    t.id = id.empty() ? fh.category + "/" + hex8(detail::hash64(t.source)) : id;
    auto dup = ids_.find(t.id);
    if (dup != ids_.end()) {
      p.add(file, line, 0, "duplicate template " + t.id + " (first at " + dup->second + ")");
      return;
    }
    ids_[t.id] = file + ":" + std::to_string(line);
    detail::TemplateData td;
    td.expr.kind = Node::Kind::seq;
    td.expr.line = line;
    // A space on each side of the body, so "@prefix [{wake},]" never glues to the first word.
    Node space;
    space.kind = Node::Kind::text;
    space.text = " ";
    space.line = line;
    td.expr.kids = {fh.prefix, space, std::move(body), space, fh.suffix};
    d.templates.push_back(std::move(t));
    d.tdata.push_back(std::move(td));
    template_pinned_.push_back(pinned);
  }

  // Slot names -> indices (every node), then cycles among slots.
  void resolve() {
    std::function<void(Node&, const std::string&)> walk = [&](Node& n, const std::string& file) {
      if (n.kind == Node::Kind::slot) {
        n.slot = d.slot_index(n.text);
        if (n.slot < 0)
          p.add(file, n.line, n.col, "unknown slot {" + n.text + "} (no " + n.text + ".slot file)");
      }
      for (Node& k : n.kids) walk(k, file);
    };
    for (size_t t = 0; t < d.templates.size(); ++t) walk(d.tdata[t].expr, d.templates[t].file);
    for (detail::Slot& s : d.slots)
      for (detail::SlotValue& v : s.values) walk(v.expr, s.file);
    if (!p.list.empty()) return;
    // Depth-first search for a slot that reaches itself.
    std::vector<int> state(d.slots.size(), 0);  // 0 new, 1 on stack, 2 done
    std::vector<std::string> stack;
    std::function<void(int)> visit = [&](int s) {
      state[s] = 1;
      stack.push_back(d.slots[s].name);
      std::function<void(const Node&, int)> refs = [&](const Node& n, int line) {
        if (n.kind == Node::Kind::slot) {
          if (state[n.slot] == 1) {
            std::string path;
            for (const std::string& x : stack) path += x + " -> ";
            p.add(d.slots[s].file, line, n.col, "slot cycle: " + path + d.slots[n.slot].name);
          } else if (state[n.slot] == 0) {
            if (stack.size() >= max_slot_depth)
              p.add(d.slots[s].file, line, n.col,
                    "slots nested more than " + std::to_string(max_slot_depth) + " deep (" + stack.front() +
                        " -> ... -> " + d.slots[n.slot].name + ")");
            else
              visit(n.slot);
          }
        }
        for (const Node& k : n.kids) refs(k, line);
      };
      for (const detail::SlotValue& v : d.slots[s].values) refs(v.expr, v.line);
      stack.pop_back();
      state[s] = 2;
    };
    for (size_t s = 0; s < d.slots.size(); ++s)
      if (state[s] == 0) visit(static_cast<int>(s));
  }

  // Splits, kinds, possible heads and matching prefilters.
  void derive() {
    for (size_t s = 0; s < d.slots.size(); ++s) {
      detail::Slot& slot = d.slots[s];
      if (slot.shared) continue;
      if (slot.values.size() < 3) {
        p.add(slot.file, 1, 0,
              "held-out slot '" + slot.name + "' needs at least 3 values (or @split shared)");
        continue;
      }
      std::vector<Split*> sp;
      std::vector<double> u;
      for (detail::SlotValue& v : slot.values) {
        sp.push_back(&v.split);
        u.push_back(split_u(slot.name + "\x1f" + v.source));
      }
      assign_splits(sp, u, slot_pinned_[s]);
    }
    std::map<std::string, std::vector<size_t>> by_category;
    for (size_t t = 0; t < d.templates.size(); ++t) by_category[d.templates[t].category].push_back(t);
    for (auto& [cat, list] : by_category) {
      std::vector<Split*> sp;
      std::vector<double> u;
      std::vector<bool> pinned;
      for (size_t t : list) {
        sp.push_back(&d.templates[t].split);
        u.push_back(split_u(d.templates[t].id));
        pinned.push_back(template_pinned_[t]);
      }
      assign_splits(sp, u, pinned);
    }
    // Heads each slot can imply, through nested slots.
    std::vector<HeadLabels> reach(d.slots.size());
    std::vector<int> done(d.slots.size(), 0);
    std::function<void(const Node&, HeadLabels&)> collect;
    std::function<const HeadLabels&(int)> slot_reach = [&](int s) -> const HeadLabels& {
      if (!done[s]) {
        done[s] = 1;
        reach[s] = d.slots[s].implies;
        for (const detail::SlotValue& v : d.slots[s].values) collect(v.expr, reach[s]);
      }
      return reach[s];
    };
    collect = [&](const Node& n, HeadLabels& out) {
      if (n.kind == Node::Kind::slot) {
        const HeadLabels& r = slot_reach(n.slot);
        for (int h = 0; h < INHERENT_N_HEADS; ++h) out[h] |= r[h];
      }
      for (const Node& k : n.kids) collect(k, out);
    };
    std::vector<double> slot_min(d.slots.size(), -1);
    std::function<size_t(const Node&)> min_len = [&](const Node& n) -> size_t {
      switch (n.kind) {
        case Node::Kind::text:
          return n.squashed.size();
        case Node::Kind::opt:
          return 0;
        case Node::Kind::slot:
          if (slot_min[n.slot] < 0) {
            size_t m = SIZE_MAX;
            for (const detail::SlotValue& v : d.slots[n.slot].values) m = std::min(m, min_len(v.expr));
            slot_min[n.slot] = static_cast<double>(m);
            d.slots[n.slot].min_squashed = static_cast<double>(m);
          }
          return static_cast<size_t>(slot_min[n.slot]);
        case Node::Kind::alt: {
          size_t m = SIZE_MAX;
          for (const Node& k : n.kids) m = std::min(m, min_len(k));
          return m == SIZE_MAX ? 0 : m;
        }
        case Node::Kind::seq: {
          size_t m = 0;
          for (const Node& k : n.kids) m += min_len(k);
          return m;
        }
      }
      return 0;
    };
    std::function<void(const Node&, std::vector<std::string>&)> required =
        [&](const Node& n, std::vector<std::string>& out) {
          if (n.kind == Node::Kind::text && n.squashed.size() >= 3) out.push_back(n.squashed);
          if (n.kind == Node::Kind::seq)
            for (const Node& k : n.kids) required(k, out);
        };
    for (size_t t = 0; t < d.templates.size(); ++t) {
      TemplateInfo& info = d.templates[t];
      detail::TemplateData& td = d.tdata[t];
      bool any_intent = false;
      for (int h = 1; h < INHERENT_N_HEADS; ++h) any_intent = any_intent || info.declared[h];
      info.kind = !info.declared[0] ? TemplateKind::negative
                  : any_intent      ? TemplateKind::intent
                                    : TemplateKind::out_of_scope;
      info.possible = info.declared;
      if (info.declared[0]) collect(td.expr, info.possible);
      info.possible[0] = info.declared[0];
      td.min_squashed = min_len(td.expr);
      required(td.expr, td.required);
      td.signature = info.declared[0];
      for (int h = 1; h < INHERENT_N_HEADS; ++h)
        if (h != 6 && h != 7 && info.declared[h]) td.signature |= 1 << h;  // context heads come from slots
    }
  }

  std::map<std::string, std::string> ids_;
  std::vector<bool> template_pinned_, value_pinned_;
  std::vector<std::vector<bool>> slot_pinned_;
};

std::string stem_of(const std::string& path) { return std::filesystem::path(path).stem().string(); }

}  // namespace

Grammar Grammar::parse(const std::vector<SourceFile>& files) {
  Loader loader;
  // Slots first, so that templates can name any slot regardless of file order.
  for (const SourceFile& f : files)
    if (std::filesystem::path(f.path).extension() == ".slot") loader.slot_file(f, stem_of(f.path));
  for (const SourceFile& f : files)
    if (std::filesystem::path(f.path).extension() == ".tpl") loader.template_file(f, stem_of(f.path));
  if (loader.d.templates.empty() && loader.p.list.empty()) loader.p.add("grammar", 0, 0, "no .tpl files");
  loader.finish();  // names resolve even after syntax errors, so one run reports both
  if (!loader.p.list.empty()) throw GrammarError(std::move(loader.p.list));
  Grammar g;
  g.d_ = std::make_shared<const Data>(std::move(loader.d));
  return g;
}

Grammar Grammar::load(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw Exception(INHERENT_STATUS_IO_ERROR,
                    dir + ": not a grammar folder (expected *.tpl and *.slot files)");
  std::vector<std::string> paths;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const fs::path& p = it->path();
    if (it->is_regular_file() && (p.extension() == ".tpl" || p.extension() == ".slot"))
      paths.push_back(p.string());
  }
  if (ec) throw Exception(INHERENT_STATUS_IO_ERROR, dir + ": " + ec.message());
  std::sort(paths.begin(), paths.end());
  std::vector<SourceFile> files;
  for (const std::string& p : paths) files.push_back({p, read_file(p)});
  return parse(files);
}

}  // namespace inherent
