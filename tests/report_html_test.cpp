// Structure of the self-contained HTML report, without a browser (scripts/check_html_report.sh
// renders it in headless Chromium): the three views and the provenance are there, the charts are
// inline SVG, nothing refers to the network, markup is balanced and text is escaped.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/gate.h"
#include "harness/report_html.h"
#include "harness/svg_chart.h"
#include "synthetic_runs.h"

namespace v4::harness {
namespace {

using testing::TempDir;

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1))
    ++n;
  return n;
}

// Three runs of two ops; cuda candidates, a torch peer and a negative control; run 3 has a failed
// accuracy check and a failed batch-invariance check.
struct ReportFixture {
  TempDir dir{"report-html"};
  std::unique_ptr<Store> store = Store::open(dir.file("r.sqlite"), Store::Mode::read_write);
  int64_t last = 0;
  ReportFixture() {
    std::vector<testing::SyntheticCase> cases = {
        {"rms_norm", "cuda", "candidate", "cuda", "rms_norm rows=64 dim=4096 seed=1", 2e-5},
        {"rms_norm", "torch", "peer", "cuda", "rms_norm rows=64 dim=4096 seed=1", 3e-5},
        {"rms_norm", "reference", "candidate", "cpu", "rms_norm rows=64 dim=4096 seed=1", 4e-3},
        {"act_quant", "cuda", "candidate", "cuda", "act_quant rows=128 cols=7168 seed=7", 1e-5},
    };
    for (int k = 0; k < 3; ++k) {
      testing::SyntheticRun r{.tag = k == 0 ? "<b>main</b>" : "",
                              .commit = fmt::format("c0ffee{}abcdef", k),
                              .seed = uint64_t(k + 1)};
      last = testing::add_synthetic_run(*store, cases, r);
    }
    // Checks go into one more run that also carries timings (the store adds cases idempotently).
    RunInfo info;
    info.git_commit = "deadbeef1234";
    info.gpu_name = "NVIDIA H200";
    last = store->begin_run(info);
    for (const auto& c : cases) {
      const int64_t id = store->add_case(last, c.op, c.backend, c.role, c.device, c.key, "{}");
      TimingRecord rec;
      rec.result.seconds = {c.base_seconds, c.base_seconds * 1.1, c.base_seconds * 0.95};
      rec.stats = summarize(rec.result.seconds);
      rec.cost.bytes = 1e6;
      rec.gbps = 1e6 / rec.stats.median / 1e9;
      if (c.device == "cuda")
        rec.roofline_fraction = 0.42;
      store->add_timing(id, rec);
      if (c.backend == "reference")
        continue;
      const bool bad = c.op == "act_quant";
      store->add_check(id, testing::accuracy_check(c.op, c.backend, c.key, "y", bad ? 9 : 1, !bad));
      store->add_check(id, testing::plain_check(c.op, c.backend, c.key, "determinism", true));
      store->add_check(id, testing::plain_check(c.op, c.backend, c.key, "batch_invariance", !bad));
    }
    const int64_t control = store->add_case(last, "rms_norm", "split_reduction_control",
                                            "negative_control", "cpu", cases[0].key, "{}");
    CheckOutcome caught = testing::plain_check("rms_norm", "split_reduction_control", cases[0].key,
                                               "batch_invariance", true);
    caught.negative_control = true;
    store->add_check(control, caught);
    store->finish_run(last, 7, 2);
  }
};

TEST(ReportHtml, HasTheThreeViewsAndProvenance) {
  ReportFixture fx;
  const std::string html = html_report(*fx.store, fx.last);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  for (const char* id : {"id=\"numerics\"", "id=\"invariance\"", "id=\"performance\"",
                         "id=\"provenance\"", "id=\"failures\"", "id=\"history\""}) {
    EXPECT_NE(html.find(id), std::string::npos) << id;
  }
  // numerics: worst ULP, histogram, first divergence of the failure with its replay string
  EXPECT_GE(count(html, "class=\"chart histogram\""), 3u);
  EXPECT_NE(html.find("[0,17] actual 1.5 expected 1.25"), std::string::npos); // first divergence
  EXPECT_NE(
      html.find(
          "v4harness replay \"act_quant rows=128 cols=7168 seed=7 backend=cuda check=accuracy.y\""),
      std::string::npos);
  // invariance matrix: failed cell, negative control caught
  EXPECT_NE(html.find("caught 1/1"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"bad\">0/1</td>"), std::string::npos);
  // performance: spread, roofline, speed-up over the peer, one time series per case over 4 runs
  EXPECT_EQ(count(html, "class=\"chart spread\""), 4u);
  EXPECT_NE(html.find("42.0%"), std::string::npos);
  EXPECT_NE(html.find("vs torch (peer)"), std::string::npos);
  EXPECT_EQ(count(html, "class=\"chart timeseries\""), 2u);
  EXPECT_EQ(count(html, "class=\"point\""),
            4u * 3 + 4u); // rms_norm: 3 backends × 4 runs; act_quant: 4 runs
  EXPECT_NE(html.find("c0ffee0"), std::string::npos); // commits on the axis
  EXPECT_NE(html.find("deadbee r4"), std::string::npos);
  // provenance
  EXPECT_NE(html.find("<code>deadbeef1234</code>"), std::string::npos);
  EXPECT_NE(html.find("NVIDIA H200"), std::string::npos);
}

TEST(ReportHtml, SelfContainedBalancedAndEscaped) {
  ReportFixture fx;
  const std::string html = html_report(*fx.store, 1); // the run tagged "<b>main</b>"
  EXPECT_EQ(html.find("http:"), std::string::npos);
  EXPECT_EQ(html.find("https:"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;main&lt;/b&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<b>main</b>"), std::string::npos);
  for (const char* tag : {"svg", "table", "section", "tr", "figure", "title"}) {
    EXPECT_EQ(count(html, std::string("<") + tag + ">") + count(html, std::string("<") + tag + " "),
              count(html, std::string("</") + tag + ">"))
        << tag;
  }
  EXPECT_EQ(count(html, "<html"), 1u);
  EXPECT_EQ(count(html, "</html>"), 1u);
}

TEST(ReportHtml, ShowsTheLatestGateDecision) {
  ReportFixture fx;
  GateOptions o;
  o.baseline = "2";
  o.candidate = "3";
  o.budget_path = "/nonexistent";
  const GateResult r = evaluate_gate(*fx.store, o);
  record_gate(*fx.store, o, r);
  const std::string html = html_report(*fx.store, 3);
  EXPECT_NE(html.find("id=\"gate\""), std::string::npos);
  EXPECT_NE(html.find(std::string(r.exit_code == 0   ? "PASS"
                                  : r.exit_code == 2 ? "AMBIGUOUS"
                                                     : "FAIL")),
            std::string::npos);
  EXPECT_EQ(html_report(*fx.store, 2).find("id=\"gate\""),
            std::string::npos); // no decision about run 2
}

TEST(ReportHtml, WritesIndexHtmlAndReadsAVersionOneDatabase) {
  ReportFixture fx;
  fx.store->exec("DROP INDEX gate_verdicts_by_run; DROP TABLE gate_verdicts;"
                 "UPDATE meta SET value = '1' WHERE key = 'schema_version'");
  auto ro = Store::open(fx.dir.file("r.sqlite"), Store::Mode::read_only);
  const std::string path = write_html_report(*ro, fx.last, fx.dir.file("html"));
  EXPECT_EQ(path, fx.dir.file("html") + "/index.html");
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  EXPECT_NE(s.str().find("id=\"performance\""), std::string::npos);
  EXPECT_EQ(s.str().find("id=\"gate\""), std::string::npos);
}

// Several runs (the per-op runs of one GPU session): every op's latest case is shown, older runs'
// cases of the same key are not, each run's provenance is listed, and the read-only database file
// is left byte for byte as it was (the selection lives in a TEMP table).
TEST(ReportHtml, SeveralRunsShowTheLatestCaseOfEachKey) {
  ReportFixture fx;
  const std::string source = fx.dir.file("r.sqlite");
  const int64_t last = fx.last;
  fx.store.reset(); // closes the database: the WAL is folded into the file
  auto read_bytes = [](const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
  };
  const std::string before = read_bytes(source);
  auto ro = Store::open(source, Store::Mode::read_only);
  const std::string one = html_report(*ro, last);
  const std::string all = html_report(*ro, std::vector<int64_t>{1, 2, 3, last});
  EXPECT_NE(all.find("runs up to " + std::to_string(last)), std::string::npos);
  EXPECT_EQ(count(all, "<table class=\"provenance\">"), 4u);
  EXPECT_EQ(count(all, "id=\"provenance\""), 1u);
  // Run `last` holds every case key of runs 1-3 again: the same numerics and invariance cells.
  EXPECT_EQ(count(all, "class=\"chart spread\""), count(one, "class=\"chart spread\""));
  EXPECT_EQ(count(all, "<td class=\"bad\""), count(one, "<td class=\"bad\""));
  EXPECT_THROW(tagged_runs(*ro, "no such tag"), StoreError);
  EXPECT_EQ(tagged_runs(*ro, "<b>main</b>"), std::vector<int64_t>{1});
  EXPECT_EQ(parse_runs(*ro, "all"), (std::vector<int64_t>{1, 2, 3, last}));
  EXPECT_EQ(parse_runs(*ro, "3,1-2"), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_THROW(parse_runs(*ro, "2-x"), std::invalid_argument);
  EXPECT_THROW(parse_runs(*ro, "0"), std::invalid_argument);
  EXPECT_THROW(parse_runs(*ro, "99"), StoreError);
  ro.reset();
  EXPECT_EQ(read_bytes(source), before);
}

// scripts/check_html_report.sh renders this fixture in headless Chromium (every view populated:
// CPU-only runs have no accuracy checks): it asks for a copy at $V4_REPORT_FIXTURE_DB. Without the
// variable the test only checks that the fixture survives closing and reopening read-only.
TEST(ReportHtml, BrowserFixture) {
  std::string source;
  int64_t last = 0;
  ReportFixture fx;
  {
    GateOptions o;
    o.baseline = "1";
    o.budget_path = "/nonexistent";
    record_gate(*fx.store, o, evaluate_gate(*fx.store, o));
    last = fx.last;
    source = fx.store->path();
    fx.store.reset(); // closes the database: the WAL is folded into the file
  }
  auto ro = Store::open(source, Store::Mode::read_only);
  EXPECT_NE(html_report(*ro, last).find("id=\"gate\""), std::string::npos);
  if (const char* target = std::getenv("V4_REPORT_FIXTURE_DB"); target && *target) {
    std::filesystem::copy_file(source, target, std::filesystem::copy_options::overwrite_existing);
  }
}

TEST(SvgChart, NiceTicksAndCharts) {
  EXPECT_EQ(nice_ticks(0, 10, 5), (std::vector<double>{0, 2, 4, 6, 8, 10}));
  EXPECT_EQ(nice_ticks(0, 1.05, 4), (std::vector<double>{0, 0.5, 1}));
  const std::string h = svg_histogram({1000, 10, 1, 0}, {"0", "1", "2", "4"}, "t");
  EXPECT_EQ(count(h, "class=\"bar\""), 4u);
  EXPECT_NE(h.find("<title>2: 1</title>"), std::string::npos);
  const std::string ts =
      svg_time_series({"a", "b", "c"}, {{"cuda", {{1, 0.9, 1.1}, {}, {2, 1.8, 2.2}}}}, "t", "µs");
  EXPECT_EQ(count(ts, "class=\"point\""), 2u); // the missing middle point is skipped
  EXPECT_EQ(count(ts, "class=\"band\""), 1u);
}

} // namespace
} // namespace v4::harness
