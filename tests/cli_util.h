// Running a project binary from a test: its exit code and everything it printed (stdout and
// stderr together).
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace v4::test {

struct CommandResult {
  int code;           // exit status; -1 when the process did not exit normally
  std::string output; // stdout and stderr, interleaved
};

// Runs `exe args` through the shell.
inline CommandResult run_command(const std::string& exe, const std::string& args) {
  const std::string cmd = exe + " " + args + " 2>&1";
  CommandResult r{-1, ""};
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe)
    return r;
  std::array<char, 4096> buf{};
  while (fgets(buf.data(), int(buf.size()), pipe))
    r.output += buf.data();
  const int status = ::pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

} // namespace v4::test
