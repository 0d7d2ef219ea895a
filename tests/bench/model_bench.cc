// Benchmark of the functional model: ESP encap and decap throughput (Mpps, Gbps of plaintext IP
// packets) at 64, 512 and 1500 bytes, next to raw OpenSSL EVP AES-256-GCM over buffers of the
// same size, all in one run so the ratios are meaningful on a noisy shared machine.
// Three levels: raw EVP; the model's ESP transform alone (esp.cc); the whole model device
// behind the driver (descriptors, rings, DMA copies, completions). Prints Markdown.
#include <openssl/evp.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "driver/driver.h"
#include "hw/model/device_model.h"
#include "hw/model/esp.h"
#include "tests/models/packets.h"

namespace ipsec {
namespace {

using Clock = std::chrono::steady_clock;
constexpr double kSeconds = 0.4;  // per measurement

// Runs fn(batch) repeatedly for about kSeconds; returns packets per second.
template <class Fn>
double Rate(Fn fn, size_t batch) {
  size_t done = 0;
  const auto t0 = Clock::now();
  double elapsed = 0;
  do {
    fn();
    done += batch;
    elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  } while (elapsed < kSeconds);
  return done / elapsed;
}

std::vector<uint8_t> Key() {
  std::vector<uint8_t> k(32);
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(i * 7);
  return k;
}

hw::model::Sa MakeSa(bool inbound) {
  hw::model::Sa sa;
  sa.cfg.spi = 0x1234;
  sa.cfg.tunnel = true;
  sa.cfg.tun_src = 0xc0000201;
  sa.cfg.tun_dst = 0xc0000202;
  sa.cfg.dir_in = inbound;
  auto key = Key();
  sa.gcm = hw::model::AesGcm::Create(key);
  if (inbound) sa.replay.emplace(4096, false, 0);
  return sa;
}

struct Row {
  size_t size;
  double evp, enc_core, dec_core, enc_dev, dec_dev;
};

Row Measure(size_t size) {
  std::mt19937 rng(1);
  const auto pkt = testing::MakeIpv4(0x0a010001, 0x0a020001, 17, size, rng);
  Row r{size, 0, 0, 0, 0, 0};

  // Raw EVP: what the ESP transform must encrypt (payload + trailer), 8-byte AAD, new IV each.
  {
    const size_t ct_len = size + 2 + (4 - (size + 2) % 4) % 4;
    std::vector<uint8_t> in(ct_len, 0x5a), out(ct_len + 16);
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    const auto key = Key();
    EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, key.data(), nullptr);
    uint8_t iv[12] = {}, aad[8] = {};
    uint64_t n = 0;
    r.evp = Rate(
        [&] {
          for (int i = 0; i < 256; ++i) {
            ++n;
            std::memcpy(iv + 4, &n, 8);
            int len;
            EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, iv);
            EVP_EncryptUpdate(ctx, nullptr, &len, aad, 8);
            EVP_EncryptUpdate(ctx, out.data(), &len, in.data(), int(in.size()));
            EVP_EncryptFinal_ex(ctx, out.data() + in.size(), &len);
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, out.data() + in.size());
          }
        },
        256);
    EVP_CIPHER_CTX_free(ctx);
  }

  // The model's ESP transform alone.
  std::vector<std::vector<uint8_t>> esp_pkts;
  {
    auto out_sa = MakeSa(false);
    std::vector<uint8_t> out(size + hw::model::kMaxEncapOverhead);
    r.enc_core = Rate(
        [&] {
          for (int i = 0; i < 256; ++i) hw::model::EspEncap(out_sa, pkt, {}, out);
        },
        256);
    // Sequential packets for decap, so that every one passes the replay check.
    auto seq_sa = MakeSa(false);
    for (int i = 0; i < 4096; ++i) {
      auto o = hw::model::EspEncap(seq_sa, pkt, {}, out);
      esp_pkts.emplace_back(out.begin(), out.begin() + o.out_len);
    }
    auto in_sa = MakeSa(true);
    std::vector<uint8_t> plain(size + 64);
    size_t next = 0;
    r.dec_core = Rate(
        [&] {
          for (int i = 0; i < 256; ++i) {
            const auto& e = esp_pkts[next++ % esp_pkts.size()];
            if (next % esp_pkts.size() == 0) in_sa = MakeSa(true);  // restart the window
            auto loc = hw::model::LocateEsp(e);
            hw::model::EspDecap(in_sa, *loc, e, plain);
          }
        },
        256);
  }

  // The whole model device behind the driver, batches of 255 descriptors per doorbell.
  {
    hw::model::ModelDevice dev;
    auto drv = driver::Driver::Open(dev, {.queues = 1, .ring_log2 = 8});
    driver::SaParams p;
    p.spi = 0x1234;
    auto key = Key();
    p.key = util::SecretBytes(key);
    p.tun_src = 0xc0000201;
    p.tun_dst = 0xc0000202;
    auto out_slot = *(*drv)->InstallSa(p);
    auto run = [&](hw::Opcode op, uint32_t slot, const auto& next_pkt) {
      const size_t room = (*drv)->SubmitRoom(0);
      for (size_t i = 0; i < room; ++i) (void)(*drv)->Post(0, op, slot, next_pkt(), 0);
      (*drv)->Flush(0);
      (*drv)->Reap(0, [](const driver::Completion&) {});
      return room;
    };
    const size_t batch = (*drv)->ring_capacity();
    r.enc_dev = Rate(
        [&] {
          run(
              hw::Opcode::kEncap, out_slot, [&]() -> const auto& { return pkt; });
        },
        batch);
    p.inbound = true;
    p.window = 4096;
    auto in_slot = *(*drv)->InstallSa(p);
    size_t next = 0;
    r.dec_dev = Rate(
        [&] {
          run(
              hw::Opcode::kDecap, 0, [&]() -> const auto& {
                if (++next % esp_pkts.size() == 0) {  // restart the window for another pass
                  (void)(*drv)->RemoveSa(in_slot);
                  in_slot = *(*drv)->InstallSa(p);
                }
                return esp_pkts[next % esp_pkts.size()];
              });
        },
        batch);
  }
  return r;
}

}  // namespace
}  // namespace ipsec

int main() {
  using ipsec::Row;
  std::printf(
      "Functional model throughput, AES-256-GCM tunnel mode, one core, wall clock (noisy:\n"
      "compare the ratios within this run). Gbps counts plaintext IP packet bits.\n\n");
  std::printf(
      "| bytes | raw EVP Mpps | ESP encap (esp.cc) Mpps | ESP decap (esp.cc) Mpps | device+driver "
      "encap Mpps | device+driver decap Mpps | device encap Gbps | device encap / EVP |\n"
      "|---|---|---|---|---|---|---|---|\n");
  for (size_t size : {64, 512, 1500}) {
    const Row r = ipsec::Measure(size);
    std::printf("| %zu | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |\n", size, r.evp / 1e6,
                r.enc_core / 1e6, r.dec_core / 1e6, r.enc_dev / 1e6, r.dec_dev / 1e6,
                r.enc_dev * size * 8 / 1e9, r.enc_dev / r.evp);
  }
  return 0;
}
