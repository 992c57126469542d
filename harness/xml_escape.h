// Escaping for XML and HTML text and attribute values (JUnit files, the HTML report, inline SVG).
#pragma once

#include <string>
#include <string_view>

namespace v4::harness {

// Escapes & < > " ' and drops control characters that XML 1.0 forbids (keeps \t \n \r).
inline std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&#39;";
      break;
    default:
      if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r')
        break;
      out += c;
    }
  }
  return out;
}

} // namespace v4::harness
