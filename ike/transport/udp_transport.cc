#include "ike/transport/udp_transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace ipsec::ike {
namespace {

Result<int> OpenSocket(uint32_t addr, uint16_t port) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Fail(Errc::kIo, std::string("socket: ") + std::strerror(errno));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) {
    std::string err = std::strerror(errno);
    close(fd);
    return Fail(Errc::kIo, "bind " + Ipv4ToString(addr) + ":" + std::to_string(port) + ": " + err);
  }
  return fd;
}

}  // namespace

Result<std::unique_ptr<UdpTransport>> UdpTransport::Open(uint32_t addr, uint16_t ike_port,
                                                         uint16_t natt_port) {
  std::unique_ptr<UdpTransport> t(new UdpTransport());
  auto a = OpenSocket(addr, ike_port);
  if (!a) return tl::unexpected(a.error());
  t->fd_ike_ = *a;
  auto b = OpenSocket(addr, natt_port);
  if (!b) return tl::unexpected(b.error());
  t->fd_natt_ = *b;
  t->ike_port_ = ike_port;
  t->natt_port_ = natt_port;
  return t;
}

UdpTransport::~UdpTransport() {
  if (fd_ike_ >= 0) close(fd_ike_);
  if (fd_natt_ >= 0) close(fd_natt_);
}

void UdpTransport::Send(const Datagram& d) {
  const bool natt = d.local.port == natt_port_;
  std::vector<uint8_t> buf;
  if (natt && d.kind == DatagramKind::kIke) buf.assign(4, 0);  // non-ESP marker (RFC 3948 2.2)
  buf.insert(buf.end(), d.data.begin(), d.data.end());
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(d.remote.port);
  to.sin_addr.s_addr = htonl(d.remote.addr);
  if (sendto(natt ? fd_natt_ : fd_ike_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&to),
             sizeof(to)) < 0)
    send_errors_++;
}

void UdpTransport::Drain(int fd, uint16_t port, bool natt,
                         const std::function<void(const Datagram&)>& on_ike,
                         const std::function<void(const Datagram&)>& on_esp) {
  for (;;) {
    uint8_t buf[65536];
    alignas(cmsghdr) char ctrl[256];
    sockaddr_in from{};
    iovec iov{buf, sizeof(buf)};
    msghdr mh{};
    mh.msg_name = &from;
    mh.msg_namelen = sizeof(from);
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = ctrl;
    mh.msg_controllen = sizeof(ctrl);
    ssize_t n = recvmsg(fd, &mh, 0);
    if (n < 0) return;  // EAGAIN: drained
    Datagram d;
    d.remote = {ntohl(from.sin_addr.s_addr), ntohs(from.sin_port)};
    d.local.port = port;
    for (cmsghdr* c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
        in_pktinfo pi;
        std::memcpy(&pi, CMSG_DATA(c), sizeof(pi));
        d.local.addr = ntohl(pi.ipi_addr.s_addr);
      }
    size_t off = 0;
    if (natt) {
      if (n == 1 && buf[0] == 0xff) continue;  // NAT keepalive
      if (n < 4 || std::memcmp(buf, "\0\0\0\0", 4) != 0) {
        d.data.assign(buf, buf + n);  // ESP in UDP
        if (on_esp) on_esp(d);
        continue;
      }
      off = 4;
    }
    d.data.assign(buf + off, buf + n);
    on_ike(d);
  }
}

Status UdpTransport::Poll(std::chrono::milliseconds timeout,
                          const std::function<void(const Datagram&)>& on_ike,
                          const std::function<void(const Datagram&)>& on_esp) {
  pollfd fds[2] = {{fd_ike_, POLLIN, 0}, {fd_natt_, POLLIN, 0}};
  int r = poll(fds, 2, static_cast<int>(timeout.count()));
  if (r < 0 && errno != EINTR) return Fail(Errc::kIo, std::string("poll: ") + std::strerror(errno));
  if (r <= 0) return {};
  if (fds[0].revents & POLLIN) Drain(fd_ike_, ike_port_, false, on_ike, on_esp);
  if (fds[1].revents & POLLIN) Drain(fd_natt_, natt_port_, true, on_ike, on_esp);
  return {};
}

}  // namespace ipsec::ike
