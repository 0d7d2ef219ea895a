// esp_lane_pkg: the contract between the device front end (DMA, rings, SA table, classifier,
// replay and lifetime state, counters, completions) and an ESP lane (esp_lane: the framing and
// AES-GCM of one packet at a time). Several lanes sit behind one front end (CAP_LANES).
//
// Streams: 128-bit beats, byte 0 of the packet in data[127:120] (network order, as esp_gcm),
// keep[15] enables byte 0; every beat but the last is full; last marks the final beat.
//
// Per packet, in order:
//   1. job      front end -> lane (valid/ready): lane_job_t.
//   2. in beats front end -> lane: exactly ceil(job.in_len / 16) beats (EXPLICIT_IV bytes
//               included), always, whatever the outcome.
//   3. result   lane -> front end (valid/ready): lane_result_t, before any output beat.
//   4. out beats lane -> front end: exactly ceil(result.out_len / 16) beats (none on a drop).
// A lane may hold several packets in flight; results and output come back in job order.
//
// Division of work (the functional reference is hw/model/esp.cc + device_model.cc; the RTL
// must give bit-identical packets, statuses and counters):
//   front end: descriptor checks (BAD_DESCRIPTOR), length limits, the SA checks (SA_EXPIRED),
//     and every check that needs only the packet's first beats, in esp.cc's order.
//     Encap: inner IPv4 header (MALFORMED), SEQ_OVERFLOW, out_cap (NO_SPACE), total > 65535
//     (MALFORMED); so a sequence number and an IP id are taken only by packets that are sent.
//     Decap: LocateEsp (MALFORMED), SPI -> slot (UNKNOWN_SPI), hard lifetime (SA_EXPIRED),
//     the ESP length with the SA's ICV (MALFORMED), the replay pre-check (REPLAY) with the
//     ESN high-half inference. After the lane's result: the replay window update (re-checked,
//     so that a duplicate verified concurrently on two lanes is REPLAY), lifetimes, events,
//     counters, DMA of the output, the completion. Drops decided before dispatch never reach
//     a lane.
//   lane: encap framing (outer IPv4 or transport header, UDP, ESP header, IV, payload,
//     padding, trailer), encryption and tag: an encap job always ends OK. Decap: decryption,
//     ICV verification (AUTH_FAIL), the out_cap check (NO_SPACE, after the ICV as in esp.cc),
//     the pad check (BAD_PAD), the inner header check (MALFORMED), the transport header
//     restore; all in esp.cc's order.
// Keys: the front end installs an SA's key into every lane's key table at id = SA slot
// (SA_CMD WRITE), and installs an all-zero key there on INVALIDATE (zeroization).
package esp_lane_pkg;

  localparam int unsigned LenW = 14;  // byte counts up to 16383 (MAX_PACKET 9216 + 8)

  // The SA fields a lane needs: a snapshot from the SA table taken when the job is dispatched.
  typedef struct packed {
    logic        aes256;
    logic        tunnel;
    logic        natt;
    logic        esn;
    logic [1:0]  icv;      // ipsec_reg_pkg icv_len encoding
    logic [31:0] spi;      // host order (SA_SPI)
    logic [31:0] salt;     // SA_SALT as written: byte 0 of the salt in bits 7:0
    logic [31:0] tun_src;  // host order (SA_TUN_SRC)
    logic [31:0] tun_dst;
    logic [15:0] sport;
    logic [15:0] dport;
  } lane_sa_t;

  typedef struct packed {
    logic            decap;        // 0: ENCAP, 1: DECAP
    logic [15:0]     slot;         // SA slot = key id
    lane_sa_t        sa;
    logic [63:0]     seq;          // encap: the sequence number to send (and the IV unless
                                   // explicit_iv); decap: the packet's full sequence number
                                   // (ESN high half inferred by the front end)
    logic            explicit_iv;  // encap: the first 8 input bytes are the IV, not packet
    logic [15:0]     ip_id;        // encap, tunnel mode: outer IPv4 identification
    logic [6:0]      esp_off;      // decap: byte offset of the SPI (outer IHL*4, +8 with UDP)
    logic [LenW-1:0] in_len;       // bytes on the in stream
    logic [LenW-1:0] out_cap;      // the descriptor's output buffer size
  } lane_job_t;

  typedef struct packed {
    logic [3:0]      status;       // ipsec_reg_pkg status: OK, MALFORMED, AUTH_FAIL, BAD_PAD,
                                   // NO_SPACE
    logic            icv_ok;       // decap: the ICV verified (the window may move)
    logic [LenW-1:0] out_len;      // bytes on the out stream; 0 unless status is OK
    logic [LenW-1:0] inner_len;    // the inner (plaintext) packet's bytes, for SA_STAT_BYTES
                                   // and byte lifetimes, as device_model.cc counts them
  } lane_result_t;

endpackage
