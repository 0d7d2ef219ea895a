// Test harness for espd system tests: network namespaces, espd processes (fork/exec, so the test
// gets their exit status), espctl queries as JSON, packet injection from inside a namespace.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/system/run_command.h"

namespace ipsec::testing {

inline int Sh(const std::string& cmd) { return RunCommand(cmd).status; }

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline bool WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

// Two namespaces PREFIX-a (192.0.2.1, protected 10.1.0.1) and PREFIX-b (192.0.2.2, 10.2.0.1)
// joined by a veth pair: the same layout as ../shared/peers/netns-pair and tools/demo.sh.
class NetnsPair {
 public:
  explicit NetnsPair(std::string prefix) : p_(std::move(prefix)) {
    Down();
    const std::string cmd =
        "set -e; ip netns add " + p_ + "-a; ip netns add " + p_ + "-b; ip link add " + p_ +
        "-va type veth peer name " + p_ + "-vb; ip link set " + p_ + "-va netns " + p_ +
        "-a; ip link set " + p_ + "-vb netns " + p_ + "-b; ip -n " + p_ +
        "-a addr add 192.0.2.1/24 dev " + p_ + "-va; ip -n " + p_ +
        "-b addr add 192.0.2.2/24 dev " + p_ + "-vb; for s in a b; do ip -n " + p_ +
        "-$s link set lo up; ip -n " + p_ + "-$s link set " + p_ + "-v$s up; done; ip -n " + p_ +
        "-a addr add 10.1.0.1/32 dev lo; ip -n " + p_ + "-b addr add 10.2.0.1/32 dev lo";
    ok_ = Sh("bash -c '" + cmd + "'") == 0;
  }
  ~NetnsPair() { Down(); }
  bool ok() const { return ok_; }
  std::string a() const { return p_ + "-a"; }
  std::string b() const { return p_ + "-b"; }

 private:
  void Down() { Sh("ip netns del " + p_ + "-a; ip netns del " + p_ + "-b"); }
  std::string p_;
  bool ok_ = false;
};

// Moves this thread into a named network namespace; restores the original on destruction.
class NetnsGuard {
 public:
  explicit NetnsGuard(const std::string& name) {
    orig_ = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    const int fd = open(("/var/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
    ok_ = fd >= 0 && setns(fd, CLONE_NEWNET) == 0;
    if (fd >= 0) close(fd);
  }
  ~NetnsGuard() {
    if (orig_ >= 0) {
      (void)setns(orig_, CLONE_NEWNET);
      close(orig_);
    }
  }
  bool ok() const { return ok_; }

 private:
  int orig_ = -1;
  bool ok_ = false;
};

// Sends a whole IPv4 packet from inside namespace `ns` (raw socket, IP_HDRINCL).
inline bool SendRawIpv4(const std::string& ns, const std::vector<uint8_t>& pkt) {
  NetnsGuard g(ns);
  if (!g.ok() || pkt.size() < 20) return false;
  const int s = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
  if (s < 0) return false;
  sockaddr_in to{};
  to.sin_family = AF_INET;
  std::memcpy(&to.sin_addr, &pkt[16], 4);
  const bool ok = sendto(s, pkt.data(), pkt.size(), 0, reinterpret_cast<sockaddr*>(&to),
                         sizeof(to)) == static_cast<ssize_t>(pkt.size());
  close(s);
  return ok;
}

// One espd process (optionally inside a namespace), stderr to `log`.
class EspdProcess {
 public:
  EspdProcess() = default;
  EspdProcess(const EspdProcess&) = delete;
  EspdProcess& operator=(const EspdProcess&) = delete;
  ~EspdProcess() { Kill(); }

  bool Start(const std::string& ns, const std::vector<std::string>& args, const std::string& log) {
    std::vector<std::string> argv;
    if (!ns.empty()) argv = {"ip", "netns", "exec", ns};
    argv.push_back(ESPD_PATH);
    argv.insert(argv.end(), args.begin(), args.end());
    log_ = log;
    pid_ = fork();
    if (pid_ == 0) {
      const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, 2);
      dup2(fd, 1);
      std::vector<char*> c;
      for (auto& s : argv) c.push_back(s.data());
      c.push_back(nullptr);
      execvp(c[0], c.data());
      _exit(127);
    }
    return pid_ > 0;
  }
  // SIGTERM, then the exit status (-1 if it did not exit normally within 10 s).
  int Stop() {
    if (pid_ <= 0) return -1;
    kill(pid_, SIGTERM);
    int st = 0;
    for (int i = 0; i < 200; ++i) {
      if (waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    Kill();
    return -1;
  }
  bool Running() {
    if (pid_ <= 0) return false;
    int st = 0;
    return waitpid(pid_, &st, WNOHANG) == 0;
  }
  std::string Log() const { return ReadFile(log_); }

 private:
  void Kill() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }
  pid_t pid_ = -1;
  std::string log_;
};

// espctl ... --json, parsed (discarded JSON on failure).
inline nlohmann::json Espctl(const std::string& control, const std::string& cmd) {
  auto r = RunCommand(std::string(ESPCTL_PATH) + " --control " + control + " " + cmd + " --json");
  return nlohmann::json::parse(r.output, nullptr, false);
}

inline size_t ChildCount(const std::string& control) {
  auto j = Espctl(control, "list-sas");
  if (j.is_discarded() || !j.contains("child_sas")) return 0;
  return j["child_sas"].size();
}

inline uint64_t Drop(const nlohmann::json& stats, const std::string& dir,
                     const std::string& cause) {
  const auto& m = stats["drops"][dir];
  return m.contains(cause) ? m[cause].get<uint64_t>() : 0;
}

// UDP stream with tools/demo_traffic.py: returns how many of `count` datagrams arrived.
// `interval_s` > 0: one datagram every interval_s seconds (a steady stream).
inline int UdpStream(const std::string& from_ns, const std::string& src, const std::string& to_ns,
                     const std::string& dst, int count, int port, double interval_s = 0) {
  const std::string out = "/tmp/espd-udp-" + std::to_string(getpid()) + "-" + std::to_string(port);
  const std::string ready = out + ".ready";
  const std::string recv = "ip netns exec " + to_ns + " python3 tools/demo_traffic.py recv " + dst +
                           " " + std::to_string(port) + " " + std::to_string(count) + " " +
                           std::to_string(8 + static_cast<int>(count * interval_s)) + " " + ready +
                           " >" + out + " &";
  // The sender starts once the receiver's socket is bound (a loaded machine can take longer than
  // any fixed sleep to start python: the first datagrams would be lost before the tunnel).
  Sh("bash -c '" + recv + " for i in $(seq 200); do [ -e " + ready +
     " ] && break; sleep 0.05; done; ip netns exec " + from_ns +
     " python3 tools/demo_traffic.py send " + src + " " + dst + " " + std::to_string(port) + " " +
     std::to_string(count) + (interval_s > 0 ? " " + std::to_string(interval_s) : "") + "; wait'");
  const std::string n = ReadFile(out);
  std::filesystem::remove(out);
  std::filesystem::remove(ready);
  return n.empty() ? -1 : std::stoi(n);
}

}  // namespace ipsec::testing
