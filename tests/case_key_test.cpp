#include <gtest/gtest.h>

#include "harness/case_key.h"

namespace v4::harness {
namespace {

TEST(CaseKey, PrintsAndParsesBack) {
  Case c;
  c.op = "mhc_sinkhorn";
  c.set("tokens", 4001).set("iters", 20).set("eps", "1e-06");
  c.seed = 7;
  EXPECT_EQ(c.key(), "mhc_sinkhorn tokens=4001 iters=20 eps=1e-06 seed=7");
  const Case back = Case::parse(c.key());
  EXPECT_EQ(back.key(), c.key());
  EXPECT_EQ(back.i64("tokens"), 4001);
  EXPECT_DOUBLE_EQ(back.f64("eps"), 1e-6);
  EXPECT_EQ(back.seed, 7u);
}

TEST(CaseKey, WithReplacesOneParameter) {
  Case c = Case::parse("act_quant rows=5 cols=256 seed=1");
  EXPECT_EQ(c.with("rows", 9).key(), "act_quant rows=9 cols=256 seed=1");
  EXPECT_EQ(c.i64_or("dist", 0), 0);
}

TEST(CaseKey, RejectsMalformedKeys) {
  EXPECT_THROW(Case::parse(""), std::invalid_argument);
  EXPECT_THROW(Case::parse("rows=5 seed=1"), std::invalid_argument);       // no op name
  EXPECT_THROW(Case::parse("op rows=5"), std::invalid_argument);           // no seed
  EXPECT_THROW(Case::parse("op rows seed=1"), std::invalid_argument);      // not name=value
  EXPECT_THROW(Case::parse("op rows=1 rows=2 seed=1"), std::invalid_argument);
  EXPECT_THROW(Case::parse("op seed=x"), std::invalid_argument);
  const Case c = Case::parse("op rows=abc seed=1");
  EXPECT_THROW(c.i64("rows"), std::invalid_argument);
  EXPECT_THROW(c.i64("cols"), std::invalid_argument);
  Case d;
  EXPECT_THROW(d.set("bad name", "1"), std::invalid_argument);
}

}  // namespace
}  // namespace v4::harness
