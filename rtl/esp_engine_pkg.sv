// esp_engine_pkg: the types the packet engine's parts share (esp_fetch -> esp_front ->
// esp_back, wrapped by esp_engine). Doc: rtl/doc/esp_engine.md.
package esp_engine_pkg;
  import ipsec_reg_pkg::*;
  import esp_sa_pkg::*;

  // What the fetcher put in a slot.
  typedef enum logic [1:0] {
    PreOk,        // packet in the buffer
    PreStatus,    // completes with pre_st (BAD_DESCRIPTOR, MALFORMED, DMA_ERROR), no SA effect
    PreFetchErr   // the descriptor read failed: the queue is stopped, QUEUE_ERROR in order
  } pre_e;

  // The kind of a front -> back record.
  typedef enum logic [1:0] {
    KPacket,    // a packet (maybe dispatched to a lane)
    KFetchErr   // a failed descriptor read: QUEUE_ERROR in order
  } kind_e;

  // The record the front hands to the back for every fetched packet (in fetch order).
  typedef struct packed {
    kind_e       kind;
    logic        lane;      // a job went to the lane: take its result and output
    logic        decap;
    logic        encap_op;  // for STAT_ENCAP_PKTS / STAT_DECAP_PKTS
    logic [3:0]  status;
    logic [63:0] seq;
    logic [15:0] slot;      // SA slot (upper bits 0)
    logic        acct;      // the packet is accounted to slot
    logic        ev_seq;    // SEQ_OVERFLOW event
    logic [63:0] bytes;     // lifetime bytes of an OK packet (decap: from the lane)
    logic [31:0] cookie;
    logic [63:0] out_addr;
    logic        irq;
    logic [2:0]  q;
    logic [3:0]  epoch;
  } back_t;

  // Byte i of a 32-byte descriptor as read (byte 0 in [255:248]).
  function automatic logic [7:0] desc_byte(logic [255:0] d, int unsigned i);
    return d[255 - 8 * i -: 8];
  endfunction

  // Account (hw/model/device_model.cc): an SA's state after a packet with this status and these
  // lifetime bytes, and whether the packet crossed the soft / hard limit. The back applies it
  // in order; the front computes it ahead for packets whose status it already knows (encap),
  // so that the next packet of the same SA need not wait for the back (esp_back forwarding).
  typedef struct packed {
    sa_state_t st;
    logic      ev_soft;
    logic      ev_hard;
  } acct_t;

  // The SA's lifetime limits (sa_cfg_t's last four fields).
  typedef struct packed {
    logic [63:0] soft_bytes;
    logic [63:0] hard_bytes;
    logic [63:0] soft_pkts;
    logic [63:0] hard_pkts;
  } sa_limits_t;

  function automatic acct_t sa_account(sa_state_t st, sa_limits_t cfg, logic [3:0] status,
                                       logic [63:0] bytes);
    acct_t a;
    a.st = st;
    a.ev_soft = 1'b0;
    a.ev_hard = 1'b0;
    unique case (status)
      StatusOk: begin
        a.st.pkts = st.pkts + 64'd1;
        a.st.bytes = st.bytes + bytes;
        if (!st.soft_hit &&
            ((cfg.soft_pkts != 64'd0 && a.st.pkts >= cfg.soft_pkts) ||
             (cfg.soft_bytes != 64'd0 && a.st.bytes >= cfg.soft_bytes))) begin
          a.st.soft_hit = 1'b1;
          a.ev_soft = 1'b1;
        end
        if (!st.hard_hit &&
            ((cfg.hard_pkts != 64'd0 && a.st.pkts >= cfg.hard_pkts) ||
             (cfg.hard_bytes != 64'd0 && a.st.bytes >= cfg.hard_bytes))) begin
          a.st.hard_hit = 1'b1;
          a.ev_hard = 1'b1;
        end
      end
      StatusReplay: a.st.replay = st.replay + 32'd1;
      StatusAuthFail: a.st.auth_fail = st.auth_fail + 32'd1;
      default: a.st.other_drops = st.other_drops + 32'd1;
    endcase
    return a;
  endfunction

endpackage
