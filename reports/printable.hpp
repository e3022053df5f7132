#pragma once
// Text from a report (node names, probe output, reasons) made safe for a terminal or an XML 1.0 document: control
// characters become visible \xNN escapes, so that a crafted hostname can neither move the cursor nor make
// junit.xml ill-formed. UTF-8 above 0x7f is kept.

#include <string>
#include <string_view>

namespace kiln {

// `keep_newlines`: '\n' and '\t' stay (multi-line XML text); otherwise they are escaped too (one terminal line).
std::string Printable(std::string_view text, bool keep_newlines = false);

}  // namespace kiln
