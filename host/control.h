// espd's control socket (a unix stream socket) and the client espctl uses. Protocol: the client
// sends one JSON object on one line ({"cmd": "list-sas"} | {"cmd": "stats"} | {"cmd":
// "initiate", "child": "net"} | {"cmd": "terminate", "child": "net"}); espd answers with one
// JSON object on one line ({"ok": true, ...} or {"ok": false, "error": "..."}) and closes.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "host/packet_io.h"

namespace ipsec::host {

inline constexpr char kDefaultControlSocket[] = "/run/espd.ctl";

class ControlServer {
 public:
  using Handler = std::function<nlohmann::json(const nlohmann::json& request)>;

  // Binds `path`. A stale socket file (nobody listening) is replaced; a live one is an error.
  static IoResult<ControlServer> Open(const std::string& path);
  ControlServer() = default;
  ControlServer(ControlServer&&) = default;
  ControlServer& operator=(ControlServer&&) = default;
  ~ControlServer();

  // The fds to poll (listening socket and open clients).
  std::vector<int> fds() const;
  // Accepts, reads and answers whatever is ready on `fd` (non-blocking).
  void OnReadable(int fd, const Handler& handler);

 private:
  Fd listen_;
  std::string path_;
  std::map<int, std::pair<Fd, std::string>> clients_;  // fd -> socket, request bytes so far
};

// espctl's side: sends `request`, waits up to `timeout_ms` for the answer.
IoResult<nlohmann::json> ControlRequest(const std::string& path, const nlohmann::json& request,
                                        int timeout_ms = 5000);

}  // namespace ipsec::host
