// Input validation for reference entry points: bad shapes or out-of-contract values (spec D6)
// throw std::invalid_argument with a message naming the function and the violated condition.
#pragma once

#include <stdexcept>
#include <string>

namespace v4::reference {

inline void require(bool condition, const char* function, const std::string& what) {
  if (!condition) throw std::invalid_argument(std::string(function) + ": " + what);
}

}  // namespace v4::reference
