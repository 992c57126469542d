#include "harness/provenance.h"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace v4::harness {

namespace {
std::function<std::optional<DeviceInfo>()>& provider() {
  static std::function<std::optional<DeviceInfo>()> p;
  return p;
}

std::string command_output(const std::string& cmd) {
  std::string out;
  if (FILE* pipe = ::popen((cmd + " 2>/dev/null").c_str(), "r")) {
    std::array<char, 256> buf{};
    while (fgets(buf.data(), int(buf.size()), pipe)) out += buf.data();
    ::pclose(pipe);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}
}  // namespace

void set_device_info_provider(std::function<std::optional<DeviceInfo>()> p) { provider() = std::move(p); }

std::optional<DeviceInfo> device_info() { return provider() ? provider()() : std::nullopt; }

RunInfo collect_provenance(const std::string& kind, const std::string& suite, uint64_t seed,
                           const std::vector<std::string>& argv) {
  RunInfo info;
  info.kind = kind;
  info.suite = suite;
  info.seed = seed;
  if (const char* env = std::getenv("V4_GIT_COMMIT"); env && *env) {
    info.git_commit = env;
    const char* dirty = std::getenv("V4_GIT_DIRTY");
    info.git_dirty = dirty && std::string(dirty) == "1";
  } else {
    const std::string dir = shell_quote(V4_SOURCE_DIR);
    info.git_commit = command_output("git -C " + dir + " rev-parse HEAD");
    if (info.git_commit.empty()) info.git_commit = "unknown";
    else info.git_dirty = !command_output("git -C " + dir + " status --porcelain --untracked-files=no").empty();
  }
  info.build_type = V4_BUILD_TYPE;
#if defined(__clang__)
  info.compiler = fmt::format("clang {}", __clang_version__);
#elif defined(__GNUC__)
  info.compiler = fmt::format("g++ {}", __VERSION__);
#endif
  if (auto d = device_info()) {
    info.cuda_version = d->cuda_version;
    info.driver_version = d->driver_version;
    info.gpu_name = d->gpu_name;
    info.gpu_uuid = d->gpu_uuid;
    info.gpu_clocks = d->gpu_clocks;
  }
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  info.host = host;
  info.command_line = fmt::format("{}", fmt::join(argv, " "));
  return info;
}

}  // namespace v4::harness
