#include "host/control.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace ipsec::host {
namespace {

constexpr size_t kMaxRequest = 4096;

bool MakeAddr(const std::string& path, sockaddr_un* a) {
  if (path.size() >= sizeof(a->sun_path)) return false;
  std::memset(a, 0, sizeof(*a));
  a->sun_family = AF_UNIX;
  std::memcpy(a->sun_path, path.c_str(), path.size() + 1);
  return true;
}

void WriteAll(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    const ssize_t n = send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EAGAIN) {
      pollfd p{fd, POLLOUT, 0};
      if (poll(&p, 1, 1000) <= 0) return;
      continue;
    }
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

}  // namespace

IoResult<ControlServer> ControlServer::Open(const std::string& path) {
  sockaddr_un a;
  if (!MakeAddr(path, &a)) return util::Fail(IoErrc::kOpen, "control socket path too long");
  ControlServer s;
  s.listen_ = Fd(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!s.listen_)
    return util::Fail(IoErrc::kOpen, std::string("control socket: ") + strerror(errno));
  if (bind(s.listen_.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) < 0) {
    if (errno != EADDRINUSE) {
      return util::Fail(IoErrc::kOpen, "control socket " + path + ": " + strerror(errno));
    }
    // Someone listening there already? Otherwise the file is stale: replace it.
    Fd probe(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (connect(probe.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0) {
      return util::Fail(IoErrc::kOpen,
                        "control socket " + path + " is in use by another espd (use --control)");
    }
    unlink(path.c_str());
    if (bind(s.listen_.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) < 0) {
      return util::Fail(IoErrc::kOpen, "control socket " + path + ": " + strerror(errno));
    }
  }
  if (listen(s.listen_.get(), 8) < 0) {
    return util::Fail(IoErrc::kOpen, "control socket " + path + ": listen: " + strerror(errno));
  }
  s.path_ = path;
  return s;
}

ControlServer::~ControlServer() {
  if (listen_ && !path_.empty()) unlink(path_.c_str());
}

std::vector<int> ControlServer::fds() const {
  std::vector<int> out;
  if (listen_) out.push_back(listen_.get());
  for (const auto& [fd, c] : clients_) out.push_back(fd);
  return out;
}

void ControlServer::OnReadable(int fd, const Handler& handler) {
  if (fd == listen_.get()) {
    for (;;) {
      const int c = accept4(listen_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (c < 0) break;
      clients_[c] = {Fd(c), std::string()};
    }
    return;
  }
  auto it = clients_.find(fd);
  if (it == clients_.end()) return;
  std::string& req = it->second.second;
  char buf[1024];
  bool closed = false;
  for (;;) {
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n > 0) {
      req.append(buf, static_cast<size_t>(n));
      if (req.size() > kMaxRequest) break;
      continue;
    }
    closed = n == 0 || errno != EAGAIN;
    break;
  }
  const size_t nl = req.find('\n');
  if (nl == std::string::npos && !closed && req.size() <= kMaxRequest) return;  // more to come
  nlohmann::json reply;
  auto parsed = nlohmann::json::parse(req.substr(0, nl), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    reply = {{"ok", false}, {"error", "bad request: expected one JSON object on one line"}};
  } else {
    reply = handler(parsed);
  }
  WriteAll(fd, reply.dump() + "\n");
  clients_.erase(it);
}

IoResult<nlohmann::json> ControlRequest(const std::string& path, const nlohmann::json& request,
                                        int timeout_ms) {
  sockaddr_un a;
  if (!MakeAddr(path, &a)) return util::Fail(IoErrc::kOpen, "control socket path too long");
  Fd s(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!s || connect(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) < 0) {
    return util::Fail(IoErrc::kOpen, "cannot reach espd at " + path + ": " + strerror(errno) +
                                         " (is espd running? --control SOCKET)");
  }
  WriteAll(s.get(), request.dump() + "\n");
  std::string reply;
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  char buf[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now());
    if (left.count() <= 0) return util::Fail(IoErrc::kIo, "espd did not answer in time");
    pollfd p{s.get(), POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    const ssize_t n = recv(s.get(), buf, sizeof(buf), 0);
    if (n <= 0) break;
    reply.append(buf, static_cast<size_t>(n));
  }
  auto j = nlohmann::json::parse(reply, nullptr, false);
  if (j.is_discarded()) return util::Fail(IoErrc::kIo, "espd sent an unreadable answer");
  return j;
}

}  // namespace ipsec::host
