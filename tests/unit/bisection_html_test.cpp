// The bisection's part of report.html: node names and reasons come from the cluster, so a control character in
// a crafted hostname must show as visible text, as on the terminal (the adversarial case
// hostile-escape-in-node-name-raw-in-html: 65 raw ESC bytes reached report.html).

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "reports/html_escape.hpp"
#include "reports/html_sections.hpp"

namespace kiln {
namespace {

TEST(BisectionHtml, AnEscapeInANodeNameIsPrintedNotPassedRaw) {
  const std::string name = "n\x1b[31m03";
  nlohmann::json finding{{"kind", "node"},
                         {"subject", {{"kind", "node"}, {"nodes", {name}}}},
                         {"stage", "pair"},
                         {"reason", "fails in pairs with " + name},
                         {"rounds", {1}}};
  nlohmann::json trial{{"probe", "mpi_link"}, {"nodes", {name, "n04"}}, {"outcome", "fail"}};
  nlohmann::json round{{"index", 1}, {"stage", "pair"}, {"trials", {trial}}, {"conclusion", name + " accused"}};
  const std::string html = BisectionTrail({{"findings", {finding}}, {"rounds", {round}}});
  EXPECT_EQ(html.find('\x1b'), std::string::npos) << html;
  EXPECT_NE(html.find("n\\x1b[31m03"), std::string::npos) << html;
  EXPECT_EQ(html::E("a\x1b<b>\nc"), "a\\x1b&lt;b&gt;\nc");  // newlines stay for <pre>
}

}  // namespace
}  // namespace kiln
