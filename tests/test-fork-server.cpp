// SPDX-License-Identifier: Apache-2.0
//
// The TTS engines' fork server: every request runs in a fresh worker forked from the
// server's untouched state, concurrent callers get their own replies, and a handler that
// throws or crashes fails that one request only.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "data/tts-process.h"

namespace {

using inherent::tts::detail::ForkServer;

int g_counter = 0;  // changed only inside workers: each one must see 0

std::string handler(const std::string& request) {
  if (request == "throw") throw std::runtime_error("asked to throw");
  if (request == "crash") std::abort();
  ++g_counter;
  return std::to_string(g_counter) + ":" + std::string(request.rbegin(), request.rend());
}

TEST(ForkServer, EveryRequestStartsFromTheSameState) {
  ForkServer s(handler);
  EXPECT_EQ(s.call("abc"), "1:cba");
  EXPECT_EQ(s.call("abc"), "1:cba");
  EXPECT_EQ(s.call(""), "1:");
  const std::string big(1 << 20, 'x');
  EXPECT_EQ(s.call(big), "1:" + big);
}

TEST(ForkServer, ConcurrentCallersGetTheirOwnReplies) {
  ForkServer s(handler);
  constexpr int kThreads = 8, kCalls = 25;
  std::vector<int> wrong(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        const std::string req =
            std::to_string(t) + "-" + std::to_string(i) + std::string(static_cast<size_t>(i * 97), 'y');
        if (s.call(req) != "1:" + std::string(req.rbegin(), req.rend())) ++wrong[t];
      }
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(wrong[t], 0) << "thread " << t;
}

TEST(ForkServer, AFailedRequestLeavesTheServerRunning) {
  ForkServer s(handler);
  try {
    s.call("throw");
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "asked to throw");
  }
  try {
    s.call("crash");
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("without a reply"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(s.alive());
  EXPECT_EQ(s.call("ok"), "1:ko");
}

}  // namespace
