#pragma once
// Text from a report, a file or a command line (node names, probe output, reasons, paths) made safe for a
// terminal or an XML 1.0 document: C0 and C1 control characters and bytes that are not UTF-8 become visible \xNN
// escapes (each byte), so that a crafted hostname can neither move the cursor, clear the screen nor make
// junit.xml ill-formed. Well-formed UTF-8 above U+009F is kept.

#include <string>
#include <string_view>

namespace kiln {

// `keep_newlines`: '\n' and '\t' stay (multi-line XML text); otherwise they are escaped too (one terminal line).
std::string Printable(std::string_view text, bool keep_newlines = false);

// Whether `text` is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF): what
// systemd, JSON and XML demand of their text.
bool IsValidUtf8(std::string_view text);

}  // namespace kiln
