// Runs a shell command for system tests and captures its exit status and output.
#pragma once

#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <string>
#include <vector>

namespace ipsec::testing {

struct CommandResult {
  int status = -1;     // exit status, or -1 if it did not exit normally
  std::string output;  // stdout and stderr together
};

inline CommandResult RunCommand(const std::string& cmd) {
  CommandResult r;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  const int st = pclose(p);
  if (WIFEXITED(st)) r.status = WEXITSTATUS(st);
  return r;
}

// A fresh directory under the test temp dir, named after the test ('/' of a parameterized
// test's name becomes '-').
inline std::string MakeTempDir(std::string name) {
  std::replace(name.begin(), name.end(), '/', '-');
  std::string tmpl = "/tmp/ipsec-" + name + "-XXXXXX";
  char* d = mkdtemp(tmpl.data());
  return d != nullptr ? std::string(d) : std::string();
}

// The device backends this build has, for tests that run a tool once per backend: "model", and
// "rtl" (the Verilated device) when it is built in.
inline std::vector<std::string> DeviceBackends() {
#ifdef IPSEC_HAVE_RTL_DEVICE
  return {"model", "rtl"};
#else
  return {"model"};
#endif
}

}  // namespace ipsec::testing
