// The register-access trace (driver/reg_trace.h) on every backend: names from the generated
// map, reads and writes in order, key material never in the trace.
#include "driver/reg_trace.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "driver/driver.h"
#include "hw/gen/ipsec_regs.h"
#include "tests/unit/driver/backends.h"

namespace ipsec::driver {
namespace {

class RegTraceTest : public ::testing::TestWithParam<testing::Backend> {};

TEST_P(RegTraceTest, NamesEveryAccessAndHidesKeys) {
  auto dev = GetParam().make();
  std::vector<std::string> lines;
  TracingDevice traced(*dev, [&](std::string_view l) { lines.emplace_back(l); });
  auto drv = Driver::Open(traced);
  ASSERT_TRUE(drv);
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines[0].find(" R ID 0x0000 -> 0x45535030"), std::string::npos) << lines[0];
  EXPECT_EQ(traced.accesses(), lines.size());
  SaParams p;
  p.spi = 0x77;
  p.key = util::SecretBytes(16);
  for (size_t i = 0; i < 16; ++i) p.key[i] = 0xab;
  ASSERT_TRUE((*drv)->InstallSa(p));
  bool saw_key = false;
  for (const auto& l : lines) {
    EXPECT_EQ(l.find("abab"), std::string::npos) << "key bytes in the trace: " << l;
    if (l.find(" W SA_KEY_0 ") != std::string::npos) {
      saw_key = true;
      EXPECT_NE(l.find("<secret>"), std::string::npos) << l;
    }
  }
  EXPECT_TRUE(saw_key);
  EXPECT_EQ(RegisterName(hw::QSqTailOffset(1)), "Q_SQ_TAIL_1");
  EXPECT_EQ(RegisterName(0x1ffc), "UNMAPPED");
}

INSTANTIATE_TEST_SUITE_P(Backends, RegTraceTest, ::testing::ValuesIn(testing::AllBackends()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace ipsec::driver
