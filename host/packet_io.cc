#include "host/packet_io.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "hw/util/endian.h"

namespace ipsec::host {
namespace {

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

uint16_t Checksum(std::span<const uint8_t> b) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < b.size(); i += 2) sum += util::LoadBe16(&b[i]);
  if (b.size() % 2) sum += uint32_t{b.back()} << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

}  // namespace

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

Fd::~Fd() {
  if (fd_ >= 0) close(fd_);
}

IoResult<Tun> Tun::Open(const std::string& name, uint32_t mtu) {
  Tun t;
  t.fd_ = Fd(open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC));
  if (!t.fd_) return util::Fail(IoErrc::kOpen, Errno("TUN: /dev/net/tun"));
  ifreq ifr{};
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  std::snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name.c_str());
  if (ioctl(t.fd_.get(), TUNSETIFF, &ifr) < 0) {
    return util::Fail(IoErrc::kOpen, Errno("TUN " + name + ": TUNSETIFF (needs CAP_NET_ADMIN)"));
  }
  t.name_ = ifr.ifr_name;
  Fd s(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!s) return util::Fail(IoErrc::kOpen, Errno("TUN: socket"));
  ifr.ifr_mtu = static_cast<int>(mtu);
  if (ioctl(s.get(), SIOCSIFMTU, &ifr) < 0) {
    return util::Fail(IoErrc::kOpen, Errno("TUN " + t.name_ + ": set MTU"));
  }
  // IPv4 only: keep the kernel's IPv6 autoconfiguration chatter out of the tunnel (best effort).
  if (FILE* f = std::fopen(("/proc/sys/net/ipv6/conf/" + t.name_ + "/disable_ipv6").c_str(), "w")) {
    std::fputs("1", f);
    std::fclose(f);
  }
  ifr.ifr_qlen = 4096;  // room for bursts while the device works on a batch
  (void)ioctl(s.get(), SIOCSIFTXQLEN, &ifr);
  if (ioctl(s.get(), SIOCGIFFLAGS, &ifr) < 0) {
    return util::Fail(IoErrc::kOpen, Errno("TUN " + t.name_ + ": get flags"));
  }
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl(s.get(), SIOCSIFFLAGS, &ifr) < 0) {
    return util::Fail(IoErrc::kOpen, Errno("TUN " + t.name_ + ": link up"));
  }
  t.mtu_ = mtu;
  return t;
}

std::vector<uint8_t> Tun::Read() {
  std::vector<uint8_t> buf(65536);
  const ssize_t n = read(fd_.get(), buf.data(), buf.size());
  if (n <= 0) return {};
  buf.resize(static_cast<size_t>(n));
  return buf;
}

bool Tun::Write(std::span<const uint8_t> pkt) {
  return write(fd_.get(), pkt.data(), pkt.size()) == static_cast<ssize_t>(pkt.size());
}

IoResult<RawEsp> RawEsp::Open() {
  RawEsp r;
  r.fd_ = Fd(socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ESP));
  if (!r.fd_) return util::Fail(IoErrc::kOpen, Errno("raw ESP socket (needs CAP_NET_RAW)"));
  int one = 1;
  if (setsockopt(r.fd_.get(), IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) < 0) {
    return util::Fail(IoErrc::kOpen, Errno("raw ESP socket: IP_HDRINCL"));
  }
  return r;
}

std::vector<uint8_t> RawEsp::Read() {
  std::vector<uint8_t> buf(65536);
  const ssize_t n = recv(fd_.get(), buf.data(), buf.size(), 0);
  if (n <= 0) return {};
  buf.resize(static_cast<size_t>(n));
  return buf;
}

bool RawEsp::Send(std::span<const uint8_t> ip) {
  if (ip.size() < 20) return false;
  sockaddr_in to{};
  to.sin_family = AF_INET;
  std::memcpy(&to.sin_addr, &ip[16], 4);
  return sendto(fd_.get(), ip.data(), ip.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)) ==
         static_cast<ssize_t>(ip.size());
}

bool SendEspInUdp(int udp_fd, std::span<const uint8_t> ip) {
  if (ip.size() < 20) return false;
  const size_t ihl = size_t{ip[0] & 0x0fu} * 4;
  if (ip[9] != IPPROTO_UDP || ip.size() < ihl + 8) return false;
  sockaddr_in to{};
  to.sin_family = AF_INET;
  std::memcpy(&to.sin_addr, &ip[16], 4);
  std::memcpy(&to.sin_port, &ip[ihl + 2], 2);
  const auto esp = ip.subspan(ihl + 8);
  return sendto(udp_fd, esp.data(), esp.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)) ==
         static_cast<ssize_t>(esp.size());
}

std::vector<uint8_t> WrapEspInUdp(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
                                  std::span<const uint8_t> esp) {
  std::vector<uint8_t> p(28 + esp.size());
  p[0] = 0x45;
  util::StoreBe16(&p[2], static_cast<uint16_t>(p.size()));
  p[8] = 64;
  p[9] = IPPROTO_UDP;
  util::StoreBe32(&p[12], src);
  util::StoreBe32(&p[16], dst);
  util::StoreBe16(&p[10], Checksum(std::span<const uint8_t>(p).first(20)));
  util::StoreBe16(&p[20], sport);
  util::StoreBe16(&p[22], dport);
  util::StoreBe16(&p[24], static_cast<uint16_t>(8 + esp.size()));
  std::memcpy(&p[28], esp.data(), esp.size());
  return p;
}

std::string AddRoute(const std::string& dev, const std::string& cidr, uint32_t src) {
  std::string cmd = "ip route replace " + cidr + " dev " + dev;
  if (src != 0) {
    in_addr a{htonl(src)};
    std::array<char, INET_ADDRSTRLEN> b{};
    inet_ntop(AF_INET, &a, b.data(), b.size());
    cmd += std::string(" src ") + b.data();
  }
  cmd += " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return Errno("popen");
  std::string out;
  std::array<char, 256> buf{};
  while (fgets(buf.data(), buf.size(), p) != nullptr) out += buf.data();
  const int rc = pclose(p);
  if (rc == 0) return "";
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return "'" + cmd.substr(0, cmd.size() - 5) + "' failed: " + out;
}

void SetReceiveBuffer(int fd) {
  const int bytes = 4 << 20;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) != 0) {
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
  }
}

std::vector<uint32_t> LocalAddresses() {
  std::vector<uint32_t> out;
  ifaddrs* ifa = nullptr;
  if (getifaddrs(&ifa) != 0) return out;
  for (ifaddrs* i = ifa; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr != nullptr && i->ifa_addr->sa_family == AF_INET) {
      out.push_back(ntohl(reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr.s_addr));
    }
  }
  freeifaddrs(ifa);
  return out;
}

}  // namespace ipsec::host
